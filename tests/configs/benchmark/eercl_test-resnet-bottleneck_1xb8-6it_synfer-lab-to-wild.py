# tests/configs/tiny_eercl_synfer.py as a benchmark cell (tests/ferda/tools/test_benchmark.py):
# its source stage is the 1-epoch source of this folder, 6 iterations, evaluated once. Named by
# the OpenMMLab rule so `ferda results` reads its identity from the name.
_base_ = ['../tiny_eercl_synfer.py']
pipeline = [dict(name='source', checkpoint='best', into='model.source_checkpoint',
                 config='tests/configs/benchmark/'
                        'source_test-resnet-bottleneck_1xb16-1e_synfer-lab.py')]
train_cfg = dict(max_iters=6, val_interval=6)
