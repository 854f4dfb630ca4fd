# EERCL on SynFER lab -> wild from the recipe-A source model (ResNet-18 + weight-normalised
# linear head, the source-only / CluP teacher) instead of recipe B's bottleneck: the
# features z are then the 512-d backbone output. Same method and schedule as
# eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py; it lets EERCL, CluP and
# source-only share one source model per seed (and the demo reuse its source run).
_base_ = ['./eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py']
pipeline = [dict(name='source', checkpoint='best', into='model.source_checkpoint',
                 config='configs/source_only/'
                 'source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py')]
model = dict(classifier=dict(head=dict(_delete_=True, type='LinearClsHead', weight_norm=True)))
