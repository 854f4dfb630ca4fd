# CluP stage 3a on real data, target ExpW train: the recipe-A ResNet-18 source model
# (load_from) labels the faces by clusters. K and r come from the method config
# (clup.md §3, e.g. RAF-DB -> ExpW: K = 250, r = 0.3).
_base_ = ['./pseudo-labels_resnet18_k28-r0.3_synfer-lab-to-wild.py']
_test_pipeline = [dict(type='TVResize', size=(160, 160), antialias=True)]
test_dataloader = dict(num_workers=4, dataset=dict(
    reader=dict(_delete_=True, type='ExpwReader', data_root='data/expw',
                split_file='data/splits/expw_seed0.csv', split='train'),
    pipeline=_test_pipeline, cache_images=False))
test_evaluator = dict(prefix='diag_teacher_expw_train')
