# CluP stage 2 on SynFER `lowres` (FER2013 format, 48 px grey faces upsampled to 64).
_base_ = ['./swav_resnet18_1xb64-lars-10e_synfer-wild.py']
train_dataloader = dict(dataset=dict(reader=dict(
    _delete_=True, type='Fer2013CsvReader', data_root='{{$SYNFER_ROOT:data/synfer}}/lowres',
    split='train')))
