#!/usr/bin/env bash
# CluP: source model -> SwAV on the unlabelled target -> cluster-level pseudo-labels + student.
#   bash experiments/clup.sh EXP_NAME CONFIG [GPUS] [--stage source|swav|pseudo_labels|main]
#        [--reuse NAME=DIR] [train.py flags...]
# e.g. bash experiments/clup.sh clup_wild configs/clup/clup_resnet18_1xb32-swav-30e_synfer-lab-to-wild.py
# Stages go to runs/EXP_NAME/source, runs/EXP_NAME/swav, runs/EXP_NAME/pseudo_labels; the
# student to runs/EXP_NAME. See docs/clup.md and docs/engine.md §7.
exec bash "$(dirname "${BASH_SOURCE[0]}")/pipeline.sh" "$@"
