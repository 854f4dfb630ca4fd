# CluP stage 3a on real data, target FER2013 train (as pseudo-labels_resnet18_expw.py); K and
# r here are RAF-DB -> FER2013's (clup.md §3). The 28,709 48 px faces fit in memory: cached.
_base_ = ['../_base_/datasets/fer2013.py', './_base_/pseudo-labels_resnet18.py']
train_dataloader = None
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = dict(sampler=dict(round_up=False),
                       dataset=dict(reader=dict(split='train'), cache_images=True))
test_evaluator = dict(prefix='diag_teacher_fer2013_train')
test_cfg = dict(_base_._cluster_loop, _delete_=True, num_clusters=1000, fraction=0.2)
