# DVSCL leave-one-subject-out linear probe (docs/dvscl.md §5): the frozen pre-trained encoders
# (model.pretrained, set by the pipeline's pretrain stage; None = random encoders, the
# baseline), a linear head on both views' last-stage maps, one fresh head per subject fold
# (FoldLoop), SGD lr 1e-4 (the reference's), momentum 0.9, wd 1e-4, zero_grad every step,
# StepLR(10) per epoch; pooled UF1/UAR/WA (loso_metrics). A dataset config sets the data, the
# input size and the fold loop's eval_dataloader.
_base_ = ['../../_base_/default_runtime.py']
_norm = dict(rgb=dict(mean=[113.58, 114.09, 114.85], std=[114.09, 114.88, 114.80]),
             depth=dict(mean=[10.79] * 3, std=[44.91] * 3))
model = dict(type='DVSCLProbe', encoder=dict(type='ResNetV1Encoder', width=0.5), num_classes=4,
             pretrained=None, mode='probe',
             data_preprocessor=dict(type='MultiViewDataPreprocessor', views=_norm))
train_cfg = dict(type='FoldLoop', max_epochs=30, scheme='loso', metric=dict(type='loso_metrics'))
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=1e-4, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='StepLR', by_epoch=True, step_size=10, gamma=0.1)]
val_cfg = None
test_cfg = None
# the fold loop checkpoints every fold itself (folds/<f>/)
default_hooks = dict(checkpoint=None, logger=dict(type='LoggerHook', interval=5))
log_processor = dict(by_epoch=True)
