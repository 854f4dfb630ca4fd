# DVSCL fine-tuning on SynFER micro (docs/dvscl.md §5.1): the recipe of the standardised probe,
# but the encoders train too (mode='finetune', train-mode BN) at 0.1x the head's lr (our choice).
# With model.pretrained=None (no pipeline stage: bash experiments/train.sh) and
# optim_wrapper.paramwise_cfg.custom_keys.encoder_rgb.lr_mult=1.0 (and encoder_depth) it is
# the supervised-from-scratch baseline.
_base_ = ['./dvscl-probe-bn_resnet18v1-w0.5_1xb32-10e_synfer-micro-loso.py']
model = dict(mode='finetune')
optim_wrapper = dict(paramwise_cfg=dict(custom_keys=dict(
    encoder_rgb=dict(lr_mult=0.1), encoder_depth=dict(lr_mult=0.1))))
