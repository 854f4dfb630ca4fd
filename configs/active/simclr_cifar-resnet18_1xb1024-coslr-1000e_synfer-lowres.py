# SimCLR pre-training with the reference recipe (docs/active-learning.md §7): CIFAR-stem
# ResNet-18 at 48 px, batch 1024, 1000 epochs, lr 0.5 (GPU-sized).
_base_ = ['./_base_/simclr_resnet18_synfer-lowres.py']
