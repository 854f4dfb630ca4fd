# EERCL's SynFER source model shrunk for the benchmark test (tests/ferda/tools/test_benchmark.py):
# the tiny source-only run (timm's 'test_resnet', 32 px) with EERCL's bottleneck head (16-d) and
# 1 epoch, so its checkpoint fits the tiny EERCL cell's `model.source_checkpoint`. Named by the
# OpenMMLab rule so `ferda results` reads its identity from the name.
_base_ = ['../tiny_source-only_synfer.py']
model = dict(head=dict(_delete_=True, type='BottleneckWNHead', bottleneck_dim=16))
train_cfg = dict(max_epochs=1)
