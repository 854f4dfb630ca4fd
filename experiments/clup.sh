#!/usr/bin/env bash
# CluP: source model -> SwAV on the unlabelled target -> cluster-level pseudo-labels + student.
#   bash experiments/clup.sh EXP_NAME CONFIG [GPUS] [--stage source|swav|main] [train.py flags...]
# e.g. bash experiments/clup.sh clup_wild configs/clup/clup_resnet18_1xb32-swav-scratch_synfer-lab-to-wild.py
# Stages go to runs/EXP_NAME/source, runs/EXP_NAME/swav; the student to runs/EXP_NAME.
exec bash "$(dirname "${BASH_SOURCE[0]}")/pipeline.sh" "$@"
