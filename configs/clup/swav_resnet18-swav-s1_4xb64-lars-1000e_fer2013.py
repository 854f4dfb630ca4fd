# CluP stage 2 on real data: SwAV on the unlabelled FER2013 train faces (28,709 grey 48 px
# images, upsampled by the crops); otherwise as the ExpW config.
_base_ = ['./swav_resnet18-swav-s1_4xb64-lars-1000e_expw.py']
model = dict(freeze_prototypes_iters=112)  # 28709 / 256
train_dataloader = dict(dataset=dict(
    reader=dict(_delete_=True, type='Fer2013CsvReader', data_root='data/fer2013', split='train'),
    cache_images=True))
