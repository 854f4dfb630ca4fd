"""``ferda al-plot RUN_DIR... [--out PNG] [--metric oa]``: overlay active-learning runs.

Each RUN_DIR is a finished (or running) active-learning run: ``RUN_DIR/al/rounds.json``
and the config mmengine dumped into RUN_DIR (``RUN_DIR/<config name>.py``), from which
``train_cfg.strategy``, ``train_cfg.round_init`` and the seed (``train_cfg.seed``, else
``randomness.seed``) are read. Runs are grouped by (strategy, init); every group is drawn
as its mean over seeds with a mean ± std band (``docs/active-learning.md`` §9), and a table
(last point and mean over points, mean ± std over seeds, in %) is printed.
"""
import argparse
import glob
import json
import os.path as osp
from typing import Dict, List, Sequence

from basicda.active.plot import curves_png, group_curves
from basicda.fileio import atomic_write_bytes

__all__ = ['read_al_run', 'summary_table', 'main']


def read_al_run(run_dir: str) -> Dict:
    """``strategy``, ``init``, ``seed``, ``rows`` and ``path`` of one run folder."""
    from mmengine.config import Config

    rounds = osp.join(run_dir, 'al', 'rounds.json')
    if not osp.isfile(rounds):
        raise FileNotFoundError(f'{run_dir}: no al/rounds.json (not an active-learning run?)')
    with open(rounds) as f:
        rows = json.load(f)
    configs = sorted(glob.glob(osp.join(run_dir, '*.py')))
    if len(configs) != 1:
        raise FileNotFoundError(f'{run_dir}: expected the one dumped config *.py, found '
                                f'{[osp.basename(c) for c in configs]}')
    cfg = Config.fromfile(configs[0], import_custom_modules=False)
    train_cfg = cfg.get('train_cfg') or {}
    if train_cfg.get('type') != 'ActiveLearningLoop':
        raise ValueError(f'{configs[0]}: train_cfg.type is {train_cfg.get("type")!r}, not '
                         'ActiveLearningLoop')
    seed = train_cfg.get('seed')
    if seed is None:
        seed = (cfg.get('randomness') or {}).get('seed')
    if seed is None:
        raise ValueError(f'{configs[0]}: neither train_cfg.seed nor randomness.seed is set')
    return dict(strategy=train_cfg.get('strategy'), init=train_cfg.get('round_init', 'pretrained'),
                seed=int(seed), rows=rows, path=run_dir)


def summary_table(groups: Dict[tuple, Dict], metric: str = 'oa') -> str:
    """Markdown table: group, seeds, points, last point and mean over points (in %,
    mean ± std over seeds, sample std)."""
    import numpy as np

    lines = [f'| strategy | init | seeds | points | last {metric} (%) | mean {metric} over '
             'points (%) |', '|---|---|---|---|---|---|']
    for (strategy, init), g in groups.items():
        per_run_mean = g['values'].mean(axis=1)
        ddof = 1 if len(g['seeds']) > 1 else 0
        lines.append(f'| {strategy} | {init} | {len(g["seeds"])} | {len(g["mean"])} | '
                     f'{100 * g["mean"][-1]:.2f} ± {100 * g["std"][-1]:.2f} | '
                     f'{100 * per_run_mean.mean():.2f} ± '
                     f'{100 * np.std(per_run_mean, ddof=ddof):.2f} |')
    return '\n'.join(lines) + '\n'


def parse_args(argv: Sequence[str]):
    parser = argparse.ArgumentParser(prog='ferda al-plot', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('runs', nargs='+', metavar='RUN_DIR')
    parser.add_argument('--out', default='al_curves.png', help='PNG to write (default: '
                        'al_curves.png); the table goes to stdout and next to it as .md')
    parser.add_argument('--metric', default='oa', choices=('oa', 'mca', 'macro_f1'))
    parser.add_argument('--title', default='')
    return parser.parse_args(list(argv))


def main(argv: List[str] = None) -> int:
    import sys

    args = parse_args(sys.argv[1:] if argv is None else argv)
    groups = group_curves([read_al_run(r) for r in args.runs], args.metric)
    atomic_write_bytes(curves_png(groups, args.metric, args.title), args.out)
    table = summary_table(groups, args.metric)
    atomic_write_bytes(table.encode(), osp.splitext(args.out)[0] + '.md')
    print(table, end='')
    print(f'[ferda al-plot] {len(args.runs)} runs in {len(groups)} groups -> {args.out}')
    return 0
