#!/usr/bin/env bash
# LDL (docs/ldl.md): label distribution learning with valence-arousal neighbours, trained
# on a labelled set and evaluated on every split of the config.
#   bash experiments/ldl.sh EXP_NAME CONFIG [GPUS] [extra train.py flags...]
# e.g. bash experiments/ldl.sh ldl_synfer configs/ldl/ldl_resnet18_1xb32-30e_synfer-lab.py
exec bash "$(dirname "${BASH_SOURCE[0]}")/train.sh" "$@"
