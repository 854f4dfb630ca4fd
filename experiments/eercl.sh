#!/usr/bin/env bash
# EERCL: recipe-B source model -> source-free adaptation (AaD + class-relationship contrast).
#   bash experiments/eercl.sh EXP_NAME CONFIG [GPUS] [--stage source|main] [train.py flags...]
# The source model goes to runs/EXP_NAME/source, the adaptation run to runs/EXP_NAME.
exec bash "$(dirname "${BASH_SOURCE[0]}")/pipeline.sh" "$@"
