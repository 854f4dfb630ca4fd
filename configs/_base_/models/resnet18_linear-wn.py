# Recipe A (CluP source model): ResNet-18 + weight-normalised linear head,
# label-smoothed cross-entropy, ImageNet mean/std on a 0-255 scale.
model = dict(
    type='ImageClassifier',
    num_classes=7,
    class_names=('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral'),
    # No download ever: pretrained weights come from a local file,
    # e.g. model.backbone.checkpoint=/path/resnet18.pth (with pretrained=True).
    backbone=dict(type='TimmBackbone', name='resnet18', pretrained=False),
    head=dict(type='LinearClsHead', weight_norm=True),
    loss=dict(type='LabelSmoothingCrossEntropy', eps=0.1),
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375]),
)
