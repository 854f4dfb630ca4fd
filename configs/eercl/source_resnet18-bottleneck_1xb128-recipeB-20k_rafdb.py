# EERCL's source model on RAF-DB with the ResNet-18 option (512-d features into the same
# 256-d bottleneck + BN + WN classifier); otherwise recipe B as the ResNet-50 config.
_base_ = ['./source_resnet50-bottleneck_1xb128-recipeB-20k_rafdb.py']
model = dict(backbone=dict(name='resnet18'))
