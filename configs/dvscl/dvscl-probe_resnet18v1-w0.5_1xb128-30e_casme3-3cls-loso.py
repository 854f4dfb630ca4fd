# The 3-class variant (negative, positive, surprise: 773 clips; drop_classes=['others']) of the
# CAS(ME)^3 LOSO probe (docs/dvscl.md §5), on the same 4-class pre-training.
_base_ = ['./dvscl-probe_resnet18v1-w0.5_1xb128-30e_casme3-loso.py']
_reader = dict(type='Casme3Reader', data_root='data/casme3', drop_classes=['others'])
model = dict(num_classes=3)
train_dataloader = dict(dataset=dict(reader=_reader, num_classes=3))
train_cfg = dict(eval_dataloader=dict(dataset=dict(reader=_reader, num_classes=3)))
