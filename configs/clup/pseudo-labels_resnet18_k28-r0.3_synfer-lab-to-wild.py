# CluP stage 3a on SynFER lab -> wild: the frozen source model (load_from, set by
# experiments/clup.sh) labels wild train by clusters and writes
# runs/EXP/pseudo_labels/pseudo_labels.pt. No training: train.py only tests.
# K keeps clup.md's K >= 4C with ~67 samples per cluster (1890 images), r = 0.3 as
# RAF-DB -> ExpW.
_base_ = [
    '../_base_/datasets/synfer_lab-to-wild-lowres.py',
    './_base_/pseudo-labels_resnet18.py',
]
_target_reader = dict(type='ExpwReader', data_root='{{$SYNFER_ROOT:data/synfer}}/wild',
                      split_file='{{$SYNFER_ROOT:data/synfer}}/wild/splits/expw.csv', split='train')
train_dataloader = None
val_dataloader = None
val_cfg = None
val_evaluator = None
custom_hooks = []
# the teacher sees the *test* pipeline (the reference used augmented train images)
test_dataloader = dict(
    _delete_=True,
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='FaceDataset', reader=_target_reader,
                 pipeline={{_base_._test_pipeline}}, crop='box', num_classes=7,
                 cache_images=True))
# ground-truth diagnostic only: the teacher's accuracy on all of target train
test_evaluator = dict(type='ClsMetric', num_classes=7, prefix='diag_teacher_wild_train')
test_cfg = dict(_base_._cluster_loop, _delete_=True, num_clusters=28, fraction=0.3)
