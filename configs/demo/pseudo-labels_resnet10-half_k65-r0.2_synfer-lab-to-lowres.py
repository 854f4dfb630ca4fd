# CluP pseudo-labels for SynFER lab -> lowres (K = 65, r = 0.2) on the fast demo's slim
# source model (the benchmark matrix, configs/benchmarks/synfer.py).
_base_ = ['../clup/pseudo-labels_resnet18_k65-r0.2_synfer-lab-to-lowres.py',
          '../_base_/models/resnet10-half.py']
model = dict(backbone=_base_._resnet10_half)
# one CPU thread: this small network does not split well between threads (docs/engine.md §2)
env_cfg = dict(num_threads=1)
