#!/usr/bin/env bash
# Active learning: rounds of train on the labelled set, evaluate, select (docs/active-learning.md).
#   bash experiments/active.sh EXP_NAME CONFIG [GPUS] [--stage pretrain|main] [extra train.py flags...]
# e.g. bash experiments/active.sh al_margin \
#        configs/active/al-margin_cifar-resnet18_1xb20-scratch-7pt_synfer-lowres.py
# A config with a `pipeline` (the *-simclr-* configs) first pre-trains the encoder with
# SimCLR in runs/EXP_NAME/pretrain/ and hands its encoder.pth to train_cfg.encoder
# (ferda/tools/pipeline.py). Outputs: runs/EXP_NAME/al/ (pool.csv, initial.txt,
# round_R_selected.txt, labelled_round_R.txt, rounds.csv/json, learning_curve.png) next to
# the usual run files.
exec bash "$(dirname "${BASH_SOURCE[0]}")/pipeline.sh" "$@" --no-test
