# LDL on SynFER lab, CPU-sized (docs/ldl.md §7): the 30-epoch SynFER config cut to what two
# shared CPU cores train in minutes -- 8 epochs (lr x0.1 at epoch 6), evaluated only on
# lab val (every epoch) and lab test (at the end; no wild / lowres targets: LDL is not a
# domain-adaptation method). Online neighbour mode, K = 8. The acceptance runs of docs/ldl.md
# §7 use it (and its bank / noisy / plain-CE siblings).
# Run with `bash experiments/ldl.sh EXP <this config>`.
_base_ = ['./ldl_resnet18_1xb32-30e_synfer-lab.py']
_epochs = 8
train_cfg = dict(max_epochs=_epochs, val_interval=1)
param_scheduler = [dict(type='MultiStepLR', milestones=[6], gamma=0.1, by_epoch=True)]
val_cfg = dict(_delete_=True, type='ValLoop')
test_dataloader = dict(dataset=dict(reader=dict(split='test')))
test_evaluator = dict(prefix='lab_test')
test_cfg = dict(_delete_=True, type='MultiDatasetTestLoop', checkpoint='current')
