#!/usr/bin/env bash
# Shared launcher of every method script.
#   bash experiments/train.sh EXP_NAME CONFIG [GPUS] [extra train.py flags...]
# Writes everything under runs/EXP_NAME/: logs/train.log (live, rank 0), the merged
# config, TensorBoard events, checkpoints, results.json. GPUS (default 1) processes are
# started with torchrun on a free port (NCCL on GPUs, gloo on CPU); one process runs train.py
# directly (set FERDA_TORCHRUN=1 to start it under torchrun too).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: bash $0 EXP_NAME CONFIG [GPUS] [extra train.py flags...]" >&2
  exit 2
fi
EXP_NAME=$1
CONFIG=$2
shift 2
GPUS=1
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  GPUS=$1
  shift
fi
if [ ! -f "$CONFIG" ]; then
  echo "config file $CONFIG does not exist" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK_DIR=${WORK_DIR:-runs/$EXP_NAME}
PYTHON=${PYTHON:-python}
mkdir -p "$WORK_DIR/logs"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
echo "[ferda] $EXP_NAME: $CONFIG on $GPUS process(es); log: $WORK_DIR/logs/train.log"
if [ "$GPUS" = 1 ] && [ -z "${FERDA_TORCHRUN:-}" ]; then
  # one process: train.py itself, without torchrun's launcher process (~2 s and a second
  # interpreter per run); same training, no process group. FERDA_TORCHRUN=1 forces torchrun.
  unset FERDA_LAUNCHER_PID
  exec $PYTHON "$ROOT/train.py" "$CONFIG" --work-dir "$WORK_DIR" --launcher none "$@"
fi
PORT=${MASTER_PORT:-$($PYTHON -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
# exec keeps this pid for torchrun: each worker checks it is still its parent and has the
# kernel kill it when torchrun dies (torchrun puts workers in their own session, so a
# kill of this script's process group would not reach them; basicda/engine/run_dir.py)
export FERDA_LAUNCHER_PID=$$
exec $PYTHON -m torch.distributed.run --nnodes=1 --nproc_per_node="$GPUS" \
  --master_addr=127.0.0.1 --master_port="$PORT" \
  "$ROOT/train.py" "$CONFIG" --work-dir "$WORK_DIR" --launcher pytorch "$@"
