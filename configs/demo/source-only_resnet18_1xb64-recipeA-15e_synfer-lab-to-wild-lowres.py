# The demo: recipe A source-only on SynFER, short enough for a few minutes on CPU.
_base_ = ['../source_only/source-only_resnet18_1xb64-recipeA-30e_synfer-lab-to-wild-lowres.py']
_epochs = 15
train_cfg = dict(max_epochs=_epochs)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=_epochs, eta_min=0.0, by_epoch=True)]
