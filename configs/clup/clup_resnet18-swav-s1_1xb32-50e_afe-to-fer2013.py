# CluP, AFE -> FER2013 (clup.md §3: K = 250, r = 0.1), ResNet-18:
#   bash experiments/clup.sh clup_afe_fer2013 configs/clup/clup_resnet18-swav-s1_1xb32-50e_afe-to-fer2013.py
# As RAF-DB -> FER2013 with the AFE source model and the paper's K, r for AFE.
_base_ = ['./clup_resnet18-swav-s1_1xb32-50e_rafdb-to-fer2013.py']
pipeline = [
    dict(name='source', into=None, checkpoint='best',
         config='configs/source_only/source-only_resnet18_1xb64-recipeA-100e_afe-clup.py'),
    dict(name='swav', checkpoint='last', into='model.backbone.checkpoint',
         config='configs/clup/swav_resnet18-swav-s1_4xb64-lars-1000e_fer2013.py'),
    dict(name='pseudo_labels', checkpoint='pseudo_labels.pt',
         into='train_dataloader.dataset.labels_file', needs={'load_from': 'source'},
         options={'test_cfg.num_clusters': 250, 'test_cfg.fraction': 0.1},
         config='configs/clup/pseudo-labels_resnet18_fer2013.py'),
]
