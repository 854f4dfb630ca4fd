# The SynFER pseudo-label stage on the tiny source model (test_resnet, 32 px), K = 8.
_base_ = ['../../configs/clup/pseudo-labels_resnet18_k28-r0.3_synfer-lab-to-wild.py']
model = dict(backbone=dict(name='test_resnet'))
test_dataloader = dict(batch_size=8, dataset=dict(
    pipeline=[dict(type='TVResize', size=(32, 32), antialias=True)]))
test_cfg = dict(num_clusters=8, fraction=0.5, n_init=2, max_iter=20)
