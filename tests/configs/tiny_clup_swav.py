# The SynFER SwAV stage shrunk for tests: test_resnet, 16/8 px crops, 2 epochs, a
# queue from epoch 1 so it is created, filled and used.
_base_ = ['../../configs/clup/swav_resnet18_1xb64-lars-10e_synfer-wild.py']
model = dict(backbone=dict(name='test_resnet'), hidden_dim=32, out_dim=16, num_prototypes=10,
             freeze_prototypes_iters=2, queue_length=16, queue_start_epoch=1)


def _crop(size):
    return [dict(type='TVRandomResizedCrop', size=size, scale=(0.2, 1.0), antialias=True),
            dict(type='TVRandomHorizontalFlip', p=0.5)]


train_dataloader = dict(batch_size=8, num_workers=0, dataset=dict(pipeline=[dict(
    type='MultiCrop', crops=[dict(num=2, pipeline=_crop(16)), dict(num=2, pipeline=_crop(8))])]))
train_cfg = dict(max_epochs=3)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=3, eta_min=0.0, by_epoch=True,
                        convert_to_iter_based=True)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
randomness = dict(seed=0, deterministic=True)
