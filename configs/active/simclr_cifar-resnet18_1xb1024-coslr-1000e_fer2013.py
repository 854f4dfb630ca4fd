# SimCLR pre-training on the fer2013 active-learning pool (the train split; no label is read)
# with the reference recipe (docs/active-learning.md §7): CIFAR-stem ResNet-18 at the
# dataset's size (48 px), batch 1024, 1000 epochs, lr 0.5. GPU-sized.
_base_ = ['./_base_/simclr_resnet18_synfer-lowres.py']
_size = 48
_reader = dict(_delete_=True, type='Fer2013CsvReader', data_root='data/fer2013',
               test_split='public+private')
_view = [
    dict(type='TVResize', size=(_size, _size), antialias=True),
    dict(type='TVRandomResizedCrop', size=_size, scale=(0.2, 1.0), antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomApply', p=0.8, transforms=[
        dict(type='TVColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)]),
    dict(type='TVRandomGrayscale', p=0.2),
]
train_dataloader = dict(dataset=dict(
    reader=dict(_reader, split='train'),
    pipeline=[dict(type='MultiCrop', crops=[dict(num=2, pipeline=_view)])]))
