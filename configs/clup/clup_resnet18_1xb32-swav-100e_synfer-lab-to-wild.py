# CluP on SynFER lab -> wild with the paper's SwAV-initialised student trained for 100
# epochs instead of 30 (the stages are those of the base config):
#   bash experiments/clup.sh clup100_wild configs/clup/clup_resnet18_1xb32-swav-100e_synfer-lab-to-wild.py
# At SynFER scale the 10-epoch SwAV barely beats a random init, so the student learns
# from its 564 pseudo-labels almost from scratch and needs the longer schedule
# (measured, seed 0: 31.6 % after 30 epochs, 49.1 % after 100; README, CluP).
_base_ = ['./clup_resnet18_1xb32-swav-30e_synfer-lab-to-wild.py']
_epochs = 100
param_scheduler = [dict(type='CosineAnnealingLR', T_max=_epochs, eta_min=0.0, by_epoch=True)]
train_cfg = dict(max_epochs=_epochs)
