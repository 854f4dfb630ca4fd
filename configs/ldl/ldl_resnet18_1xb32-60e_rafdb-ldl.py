# LDL, ResNet-18, RAF-DB from the reference's CSVs (data/ldl/rafdb/{train,test}.csv + images):
# lr 1e-3 x0.1 at epochs 10, 20, 40; trust init 0.5 (lambda 0.6225), lr 10, no momentum.
# Run: bash experiments/ldl.sh ldl_rafdb_r18 <this config> [GPUS] \
#        --cfg-options model.classifier.backbone.checkpoint=/path/msceleb_resnet18.pth
_base_ = ['./_base_/ldl_csv_r18.py']
