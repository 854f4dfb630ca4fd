# Active learning on FER2013 (Kaggle csv, 48 px grey; 28,709 Training rows: 2,870 labels, then
# +1,435 per round); test = PublicTest + PrivateTest (7,178). The reference recipe
# (docs/active-learning.md §5, §9): CIFAR-stem ResNet-18, fresh Dropout -> Linear head per
# round, 10 % + 5 % x 6, batch 20, SGD 0.01, at most 199 epochs per round;
# round_init='scratch' (the no-pre-training condition of the paper's Table I). GPU-sized.
# Images are resized to 48 px first.
_base_ = ['./al-margin_cifar-resnet18_1xb20-scratch-7pt_synfer-lowres.py']
_size = 48
_reader = dict(_delete_=True, type='Fer2013CsvReader', data_root='data/fer2013',
               test_split='public+private')
_resize = dict(type='TVResize', size=(_size, _size), antialias=True)
_train_pipeline = [_resize, dict(type='TVRandomCrop', size=_size, padding=4),
                   dict(type='TVRandomHorizontalFlip', p=0.5)]
train_dataloader = dict(dataset=dict(dataset=dict(reader=dict(_reader, split='train'),
                                                  pipeline=_train_pipeline)))
train_cfg = dict(round_epochs=199, pool_dataloader=dict(dataset=dict(
    reader=dict(_reader, split='train'), pipeline=[_resize])))
val_dataloader = dict(dataset=dict(reader=dict(_reader, split='test'), pipeline=[_resize]))
