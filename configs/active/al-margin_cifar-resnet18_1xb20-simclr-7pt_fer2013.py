# Active learning on fer2013 from a SimCLR encoder (docs/active-learning.md §7.4): stage
# `pretrain` runs simclr_cifar-resnet18_1xb1024-coslr-1000e_fer2013.py in runs/EXP/pretrain/
# and hands its encoder.pth to train_cfg.encoder; every round starts from it with a fresh
# head.
#   bash experiments/active.sh al_fer2013_pre configs/active/al-margin_cifar-resnet18_1xb20-simclr-7pt_fer2013.py
_base_ = ['./al-margin_cifar-resnet18_1xb20-scratch-7pt_fer2013.py']
pipeline = [dict(name='pretrain', config='configs/active/simclr_cifar-resnet18_1xb1024-coslr-1000e_fer2013.py',
                 checkpoint='encoder.pth', into='train_cfg.encoder')]
train_cfg = dict(round_init='pretrained')
