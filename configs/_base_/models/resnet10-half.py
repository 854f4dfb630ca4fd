# The slim ResNet of the fast demo, the benchmark matrix and the CPU active-learning study
# (docs/synfer.md §5.3): timm's ResNet with one BasicBlock per stage
# and half ResNet-18's widths (32, 64, 128, 256; the 7x7 stem keeps 64 channels), 1.2 M
# parameters against 11.2 M, in channels-last memory layout (PyTorch's CPU convolutions run
# this small network markedly faster so). Configs merge it into their backbone:
# model = dict(backbone=_base_._resnet10_half).
_resnet10_half = dict(model_kwargs=dict(layers=(1, 1, 1, 1), channels=(32, 64, 128, 256)),
                      channels_last=True)
