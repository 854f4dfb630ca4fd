# LDL, IR-50 (the reference's ResNet-50 face net, docs/ldl.md §4), RAF-DB from the reference's
# CSVs (data/ldl/rafdb/{train,test}.csv + images): 112 px, lr 1e-4 x0.1 at epochs 10 and 30;
# trust init 0.5 (lambda 0.6225), lr 10, no momentum; no class weights.
# Run: bash experiments/ldl.sh ldl_rafdb_ir50 <this config> [GPUS] \
#        --cfg-options model.classifier.backbone.checkpoint=/path/ir50_ms1m.pth
_base_ = ['./_base_/ldl_csv_ir50.py']
optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = [dict(type='MultiStepLR', milestones=[10, 30], gamma=0.1, by_epoch=True)]
