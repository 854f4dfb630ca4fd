#!/usr/bin/env bash
# DVSCL: dual-view contrastive pre-training -> leave-one-subject-out probe (or fine-tuning).
#   bash experiments/dvscl.sh EXP_NAME CONFIG [GPUS] [--stage pretrain|main]
#        [--reuse pretrain=DIR] [train.py flags...]
# e.g. bash experiments/dvscl.sh dvscl_micro configs/dvscl/dvscl-probe_resnet18v1-w0.5_1xb32-5e_synfer-micro-loso.py
# Pre-training goes to runs/EXP_NAME/pretrain, the LOSO folds to runs/EXP_NAME (folds/,
# results.json). See docs/dvscl.md and docs/engine.md §7.
exec bash "$(dirname "${BASH_SOURCE[0]}")/pipeline.sh" "$@"
