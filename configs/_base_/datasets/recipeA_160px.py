# Recipe A data settings shared by the real-dataset bases (source-only.md §2.4): 160 px
# square inputs, strong affine + colour augmentation for training, resize only for
# evaluation. A dataset base inherits this file and adds its reader to each loader; its
# evaluator prefix names the label-free selection split (`<name>_val`).
_img_size = 160
_num_classes = 7

_train_pipeline = [
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomAffine', degrees=35, translate=(0.15, 0.15)),
    dict(type='TVColorJitter', brightness=(0.5, 1.5), contrast=(0.5, 1.5),
         saturation=(0.5, 1.5), hue=(-0.5, 0.5)),
    dict(type='TVResize', size=(_img_size, _img_size), antialias=True),
]
_test_pipeline = [dict(type='TVResize', size=(_img_size, _img_size), antialias=True)]

# Images are decoded on the fly (no cache_images: AffectNet or ExpW do not fit in memory).
train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    # scoped name: mmengine looks worker_init_fn up in its root registry
    worker_init_fn=dict(type='basicda.seed_worker_from_torch'),
    dataset=dict(type='FaceDataset', pipeline=_train_pipeline, crop='box',
                 num_classes=_num_classes))
val_dataloader = dict(
    train_dataloader,
    batch_size=128,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(train_dataloader['dataset'], pipeline=_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='ClsMetric', num_classes=_num_classes)
test_evaluator = val_evaluator
# A dataset base adds extra_dataloaders (its test split) to both loops.
val_cfg = dict(type='MultiDatasetValLoop')
test_cfg = dict(type='MultiDatasetTestLoop', checkpoint='best')
