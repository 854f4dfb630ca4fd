# Source-only, recipe A (ResNet-18, weight-normalised linear head, strong affine + colour
# augmentation at 160 px, SGD with exponential decay, 100 epochs) on FER+ (8 classes); the
# dataset base says which split selects the checkpoint and which is reported.
_base_ = [
    '../_base_/models/resnet18_linear-wn.py',
    '../_base_/datasets/ferplus-8cls.py',
    '../_base_/schedules/sgd_exp-0.99_100e.py',
    '../_base_/default_runtime.py',
]
model = dict(num_classes=_base_._num_classes,
             class_names=('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger',
                          'Neutral', 'Contempt'))
