# EERCL's source model on AFE (CluP release): recipe B (source-only.md §2, CRCo/EERCL):
# ResNet-50 -> 256-d bottleneck + BN -> weight-normalised classifier, label smoothing 0.1,
# Resize 256 -> flip -> RandomCrop 224 (CenterCrop at test), nesterov SGD 1e-3 with the head
# x10, InvLR per iteration, 20k iterations of 128. ImageNet weights cannot be downloaded: pass
# model.backbone.pretrained=True model.backbone.checkpoint=<local resnet50 file>.
# Selection: best afe_val accuracy (source labels only).
_base_ = [
    '../_base_/models/resnet50_bottleneck-wn.py',
    '../_base_/datasets/afe-clup.py',
    '../_base_/schedules/sgd-nesterov_invlr_20k.py',
    '../_base_/default_runtime.py',
]
log_processor = dict(by_epoch=False)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=500))

_test_pipeline = [dict(type='TVResize', size=(256, 256), antialias=True),
                  dict(type='TVCenterCrop', size=224)]
train_dataloader = dict(batch_size=128, dataset=dict(pipeline=[
    dict(type='TVResize', size=(256, 256), antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomCrop', size=224),
]))
val_dataloader = dict(dataset=dict(pipeline=_test_pipeline))
test_dataloader = val_dataloader
_eval = {'afe_test': dict(dataset=dict(pipeline=_test_pipeline))}
val_cfg = dict(extra_dataloaders=_eval)
test_cfg = dict(extra_dataloaders=_eval)
