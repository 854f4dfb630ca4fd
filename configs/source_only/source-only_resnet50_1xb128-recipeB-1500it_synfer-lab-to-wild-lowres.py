# Source-only, recipe B (CRCo / EERCL source model: ResNet-50, bottleneck + BN +
# weight-normalised classifier, nesterov SGD with 10x head lr, InvLR per iteration)
# on SynFER lab -> wild, lowres. CPU-sized: 64 -> 56 px crops, 1500 iterations.
_base_ = [
    '../_base_/models/resnet50_bottleneck-wn.py',
    '../_base_/datasets/synfer_lab-to-wild-lowres.py',
    '../_base_/schedules/sgd-nesterov_invlr_20k.py',
    '../_base_/default_runtime.py',
]
train_cfg = dict(max_iters=1500, val_interval=250)
log_processor = dict(by_epoch=False)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=250))

# Recipe B's geometry: square resize -> flip -> random crop; resize -> centre crop at test.
_resize, _crop = 64, 56
_test_pipeline = [dict(type='TVResize', size=(_resize, _resize), antialias=True),
                  dict(type='TVCenterCrop', size=_crop)]
train_dataloader = dict(batch_size=128, dataset=dict(pipeline=[
    dict(type='TVResize', size=(_resize, _resize), antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomCrop', size=_crop),
]))
val_dataloader = dict(dataset=dict(pipeline=_test_pipeline))
test_dataloader = val_dataloader
_eval = {name: dict(dataset=dict(pipeline=_test_pipeline))
         for name in ('lab_test', 'wild_test', 'lowres_test')}
val_cfg = dict(extra_dataloaders=_eval)
test_cfg = dict(extra_dataloaders=_eval)
