# CluP on SynFER lab -> wild with the student initialised from the *source* model's
# backbone instead of SwAV (an extension, not the paper's recipe): same pseudo-labels,
# same student training. On SynFER (1890 target images, CPU-sized SwAV) it separates
# the effect of the cluster-level pseudo-labels from the quality of the SwAV init.
# Fine-tuning a trained network, not training a fresh one: lr 0.01 (the SwAV-init
# recipe's 0.1 measurably wrecked the source features: 25 % on wild after one epoch).
_base_ = ['./clup_resnet18_1xb32-swav-30e_synfer-lab-to-wild.py']
pipeline = [
    dict(name='source', checkpoint='best', into='model.backbone.checkpoint',
         config='configs/source_only/'
         'source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py'),
    dict(name='pseudo_labels', checkpoint='pseudo_labels.pt',
         into='train_dataloader.dataset.labels_file', needs={'load_from': 'source'},
         config='configs/clup/pseudo-labels_resnet18_k28-r0.3_synfer-lab-to-wild.py'),
]
optim_wrapper = dict(optimizer=dict(lr=0.01))
