# The fast demo's CluP pseudo-labels (`ferda demo --fast`): the SynFER lab -> wild
# pseudo-label config (K = 28, r = 0.3) on the fast demo's slim source model.
_base_ = ['../clup/pseudo-labels_resnet18_k28-r0.3_synfer-lab-to-wild.py',
          '../_base_/models/resnet10-half.py']
model = dict(backbone=_base_._resnet10_half)
# one CPU thread: this small network does not split well between threads (docs/engine.md §2)
env_cfg = dict(num_threads=1)
