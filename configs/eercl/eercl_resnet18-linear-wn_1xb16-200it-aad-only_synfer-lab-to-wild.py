# AaD only (lambda_fix = lambda_nce = 0) from the recipe-A source model: the ablation row
# of eercl.md §8.3 next to eercl_resnet18-linear-wn_1xb16-200it_synfer-lab-to-wild.py.
_base_ = ['./eercl_resnet18-linear-wn_1xb16-200it_synfer-lab-to-wild.py']
model = dict(pseudo_label=dict(weight=0.0), infonce=dict(weight=0.0))
