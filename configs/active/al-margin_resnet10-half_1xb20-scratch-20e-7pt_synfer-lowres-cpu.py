# The CPU active-learning study's scratch runs on SynFER lowres (docs/active-learning.md §10):
# the slim ResNet of configs/_base_/models/resnet10-half.py (one BasicBlock per stage, half
# ResNet-18's widths, default stem, channels-last) and at most 20 epochs per round. A
# ResNet-18 with 3 epochs per round stayed at chance here; this network trains well above it
# in the same time. Everything else as the CPU ResNet-18 config. Other strategies, e.g.
#   bash experiments/active.sh al_entropy CONFIG 1 --cfg-options train_cfg.strategy=entropy
_base_ = ['./al-margin_resnet18_1xb20-scratch-10e-7pt_synfer-lowres-cpu.py',
          '../_base_/models/resnet10-half.py']
model = dict(backbone=_base_._resnet10_half)
train_cfg = dict(round_epochs=20)
