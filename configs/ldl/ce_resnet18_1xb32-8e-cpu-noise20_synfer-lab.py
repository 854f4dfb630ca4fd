# The plain cross-entropy baseline of the LDL noise study (docs/ldl.md §7) on 20 %-flipped
# SynFER lab labels: `ce_resnet18_1xb32-8e-cpu_synfer-lab.py` reading the noisy copy that
#   ferda noise --ann data/synfer/lab/basic/EmoLabel/list_patition_label.txt --format rafdb \
#     --rate 0.2 --seed S --out data/synfer/lab/noisy/labels_r0.2_sS.txt
# writes, S = $NOISE_SEED (default 0; experiments/ldl_noise_study.sh sets it to the training
# seed). The val hold-out's labels are noisy too; lab test stays clean.
# Run with `bash experiments/train.sh EXP <this config>`.
_base_ = ['./ce_resnet18_1xb32-8e-cpu_synfer-lab.py']
_label_file = '{{$SYNFER_ROOT:data/synfer}}/lab/noisy/labels_r0.2_s{{$NOISE_SEED:0}}.txt'
train_dataloader = dict(dataset=dict(reader=dict(reader=dict(label_file=_label_file))))
val_dataloader = dict(dataset=dict(reader=dict(label_file=_label_file)))
