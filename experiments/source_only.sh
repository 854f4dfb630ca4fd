#!/usr/bin/env bash
# Source-only training: supervised on the source domain, evaluated on every target.
#   bash experiments/source_only.sh EXP_NAME CONFIG [GPUS] [extra train.py flags...]
# e.g. bash experiments/source_only.sh src_synfer_A \
#        configs/source_only/source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py
exec bash "$(dirname "${BASH_SOURCE[0]}")/train.sh" "$@"
