# DVSCL on SynFER micro, the CPU-sized recipe (docs/dvscl.md §5.2): the same 5-epoch
# pre-training and LOSO folds as the reference-style probe config, but the frozen features are
# standardised before the linear layer (feat_norm='bn'; a few pre-training steps leave the
# encoders' eval-mode BN statistics far from the data, so the raw features' scale is
# arbitrary), SGD lr 0.01 and 10 epochs per fold.
#   bash experiments/dvscl.sh EXP configs/dvscl/dvscl-probe-bn_resnet18v1-w0.5_1xb32-10e_synfer-micro-loso.py
_base_ = ['./dvscl-probe_resnet18v1-w0.5_1xb32-5e_synfer-micro-loso.py']
model = dict(feat_norm='bn')
optim_wrapper = dict(optimizer=dict(lr=0.01))
train_cfg = dict(max_epochs=10)
