# CluP stage 3a on real data, target ExpW train: the recipe-A ResNet-18 source model
# (load_from) labels the faces by clusters. K and r here are RAF-DB -> ExpW's (clup.md §3);
# a method config's pipeline sets those of its source -> target pair (options=...).
_base_ = ['../_base_/datasets/expw.py', './_base_/pseudo-labels_resnet18.py']
train_dataloader = None
val_dataloader = None
val_cfg = None
val_evaluator = None
# the teacher sees the train split with the *test* pipeline (the reference used augmented
# train images), unshuffled, every sample once
test_dataloader = dict(sampler=dict(round_up=False), dataset=dict(reader=dict(split='train')))
# ground-truth diagnostic only: the teacher's accuracy on all of target train
test_evaluator = dict(prefix='diag_teacher_expw_train')
test_cfg = dict(_base_._cluster_loop, _delete_=True, num_clusters=250, fraction=0.3)
