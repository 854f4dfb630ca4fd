# CluP stage 2 on real data: SwAV on the unlabelled FER2013 train faces (28,709 grey 48 px
# images, upsampled by the crops; cached in memory); otherwise as the ExpW config.
_base_ = ['../_base_/datasets/fer2013.py', './_base_/swav_resnet18-swav-s1_4xb64-lars-1000e.py']
model = dict(freeze_prototypes_iters=112)  # 28709 / 256
train_dataloader = dict(num_workers=8, drop_last=True,
                        dataset=dict(pipeline=[_base_._swav_multi_crop], cache_images=True))
val_dataloader = None
val_evaluator = None
val_cfg = None
test_dataloader = None
test_evaluator = None
test_cfg = None
