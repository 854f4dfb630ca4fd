# Recipe B (CRCo / EERCL source model): ResNet-50 -> 256-d bottleneck + BN ->
# weight-normalised classifier; label-smoothed cross-entropy.
model = dict(
    type='ImageClassifier',
    num_classes=7,
    class_names=('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral'),
    backbone=dict(type='TimmBackbone', name='resnet50', pretrained=False),
    head=dict(type='BottleneckWNHead', bottleneck_dim=256),
    loss=dict(type='LabelSmoothingCrossEntropy', eps=0.1),
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375]),
)
