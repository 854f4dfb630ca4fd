# DVSCL end-to-end fine-tuning on CAS(ME)^3, 4 classes (docs/dvscl.md §5.1): the 240-epoch
# pre-training, then per subject fold both encoders (train mode) and the linear head train,
# the encoders at 0.1x the head's lr (our choice; the reference has no fine-tuning).
_base_ = ['./dvscl-probe_resnet18v1-w0.5_1xb128-30e_casme3-loso.py']
model = dict(mode='finetune')
optim_wrapper = dict(paramwise_cfg=dict(custom_keys=dict(
    encoder_rgb=dict(lr_mult=0.1), encoder_depth=dict(lr_mult=0.1))))
