# LDL on the reference's CSVs with the ResNet-50 column's backbone (docs/ldl.md §4): the
# face-recognition IR-50 (ferda/models/ir50.py) at 112 px, its 512-d embedding used directly
# (out='embedding'), zero-pad 4; (x - 127.5) / 127.5 as in the reference. MS-Celeb (MS1M)
# weights are user-supplied: model.classifier.backbone.checkpoint=/path/ir50_ms1m.pth (strict
# key match, no download); without them the backbone starts from random init. Datasets set
# _data_root, the LR steps and the trust options (the r18 base's keys otherwise).
_base_ = ['./ldl_csv_r18.py']
_size = 112
_pad = 4

model = dict(classifier=dict(backbone=dict(_delete_=True, type='ferda.IR50', input_size=_size,
                                           out='embedding', checkpoint=None)))
_neighbour_pipeline = [
    dict(type='TVResize', size=(_size, _size), antialias=False),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomCrop', size=_size, padding=_pad, fill=0),
]
_anchor_pipeline = _neighbour_pipeline + [
    dict(type='LDLRandomErasing', p=0.5, area=(0.02, 0.3), aspect=0.3)]
_test_pipeline = [dict(type='TVResize', size=(_size, _size), antialias=False)]
train_dataloader = dict(dataset=dict(anchor_pipeline=_anchor_pipeline,
                                     neighbour_pipeline=_neighbour_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_test_pipeline))
test_dataloader = val_dataloader
