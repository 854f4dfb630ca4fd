# FER+ (FER2013 relabelled by 10 annotators), majority vote, 8 classes with Contempt: the
# reader has no 7-class mode (datasets.md §3). Images from FER2013{Train,Valid,Test}/.
# Selection (label-free): val = PublicTest (FER2013Valid); test = PrivateTest.
_base_ = ['./recipeA_160px.py']
_num_classes = 8
_data_root = 'data/ferplus'
_reader = dict(type='FerPlusReader', data_root=_data_root)

train_dataloader = dict(dataset=dict(reader=dict(_reader, split='train'),
                                     num_classes=_num_classes))
val_dataloader = dict(dataset=dict(reader=dict(_reader, split='val'), num_classes=_num_classes))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='ferplus_val', num_classes=_num_classes)
test_evaluator = val_evaluator
_test = dict(_base_.val_dataloader,
             dataset=dict(_base_.val_dataloader.dataset, reader=dict(_reader, split='test'),
                          num_classes=_num_classes))
val_cfg = dict(extra_dataloaders=dict(ferplus_test=_test))
test_cfg = val_cfg
