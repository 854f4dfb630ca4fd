# CluP on SynFER lab -> wild with the optional pseudo-label refresh (an extension,
# not in the paper, whose pseudo-labels stay fixed): after epochs 10 and 20 the
# student relabels wild train with the settings of pseudo_labels.pt (seed + round),
# writes runs/EXP/pseudo_labels_refresh_<round>.pt and trains on the new selection.
#   bash experiments/clup.sh clup_wild_refresh configs/clup/clup_resnet18_1xb32-swav-30e-refresh10_synfer-lab-to-wild.py
# The stages (`pipeline`) and everything else are those of the base config.
_base_ = ['./clup_resnet18_1xb32-swav-30e_synfer-lab-to-wild.py']
# the refresh pass reads the training target list with the test pipeline, unshuffled,
# every sample once; the train loader re-forks its workers every epoch
# (persistent_workers=False in the base), so they see the new labels
_refresh_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='FaceDataset', reader={{_base_.train_dataloader.dataset.dataset.reader}},
                 pipeline={{_base_._test_pipeline}}, crop='box', num_classes=7,
                 cache_images=True))
# a refresh round after epochs 10 and 20 (basicda/engine/loops/round_loop.py)
train_cfg = dict(type='RoundBasedTrainLoop', round_interval=10,
                 selection=dict(type='clup_refresh_selection'))
custom_hooks = [
    dict(type='OracleTracker', target_prefixes=['wild_test']),
    dict(type='PseudoLabelRefreshHook', refresh_dataloader=_refresh_dataloader),
    dict(type='LabelFreeSelectionHook', target_prefixes=['wild_test']),
]
