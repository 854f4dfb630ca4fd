# The tiny active-learning run from a tiny SimCLR stage (tests/configs/tiny_simclr_*):
# the pipeline's `pretrain` stage writes runs/EXP/pretrain/encoder.pth, handed to
# train_cfg.encoder; every round starts from it (round_init='pretrained').
_base_ = ['./tiny_al_synfer-lowres.py']
pipeline = [dict(name='pretrain', config='tests/configs/tiny_simclr_synfer-lowres.py',
                 checkpoint='encoder.pth', into='train_cfg.encoder')]
train_cfg = dict(round_init='pretrained')
