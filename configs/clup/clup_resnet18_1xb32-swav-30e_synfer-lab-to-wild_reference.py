# CluP on SynFER lab -> wild with the reference's pseudo-labelling (augmented teacher
# pass, scikit-learn k-means; see pseudo-labels_*_reference.py). Oracle numbers are
# reported by OracleTracker as in every run; the reference's selection of the best
# epoch by target test accuracy is exactly that oracle column.
_base_ = ['./clup_resnet18_1xb32-swav-30e_synfer-lab-to-wild.py']
pipeline = [
    dict(name='source', into=None, checkpoint='best',
         config='configs/source_only/'
         'source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py'),
    dict(name='swav', checkpoint='last', into='model.backbone.checkpoint',
         config='configs/clup/swav_resnet18_1xb64-lars-10e_synfer-wild.py'),
    dict(name='pseudo_labels', checkpoint='pseudo_labels.pt',
         into='train_dataloader.dataset.labels_file', needs={'load_from': 'source'},
         config='configs/clup/pseudo-labels_resnet18_k28-r0.3_synfer-lab-to-wild_reference.py'),
]
