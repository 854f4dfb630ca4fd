# EERCL on SynFER lab -> lowres on the fast demo's slim network (the benchmark matrix,
# configs/benchmarks/synfer.py): the lab -> lowres EERCL schedule (64 px, 200 iterations,
# refresh every 50, evaluation every 100) from the slim source-only model that the CluP and
# source-only rows share, with its weight-normalised linear head as the frozen classifier.
_base_ = ['../eercl/eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-lowres.py',
          '../_base_/models/resnet10-half.py']
pipeline = [dict(name='source', checkpoint='best', into='model.source_checkpoint',
                 config='configs/demo/'
                        'source-only_resnet10-half_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py')]
model = dict(classifier=dict(backbone=_base_._resnet10_half,
                             head=dict(_delete_=True, type='LinearClsHead', weight_norm=True)))
# one CPU thread: this small network does not split well between threads (docs/engine.md §2)
env_cfg = dict(num_threads=1)
