# CluP stage 3a on real data, target FER2013 train (see pseudo-labels_resnet18_expw.py).
_base_ = ['./pseudo-labels_resnet18_expw.py']
test_dataloader = dict(dataset=dict(
    reader=dict(_delete_=True, type='Fer2013CsvReader', data_root='data/fer2013', split='train'),
    cache_images=True))
test_evaluator = dict(prefix='diag_teacher_fer2013_train')
