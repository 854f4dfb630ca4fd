#!/usr/bin/env bash
# EERCL: recipe-B source model -> source-free adaptation (AaD + class-relationship contrast).
#   bash experiments/eercl.sh EXP_NAME CONFIG [GPUS] [--stage source|main] [train.py flags...]
# e.g. bash experiments/eercl.sh eercl_wild configs/eercl/eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py
# The source model goes to runs/EXP_NAME/source, the adaptation run to runs/EXP_NAME.
# See docs/eercl.md and docs/engine.md §7.
exec bash "$(dirname "${BASH_SOURCE[0]}")/pipeline.sh" "$@"
