#!/usr/bin/env bash
# The LDL label-noise study on SynFER lab (docs/ldl.md §7.1): plain cross-entropy, LDL in bank
# mode and LDL in online mode, trained on clean labels and on `ferda noise` copies with 10, 20
# and 30 % of the training labels flipped, for each seed (noise seed = training seed), with
# the CPU-sized 8-epoch configs of configs/ldl/. Then the tables: `ferda results` over lab test
# (mean +- std over seeds) and, from `ferda trust --blend [--flips]` of each LDL run, the AUROC
# of 1 - lambda for the flipped rows and the mean KL from SynFER's blend weights to LDL's
# target against one-hot labels on the ambiguous training rows (STUDY_DIR/results/trust.md).
#   bash experiments/ldl_noise_study.sh [STUDY_DIR]
# STUDY_DIR defaults to runs/ldl_noise (run folders STUDY_DIR/<mode>_r<rate>_s<seed>).
# Environment: SEEDS (default "0 1 2"), RATES (percent, default "0 10 20 30"), MODES (default
# "ce bank online"), SYNFER_ROOT (default data/synfer; generated with `ferda synth` if missing).
# A run whose results.json exists is reused; an interrupted one is resumed (--resume).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STUDY=${1:-runs/ldl_noise}
SEEDS=${SEEDS:-0 1 2}
RATES=${RATES:-0 10 20 30}
MODES=${MODES:-ce bank online}
export SYNFER_ROOT=${SYNFER_ROOT:-data/synfer}
ANN="$SYNFER_ROOT/lab/basic/EmoLabel/list_patition_label.txt"
[ -f "$ANN" ] || ferda synth --out "$SYNFER_ROOT"

config_of() {  # MODE RATE -> config path
  local suffix=""
  [ "$2" != 0 ] && suffix="-noise$2"
  case $1 in
    ce) echo "$ROOT/configs/ldl/ce_resnet18_1xb32-8e-cpu${suffix}_synfer-lab.py" ;;
    bank) echo "$ROOT/configs/ldl/ldl_resnet18_1xb32-8e-cpu-bank${suffix}_synfer-lab.py" ;;
    online) echo "$ROOT/configs/ldl/ldl_resnet18_1xb32-8e-cpu${suffix}_synfer-lab.py" ;;
    *) echo "unknown mode '$1' in MODES (ce, bank, online)" >&2; exit 2 ;;
  esac
}
labels_of() {  # RATE SEED -> the noisy label copy
  printf '%s/lab/noisy/labels_r%s_s%s.txt' "$SYNFER_ROOT" "$(python -c "print($1 / 100)")" "$2"
}

for seed in $SEEDS; do
  for rate in $RATES; do
    if [ "$rate" != 0 ]; then
      labels=$(labels_of "$rate" "$seed")
      [ -f "$labels" ] || ferda noise --ann "$ANN" --format rafdb \
        --rate "$(python -c "print($rate / 100)")" --seed "$seed" --out "$labels"
    fi
    for mode in $MODES; do
      config=$(config_of "$mode" "$rate")
      exp="$STUDY/${mode}_r${rate}_s${seed}"
      if [ -f "$exp/results.json" ]; then
        echo "[ldl-noise] $exp: done, reused"
      else
        flags=(--seed "$seed")
        [ -d "$exp" ] && flags+=(--resume)
        NOISE_SEED=$seed WORK_DIR="$exp" bash "$ROOT/experiments/train.sh" "$exp" "$config" 1 \
          "${flags[@]}"
      fi
      if [ "$mode" != ce ] && [ ! -f "$exp/ambiguity_kl.json" ]; then
        trust=(--blend --out "$exp")
        [ "$rate" != 0 ] && trust+=(--flips "$(labels_of "$rate" "$seed").flips.csv")
        NOISE_SEED=$seed ferda trust "$config" "$exp/$(basename "$(cat "$exp/last_checkpoint")")" \
          "${trust[@]}"
      fi
    done
  done
done

ferda results "$STUDY"/*_r*_s* --group-by method,recipe,dataset --datasets lab_test \
  --format md,csv --out "$STUDY/results"
python - "$STUDY" <<'EOF'
# mean +- sample std over seeds, per LDL mode and rate, from each run's trust.json and
# ambiguity_kl.json (written by ferda trust above)
import glob, json, os.path as osp, re, sys
import numpy as np
study = sys.argv[1]
rows = {}
for run in sorted(glob.glob(osp.join(study, '*_r*_s*'))):
    mode, rate, _ = re.match(r'(\w+)_r(\d+)_s(\d+)$', osp.basename(run)).groups()
    if mode == 'ce' or not osp.isfile(osp.join(run, 'ambiguity_kl.json')):
        continue
    trust = json.load(open(osp.join(run, 'trust.json')))
    kl = json.load(open(osp.join(run, 'ambiguity_kl.json')))
    rows.setdefault((mode, int(rate)), []).append(
        [trust.get('auroc', np.nan), trust.get('lambda_mean_flipped', np.nan),
         trust.get('lambda_mean_clean', trust['lambda_mean']), kl['kl_target_mean'], kl['kl_onehot_mean']])
lines = ['| LDL mode | flipped | n | AUROC of 1 - lambda | mean lambda flipped | '
         'mean lambda clean | KL(blend, target) | KL(blend, one-hot) |',
         '|---|---|---|---|---|---|---|---|']
for (mode, rate), vals in sorted(rows.items()):
    v = np.asarray(vals, dtype=float)
    sd = v.std(0, ddof=1) if len(v) > 1 else np.zeros(v.shape[1])
    cells = ['-' if np.isnan(m) else f'{m:.3f} ± {s:.3f}' for m, s in zip(v.mean(0), sd)]
    lines.append(f'| {mode} | {rate} % | {len(v)} | ' + ' | '.join(cells) + ' |')
text = '\n'.join(lines) + '\n'
open(osp.join(study, 'results', 'trust.md'), 'w').write(text)
print(text)
EOF
