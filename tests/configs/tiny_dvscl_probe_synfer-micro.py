# The DVSCL LOSO probe shrunk for tests: 2 epochs per fold on SynFER micro; the pre-trained
# checkpoint comes with --cfg-options model.pretrained=PATH.
_base_ = ['../../configs/dvscl/dvscl-probe_resnet18v1-w0.5_1xb32-5e_synfer-micro-loso.py']
train_cfg = dict(max_epochs=2)
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0, deterministic=True)
