# LDL (bank mode) on SynFER lab with 20 % of the training labels flipped (docs/ldl.md §7):
# the CPU-sized bank config reading the noisy copy that
#   ferda noise --ann data/synfer/lab/basic/EmoLabel/list_patition_label.txt --format rafdb \
#     --rate 0.2 --seed S --out data/synfer/lab/noisy/labels_r0.2_sS.txt
# writes, S = $NOISE_SEED (default 0; experiments/ldl_noise_study.sh sets it to the training
# seed). The val hold-out's labels are noisy too; lab test stays clean. After training,
# `ferda trust CONFIG runs/EXP/epoch_8.pth \
#    --flips data/synfer/lab/noisy/labels_r0.2_sS.txt.flips.csv`
# gives the AUROC of 1 - lambda for finding the flipped rows.
# Run with `bash experiments/ldl.sh EXP <this config>`.
_base_ = ['./ldl_resnet18_1xb32-8e-cpu-bank_synfer-lab.py']
_label_file = '{{$SYNFER_ROOT:data/synfer}}/lab/noisy/labels_r0.2_s{{$NOISE_SEED:0}}.txt'
train_dataloader = dict(dataset=dict(dataset=dict(reader=dict(reader=dict(
    label_file=_label_file)))))
val_dataloader = dict(dataset=dict(reader=dict(label_file=_label_file)))
