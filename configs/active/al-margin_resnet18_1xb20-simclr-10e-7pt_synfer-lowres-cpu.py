# Active learning from a SimCLR encoder on SynFER lowres, CPU-sized (docs/active-learning.md
# §7.4): stage `pretrain` runs SimCLR on the pool (runs/EXP/pretrain/, 5 epochs) and hands
# its encoder.pth to train_cfg.encoder; every round then starts from that encoder with a
# fresh head. Everything else as the CPU scratch config.
#   bash experiments/active.sh al_margin_pre configs/active/al-margin_resnet18_1xb20-simclr-10e-7pt_synfer-lowres-cpu.py
_base_ = ['./al-margin_resnet18_1xb20-scratch-10e-7pt_synfer-lowres-cpu.py']
pipeline = [dict(name='pretrain',
                 config='configs/active/simclr_resnet18_1xb256-coslr-5e_synfer-lowres-cpu.py',
                 checkpoint='encoder.pth', into='train_cfg.encoder')]
train_cfg = dict(round_init='pretrained')
