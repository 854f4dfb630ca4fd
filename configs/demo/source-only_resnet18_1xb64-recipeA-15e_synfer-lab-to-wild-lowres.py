# The demo: recipe A source-only on SynFER, short enough for a few minutes on CPU.
_base_ = ['../source_only/source-only_resnet18_1xb64-recipeA-30e_synfer-lab-to-wild-lowres.py']
train_cfg = dict(max_epochs=15)
