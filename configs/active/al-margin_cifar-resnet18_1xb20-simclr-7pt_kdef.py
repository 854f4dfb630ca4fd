# Active learning on kdef from a SimCLR encoder (docs/active-learning.md §7.4): stage
# `pretrain` runs simclr_cifar-resnet18_1xb1024-coslr-1000e_kdef.py in runs/EXP/pretrain/ and
# hands its encoder.pth to train_cfg.encoder; every round starts from it with a fresh head.
#   bash experiments/active.sh al_kdef_pre configs/active/al-margin_cifar-resnet18_1xb20-simclr-7pt_kdef.py
_base_ = ['./al-margin_cifar-resnet18_1xb20-scratch-7pt_kdef.py']
pipeline = [dict(name='pretrain', config='configs/active/simclr_cifar-resnet18_1xb1024-coslr-1000e_kdef.py',
                 checkpoint='encoder.pth', into='train_cfg.encoder')]
train_cfg = dict(round_init='pretrained')
