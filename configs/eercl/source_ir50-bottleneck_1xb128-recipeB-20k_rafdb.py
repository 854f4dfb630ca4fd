# EERCL's source model on RAF-DB with the IR-50 option (the face-recognition backbone of
# ferda/models/ir50.py, 112 px input, global-average-pooled 512-d features; local weights
# via model.backbone.checkpoint=<file>) into recipe B's bottleneck + BN + WN classifier.
_base_ = ['./source_resnet50-bottleneck_1xb128-recipeB-20k_rafdb.py']
model = dict(backbone=dict(_delete_=True, type='IR50', input_size=112, out='gap'))
_test_pipeline = [dict(type='TVResize', size=(128, 128), antialias=True),
                  dict(type='TVCenterCrop', size=112)]
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='TVResize', size=(128, 128), antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomCrop', size=112),
]))
val_dataloader = dict(dataset=dict(pipeline=_test_pipeline))
test_dataloader = val_dataloader
_eval = {'rafdb_test': dict(dataset=dict(pipeline=_test_pipeline))}
val_cfg = dict(extra_dataloaders=_eval)
test_cfg = dict(extra_dataloaders=_eval)
