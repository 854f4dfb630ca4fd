# The sample contract end to end: a list file with two images per sample (RGB and depth)
# and metadata columns -> ListFileReader -> FaceDataset (shared-geometry pipeline, colour on
# RGB only, metadata by name) -> default_collate -> MultiViewDataPreprocessor. A data
# fixture, not a run: tests/ferda/datasets/test_two_view_config.py builds the loader and the
# preprocessor from it. Reads data/two_view relative to the working directory.
_data_root = 'data/two_view'
_views = ('rgb', 'depth')
_train_pipeline = [
    # one call over both views: the same crop and flip for RGB and depth
    dict(type='TVRandomResizedCrop', size=(16, 16), scale=(0.3, 0.8), antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    # photometric steps on RGB only
    dict(type='PerView', pipelines=dict(rgb=[dict(type='TVColorJitter',
                                                  brightness=(0.5, 0.9))])),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='FaceDataset',
        reader=dict(type='ListFileReader', data_root=_data_root, list_file='train.txt',
                    num_classes=7, labels_are_canonical=True, views=_views,
                    extra_columns=[('valence', 'float'), ('arousal', 'float'),
                                   ('subject', 'str')]),
        pipeline=_train_pipeline, crop='none', views=_views,
        meta_keys=('valence', 'arousal', 'subject')))
# per-view statistics on a 0-255 scale: ImageNet for RGB; depth as DVSCL normalises it
# (mean 0.0423, std 0.1761 of the 0-1 range)
data_preprocessor = dict(
    type='MultiViewDataPreprocessor',
    views=dict(rgb=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
               depth=dict(mean=[10.79] * 3, std=[44.91] * 3)))
