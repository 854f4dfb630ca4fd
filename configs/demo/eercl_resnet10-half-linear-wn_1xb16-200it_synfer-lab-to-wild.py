# The fast demo's EERCL row (`ferda demo --fast`; the ResNet-18 run is `ferda demo --full`):
# the full demo's EERCL (64 px, 200 iterations, bank refreshes every 50, evaluation every
# 100) from the fast demo's slim source model, on its architecture.
_base_ = ['../eercl/eercl_resnet18-linear-wn_1xb16-200it_synfer-lab-to-wild.py',
          '../_base_/models/resnet10-half.py']
pipeline = [dict(name='source', checkpoint='best', into='model.source_checkpoint',
                 config='configs/demo/'
                        'source-only_resnet10-half_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py')]
model = dict(classifier=dict(backbone=_base_._resnet10_half))
# one CPU thread: this small network does not split well between threads (docs/engine.md §2)
env_cfg = dict(num_threads=1)
