# The reference implementation's pseudo-labelling (clup.md §4), for comparison: the
# teacher sees *augmented* train images (recipe A's affine +-35 deg, hue +-0.5) and
# k-means is scikit-learn's (k-means++, n_init=10). Everything else as ours.
_base_ = ['./pseudo-labels_resnet18_k28-r0.3_synfer-lab-to-wild.py']
test_dataloader = dict(dataset=dict(pipeline=[
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomAffine', degrees=35, translate=(0.1, 0.1), scale=(0.9, 1.1)),
    dict(type='TVColorJitter', hue=0.5),
    dict(type='TVResize', size=(64, 64), antialias=True),
]))
test_cfg = dict(backend='sklearn')
