#!/usr/bin/env bash
# A method with upstream stages (source model, SwAV, ...), each in runs/EXP_NAME/<stage>/,
# then the method itself in runs/EXP_NAME/. See ferda/tools/pipeline.py.
#   bash experiments/pipeline.sh EXP_NAME CONFIG [GPUS] [--stage NAME] [train.py flags...]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec ${PYTHON:-python} -m ferda.tools.pipeline "$@"
