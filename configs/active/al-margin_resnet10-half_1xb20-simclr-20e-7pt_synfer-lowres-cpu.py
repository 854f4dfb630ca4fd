# The CPU active-learning study's pre-trained runs (docs/active-learning.md §10): stage
# `pretrain` runs SimCLR on the pool with the same slim ResNet (50 epochs,
# simclr_resnet10-half_1xb256-coslr-50e_synfer-lowres-cpu.py) and hands its encoder.pth to
# train_cfg.encoder; every round starts from that encoder with a fresh head. Everything else
# as the scratch config.
_base_ = ['./al-margin_resnet10-half_1xb20-scratch-20e-7pt_synfer-lowres-cpu.py']
pipeline = [dict(name='pretrain',
                 config='configs/active/simclr_resnet10-half_1xb256-coslr-50e_synfer-lowres-cpu.py',
                 checkpoint='encoder.pth', into='train_cfg.encoder')]
train_cfg = dict(round_init='pretrained')
