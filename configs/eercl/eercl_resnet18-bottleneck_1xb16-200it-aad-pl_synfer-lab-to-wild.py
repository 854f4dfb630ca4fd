# Ablation: AaD + the relation-aware pseudo-label loss (lambda_nce = 0) on SynFER
# lab -> wild; everything else as eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py.
_base_ = ['./eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py']
model = dict(infonce=dict(weight=0.0))
