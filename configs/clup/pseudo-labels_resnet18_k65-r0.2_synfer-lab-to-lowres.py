# CluP stage 3a on SynFER lab -> lowres: K = 65 keeps the official FER2013 mean
# cluster size (~29 samples; 1890 images), r = 0.2 as RAF-DB -> FER2013.
_base_ = ['./pseudo-labels_resnet18_k28-r0.3_synfer-lab-to-wild.py']
test_dataloader = dict(dataset=dict(reader=dict(
    _delete_=True, type='Fer2013CsvReader', data_root='{{$SYNFER_ROOT:data/synfer}}/lowres',
    split='train')))
test_evaluator = dict(prefix='diag_teacher_lowres_train')
test_cfg = dict(num_clusters=65, fraction=0.2)
