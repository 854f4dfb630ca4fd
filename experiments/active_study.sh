#!/usr/bin/env bash
# The active-learning study on SynFER lowres (docs/active-learning.md §10): every selection
# strategy with SimCLR-pretrained and scratch initialisation, for each seed, with the CPU
# configs on the slim ResNet (configs/active/*_resnet10-half_*_synfer-lowres-cpu.py; 7
# points, 10 % + 5 % per round, at most 20 epochs per round), then the overlaid learning
# curves and their table (`ferda al-plot`).
#   bash experiments/active_study.sh [STUDY_NAME]
# Everything goes to runs/STUDY_NAME (default runs/al_study): the SimCLR encoder of seed S in
# simclr_sS/pretrain (one per seed, shared by that seed's pretrained runs), the
# active-learning runs in <strategy>_<scratch|simclr>_sS, the curves in learning_curves.png
# and their table next to it (learning_curves.md).
# Environment: SEEDS (default "0 1 2"), STRATEGIES (default all seven), INITS (default
# "scratch simclr"), JOBS (runs at a time, default 1; each gets OMP_NUM_THREADS = cores /
# JOBS), SYNFER_ROOT (default data/synfer; generated with `ferda synth` if missing),
# AL_SCRATCH_CONFIG and AL_SIMCLR_CONFIG (the two configs; the second's `pipeline` must
# have the SimCLR stage `pretrain`).
# A finished run (DONE) is reused; an interrupted one is resumed by the pipeline.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF="$ROOT/experiments/active_study.sh"
SCRATCH_CFG=${AL_SCRATCH_CONFIG:-$ROOT/configs/active/al-margin_resnet10-half_1xb20-scratch-20e-7pt_synfer-lowres-cpu.py}
SIMCLR_CFG=${AL_SIMCLR_CONFIG:-$ROOT/configs/active/al-margin_resnet10-half_1xb20-simclr-20e-7pt_synfer-lowres-cpu.py}

if [ "${1:-}" = --one ]; then  # internal: one run, "--one STUDY_NAME KIND SEED [STRATEGY]"
  STUDY=$2 KIND=$3 SEED=$4 STRATEGY=${5:-}
  if [ "$KIND" = pretrain ]; then
    [ -f "runs/$STUDY/simclr_s$SEED/pretrain/DONE" ] && exit 0
    exec bash "$ROOT/experiments/active.sh" "$STUDY/simclr_s$SEED" "$SIMCLR_CFG" 1 \
      --stage pretrain --seed "$SEED"
  fi
  NAME="$STUDY/${STRATEGY}_${KIND}_s$SEED"
  [ -f "runs/$NAME/DONE" ] && exit 0
  EXTRA=(--cfg-options "train_cfg.strategy=$STRATEGY")
  # BALD needs a stochastic head: MC dropout with p = 0.5 (docs/active-learning.md §3.6)
  [ "$STRATEGY" = bald ] && EXTRA+=("model.head.dropout=0.5")
  if [ "$KIND" = scratch ]; then
    exec bash "$ROOT/experiments/active.sh" "$NAME" "$SCRATCH_CFG" 1 --seed "$SEED" "${EXTRA[@]}"
  fi
  exec bash "$ROOT/experiments/active.sh" "$NAME" "$SIMCLR_CFG" 1 --seed "$SEED" \
    --reuse "pretrain=runs/$STUDY/simclr_s$SEED/pretrain" "${EXTRA[@]}"
fi

STUDY=${1:-al_study}
SEEDS=${SEEDS:-0 1 2}
STRATEGIES=${STRATEGIES:-random entropy margin least_confidence coreset badge bald}
INITS=${INITS:-scratch simclr}
JOBS=${JOBS:-1}
export SYNFER_ROOT=${SYNFER_ROOT:-data/synfer}
[ -f "$SYNFER_ROOT/lowres/fer2013.csv" ] || ferda synth --out "$SYNFER_ROOT"
CORES=$(nproc)
export OMP_NUM_THREADS=$(( CORES / JOBS > 0 ? CORES / JOBS : 1 ))
mkdir -p "runs/$STUDY"

# phase 1: the SimCLR encoders and the scratch runs; phase 2: the pretrained runs (they
# need their seed's encoder). Each phase runs JOBS runs at a time.
phase1=() phase2=()
for seed in $SEEDS; do
  [[ " $INITS " == *" simclr "* ]] && phase1+=("pretrain $seed")
done
for seed in $SEEDS; do
  for strategy in $STRATEGIES; do
    [[ " $INITS " == *" scratch "* ]] && phase1+=("scratch $seed $strategy")
    [[ " $INITS " == *" simclr "* ]] && phase2+=("simclr $seed $strategy")
  done
done
for phase in phase1 phase2; do
  declare -n jobs=$phase
  [ ${#jobs[@]} = 0 ] && continue
  echo "[active_study] $phase: ${#jobs[@]} runs, $JOBS at a time, $OMP_NUM_THREADS thread(s) each"
  printf '%s\n' "${jobs[@]}" | xargs -P "$JOBS" -L 1 bash "$SELF" --one "$STUDY"
done

runs=()
for d in "runs/$STUDY"/*_s*; do
  [ -f "$d/al/rounds.json" ] && runs+=("$d")
done
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" python -m ferda.tools.cli al-plot "${runs[@]}" \
  --out "runs/$STUDY/learning_curves.png" --title "SynFER lowres, CPU study"
