# DVSCL linear probe on CAS(ME)^3 (the DVSCL lists, 4 classes, 943 clips, 95 subject folds;
# docs/dvscl.md §5):
#   bash experiments/dvscl.sh EXP configs/dvscl/dvscl-probe_resnet18v1-w0.5_1xb128-30e_casme3-loso.py
# pre-trains 240 epochs (runs/EXP/pretrain), then trains one linear head per left-out subject on
# the frozen encoders' 256 x 7 x 7 maps of both views: 30 epochs, SGD lr 1e-4, momentum 0.9,
# wd 1e-4, batch 128, StepLR(10) per epoch; centre crop 224, a shared flip for training.
pipeline = [
    dict(name='pretrain', checkpoint='last', into='model.pretrained',
         config='configs/dvscl/dvscl_resnet18v1-w0.5_1xb128-softmax-240e_casme3.py'),
]
_base_ = ['./dvscl-probe_resnet18v1-w0.5_1xb32-5e_synfer-micro-loso.py']
_reader = dict(type='Casme3Reader', data_root='data/casme3', drop_classes=[])
model = dict(num_classes=4, input_size=224)
train_dataloader = dict(
    batch_size=128, num_workers=4,
    dataset=dict(reader=_reader, num_classes=4, cache_images=False,
                 pipeline=[dict(type='TVCenterCrop', size=224),
                           dict(type='TVRandomHorizontalFlip', p=0.5)]))
train_cfg = dict(max_epochs=30, eval_dataloader=dict(
    batch_size=128, num_workers=4,
    dataset=dict(reader=_reader, num_classes=4, cache_images=False,
                 pipeline=[dict(type='TVCenterCrop', size=224)])))
