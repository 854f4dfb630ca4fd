# CluP stage 3a (clup.md §3): the frozen recipe-A source model (load_from, set by
# experiments/clup.sh) labels the target train faces by clusters and writes
# runs/EXP/pseudo_labels/pseudo_labels.pt. No training: train.py only tests.
# No dataloader keys: a pseudo-label config inherits its target's dataset base and this
# file, points the test loader at the target train split (test pipeline, unshuffled, every
# sample once), and runs `_cluster_loop` as its test loop with its K and r.
_base_ = ['../../_base_/models/resnet18_linear-wn.py', '../../_base_/default_runtime.py']
train_cfg = None
optim_wrapper = None
param_scheduler = None
_cluster_loop = dict(type='ClusterPseudoLabelLoop', mode='purity', drop_outliers=False,
                     iter_clusters=1, n_init=10, max_iter=300, seed=1234, backend='faiss')
