# CluP stage 2: SwAV on the unlabelled SynFER `wild` train images (ExpW format).
# CPU-sized (clup.md §8.3): 64 px global / 32 px local crops, 100 prototypes, a few
# epochs, and the standard ResNet stem: the swav_s1 stem at 64 px costs as much
# as 256 px with the standard one (16x the activations), beyond 2 CPU cores. The
# official configs (swav_resnet18-swav-s1_*) use stem='swav_s1' at 160 px.
_base_ = ['./_base_/swav_resnet18_lars.py']
_data_root = '{{$SYNFER_ROOT:data/synfer}}'
_epochs = 10
_batch = 64

model = dict(
    backbone=dict(stem='default'),
    hidden_dim=512,
    num_prototypes=100,
    # one epoch of frozen prototypes (1890 // 64 iterations)
    freeze_prototypes_iters=29,
    # the queue (3840 rows from epoch 15 at batch 256 in the paper) needs more images
    # per epoch than SynFER's 1890 to be useful; off here, on in the official configs
    queue_length=0,
)


def _crop(size, scale, blur_kernel):
    return [dict(type='TVRandomResizedCrop', size=size, scale=scale, antialias=True),
            *_base_._swav_colour,
            dict(type='TVRandomApply', p=0.5, transforms=[
                dict(type='TVGaussianBlur', kernel_size=blur_kernel, sigma=(0.1, 2.0))])]


_multi_crop = dict(type='MultiCrop', crops=[
    dict(num=2, pipeline=_crop(64, (0.14, 1.0), 7)),
    dict(num=6, pipeline=_crop(32, (0.05, 0.14), 3)),
])
_target_reader = dict(type='ExpwReader', data_root=_data_root + '/wild',
                      split_file=_data_root + '/wild/splits/expw.csv', split='train')
train_dataloader = dict(
    batch_size=_batch,
    num_workers=2,
    persistent_workers=False,
    # keep the last, smaller batch: SynFER is small (and a tiny copy smaller than a batch)
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    worker_init_fn=dict(type='basicda.seed_worker_from_torch'),
    # labels are read by the reader but never used: SwAV sees images only
    dataset=dict(type='FaceDataset', reader=_target_reader, pipeline=[_multi_crop], crop='box',
                 num_classes=7, cache_images=True))

# lr 0.6 at batch 256 scaled linearly to the batch, cosine per iteration to 1/1000
_lr = 0.6 * _batch / 256
optim_wrapper = dict(optimizer=dict(lr=_lr))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=_epochs, eta_min=_lr / 1000,
                        by_epoch=True, convert_to_iter_based=True)]
train_cfg = dict(max_epochs=_epochs)
val_cfg = None
test_cfg = None
default_hooks = dict(checkpoint=dict(interval=5))
