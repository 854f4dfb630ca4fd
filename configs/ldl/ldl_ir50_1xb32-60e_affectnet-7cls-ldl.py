# LDL, IR-50 (docs/ldl.md §4), AffectNet-7 from the reference's CSVs
# (data/ldl/affectnet/{train,test}.csv + images). The reference ships no ResNet-50 AffectNet
# recipe: this is our combination of the IR-50 input (112 px, pad 4) with the r18 AffectNet
# column (lr 3e-4 x0.2 at epochs 5, 10, 20; trust init 0.8, lr 10, momentum 0.9; balanced
# class weights N / (C n_c)).
# Run: bash experiments/ldl.sh ldl_affectnet_ir50 <this config> [GPUS] \
#        --cfg-options model.classifier.backbone.checkpoint=/path/ir50_ms1m.pth
_base_ = ['./_base_/ldl_csv_ir50.py']
_data_root = 'data/ldl/affectnet'
model = dict(lamb_init=0.8, lamb_momentum=0.9, class_weight='balanced')
optim_wrapper = dict(optimizer=dict(lr=3e-4))
param_scheduler = [dict(type='MultiStepLR', milestones=[5, 10, 20], gamma=0.2, by_epoch=True)]


def _reader(split):
    return dict(type='LdlCsvReader', data_root=_data_root, split=split, ann_file=f'{split}.csv',
                native_order='affectnet')


train_dataloader = dict(dataset=dict(dataset=dict(reader=_reader('train'))))
val_dataloader = dict(dataset=dict(reader=_reader('test')))
test_dataloader = val_dataloader
