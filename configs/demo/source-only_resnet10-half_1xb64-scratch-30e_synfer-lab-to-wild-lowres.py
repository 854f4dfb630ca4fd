# The fast demo's source-only run (`ferda demo`; the ResNet-18 run is `ferda demo --full`):
# the full demo's recipe (64 px, the same augmentation, nesterov SGD 0.1 with 3 warm-up
# epochs then cosine decay, 30 epochs of batch 64) on the slim ResNet of
# configs/_base_/models/resnet10-half.py (docs/synfer.md §5.3). Evaluation (lab val for the
# label-free selection, the three test splits for the curves) at epochs 10, 15, ..., 30 only.
# The CluP and EERCL rows of the fast demo start from this model. A 25-epoch schedule was
# measured too weak a teacher (84 % on lab test; CluP fell below source-only,
# docs/synfer.md §5.2).
_base_ = ['../source_only/source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py',
          '../_base_/models/resnet10-half.py']
model = dict(backbone=_base_._resnet10_half)
train_cfg = dict(val_begin=10, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5))
# one CPU thread: this small network does not split well between threads (docs/engine.md §2)
env_cfg = dict(num_threads=1)
