"""``ferda demo``: the project's main job on a fresh machine.

1. Generate SynFER into ``data/synfer`` if it is missing (``ferda synth``).
2. Train source-only (ResNet-18 from scratch, 30 epochs) on ``lab``; select the checkpoint on ``lab`` val
   (label-free); evaluate on ``lab``, ``wild`` and ``lowres`` test.
3. AdaBN, the simplest source-free baseline: the source checkpoint with its
   BatchNorm statistics re-estimated on each target's unlabelled train images.
4. CluP on lab -> wild from that source model: cluster-level pseudo-labels and the
   mixup student initialised from the source backbone (``configs/clup/``, the
   source-init variant); last epoch, oracle apart. ``--methods clup-swav`` adds the
   paper's SwAV-initialised student (SwAV on wild train first): at demo scale its
   10-epoch SwAV on 1890 images learns no expression features and the student stays
   near 32 % (README, CluP), so it is not a default row.
5. EERCL on lab -> wild from the same source model: AaD + class-relationship
   contrast with an EMA teacher (``configs/eercl/``); last iteration, oracle apart.
6. With ``--upper-bound``, train the target-trained upper bound on ``wild``
   (uses target labels: an upper bound, not a method; 60 epochs).
7. Write ``runs/demo/results.md`` (table) and ``runs/demo/results.png`` (bars).

``--methods`` picks the rows (default: all); ``--epochs N`` shortens every
training run (a smoke test, not the benchmark).
"""
import argparse
import json
import os
import os.path as osp

from basicda.fileio import atomic_write_text

from . import repo_path

DEMO_CONFIG = repo_path('configs', 'source_only',
                        'source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py')
CLUP_CONFIG = repo_path('configs', 'clup',
                        'clup_resnet18_1xb32-source-init-30e_synfer-lab-to-wild.py')
CLUP_SWAV_CONFIG = repo_path('configs', 'clup',
                             'clup_resnet18_1xb32-swav-30e_synfer-lab-to-wild.py')
EERCL_CONFIG = repo_path('configs', 'eercl',
                         'eercl_resnet18-linear-wn_1xb16-200it_synfer-lab-to-wild.py')
METHODS = ('adabn', 'clup', 'eercl', 'clup-swav')
DEFAULT_METHODS = ('adabn', 'clup', 'eercl')
UPPER_CONFIG = repo_path('configs', 'demo',
                         'target-trained_resnet18_1xb64-scratch-60e_synfer-wild.py')
# the data_root of the demo configs: they read SYNFER_ROOT from the environment (docs/synfer.md §2)
SYNFER_ROOT = os.environ.get('SYNFER_ROOT', 'data/synfer')
# files of the current layout; a folder generated before split names lost their seed lacks them
SYNFER_FILES = ('lab/basic/splits/val.txt', 'wild/splits/expw.csv', 'lowres/fer2013.csv')
TARGETS = ('lab_test', 'wild_test', 'lowres_test')


def ensure_synfer(root: str) -> bool:
    """Generate SynFER (lab, wild, lowres) into ``root`` unless it holds the current layout.

    A folder written before the split names lost their seed is regenerated with the settings
    its ``synfer.json`` recorded (the same bytes under the new names); a missing one with
    seed 0 and the default sizes. ``overwrite`` only ever replaces folders holding a
    ``synfer.json``. Returns whether it generated.
    """
    from ferda.datasets.synfer import generate_synfer

    if all(osp.isfile(osp.join(root, f)) for f in SYNFER_FILES):
        return False
    marker = osp.join(root, 'lab', 'synfer.json')
    kept = {}
    if osp.isfile(marker):
        with open(marker, encoding='utf-8') as f:
            kept = {k: v for k, v in json.load(f).items()
                    if k in ('seed', 'per_class', 'subjects', 'ambiguity')}
    print(f'[ferda demo] generating SynFER into {root} {kept}')
    generate_synfer(root, domains=('lab', 'wild', 'lowres'), overwrite=True,
                    **{'seed': 0, **kept})
    return True


def results_rows(runs: dict) -> list:
    """``{row name: results.json dict}`` -> rows ``(name, {dataset: OA}, oracle)``."""
    rows = []
    for name, res in runs.items():
        acc = {d: m['accuracy'] for d, m in res['metrics'].items() if 'accuracy' in m}
        oracle = {d: v['accuracy'] for d, v in res.get('oracle', {}).items()}
        rows.append((name, acc, oracle))
    return rows


def write_table(rows: list, path: str, datasets=TARGETS) -> str:
    lines = ['# FERDA demo on SynFER (overall accuracy, %)', '',
             'Label-free checkpoint selection (source validation); the *oracle* columns '
             'pick the best evaluation point by target labels and are reported only. '
             'SynFER is a synthetic smoke/teaching benchmark, not real faces.', '',
             '| method | ' + ' | '.join(datasets) + ' | ' +
             ' | '.join(f'{d} (oracle)' for d in datasets[1:]) + ' |',
             '|---' * (2 * len(datasets)) + '|']
    for name, acc, oracle in rows:
        cells = [f'{100 * acc[d]:.1f}' if d in acc else '-' for d in datasets]
        cells += [f'{100 * oracle[d]:.1f}' if d in oracle else '-' for d in datasets[1:]]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    text = '\n'.join(lines) + '\n'
    atomic_write_text(text, path)
    return text


def write_chart(rows: list, path: str, datasets=TARGETS) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    width = 0.8 / max(len(rows), 1)
    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
    x = np.arange(len(datasets))
    for i, (name, acc, _) in enumerate(rows):
        values = [100 * acc.get(d, np.nan) for d in datasets]
        ax.bar(x + i * width, values, width, label=name)
    ax.set_xticks(x + width * (len(rows) - 1) / 2, datasets)
    ax.set_ylabel('accuracy (%)')
    ax.set_ylim(0, 100)
    ax.set_title('SynFER: source lab; targets wild, lowres')
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _train(config: str, work_dir: str, extra: list) -> dict:
    from basicda.engine.run_dir import run_artefacts

    from .train import main as train_main
    # a second demo continues (or re-tests) the run already there: train.py refuses a
    # fresh start into a folder that holds checkpoints
    resume = ['--resume'] if run_artefacts(work_dir) else []
    train_main([config, '--work-dir', work_dir] + resume + extra)
    with open(osp.join(work_dir, 'results.json')) as f:
        return json.load(f)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='ferda demo', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--work-dir', default='runs/demo')
    p.add_argument('--epochs', type=int, help='override the number of training epochs (>= 2)')
    p.add_argument('--methods', default=','.join(DEFAULT_METHODS),
                   help=f'comma-separated rows besides source-only, from {METHODS} '
                   f'(default: {",".join(DEFAULT_METHODS)})')
    p.add_argument('--upper-bound', action='store_true',
                   help='also train the target-trained upper bound on wild (twice as long)')
    return p


def _pipeline_row(exp: str, config: str, work_dir: str, reuse: dict, flags: list,
                  stage_options: dict) -> dict:
    from .pipeline import run_pipeline
    run_pipeline(exp, config, flags=flags, runs_root=work_dir, reuse=reuse,
                 stage_options=stage_options)
    with open(osp.join(work_dir, exp, 'results.json')) as f:
        return json.load(f)


def _clup(work_dir: str, source_dir: str, epochs=None, swav: bool = False) -> dict:
    flags, options = [], {}
    if epochs:
        flags = ['--cfg-options', f'train_cfg.max_epochs={epochs}',
                 f'param_scheduler.0.T_max={epochs}']
        if swav:
            options = dict(swav={'train_cfg.max_epochs': epochs,
                                 'param_scheduler.0.T_max': epochs})
    exp, config = ('clup_swav', CLUP_SWAV_CONFIG) if swav else ('clup', CLUP_CONFIG)
    return _pipeline_row(exp, config, work_dir, dict(source=source_dir), flags, options)


def _eercl(work_dir: str, source_dir: str, epochs=None) -> dict:
    flags = []
    if epochs:  # a smoke test: a few iterations, one refresh, two evaluations
        flags = ['--cfg-options', f'train_cfg.max_iters={4 * epochs}',
                 f'train_cfg.val_interval={2 * epochs}',
                 f'default_hooks.checkpoint.interval={2 * epochs}']
    return _pipeline_row('eercl', EERCL_CONFIG, work_dir, dict(source=source_dir), flags, {})


def main(argv=None) -> dict:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 2:
        parser.error(f'--epochs must be >= 2 (1 warm-up epoch + cosine), got {args.epochs}')
    methods = [m for m in args.methods.split(',') if m]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f'--methods: unknown {unknown}; choose from {METHODS}')
    ensure_synfer(SYNFER_ROOT)
    extra = []
    if args.epochs:  # warm-up (at most 3 epochs), then a cosine schedule ending with the run
        warmup = min(3, args.epochs - 1)
        extra = ['--cfg-options', f'train_cfg.max_epochs={args.epochs}',
                 f'param_scheduler.0.end={warmup}', f'param_scheduler.1.begin={warmup}',
                 f'param_scheduler.1.end={args.epochs}',
                 f'param_scheduler.1.T_max={args.epochs - warmup}']
    os.makedirs(args.work_dir, exist_ok=True)
    runs = {}
    print('[ferda demo] source-only on lab')
    runs['source-only'] = _train(DEMO_CONFIG, osp.join(args.work_dir, 'source_only'), extra)
    if 'adabn' in methods:
        print('[ferda demo] AdaBN from the source checkpoint')
        from .adabn import main as adabn_main
        runs['AdaBN (source-free)'] = adabn_main(
            [DEMO_CONFIG, runs['source-only']['checkpoint'], '--work-dir',
             osp.join(args.work_dir, 'adabn')])
    if 'clup' in methods:
        print('[ferda demo] CluP on lab -> wild (pseudo-labels, source-initialised student)')
        runs['CluP, source-init student (source-free, last epoch)'] = _clup(
            args.work_dir, osp.join(args.work_dir, 'source_only'), args.epochs)
    if 'clup-swav' in methods:
        print('[ferda demo] CluP on lab -> wild (SwAV, pseudo-labels, SwAV-initialised student)')
        runs['CluP, SwAV-init student (source-free, last epoch)'] = _clup(
            args.work_dir, osp.join(args.work_dir, 'source_only'), args.epochs, swav=True)
    if 'eercl' in methods:
        print('[ferda demo] EERCL on lab -> wild (AaD + class-relationship contrast)')
        runs['EERCL (source-free, last iteration)'] = _eercl(
            args.work_dir, osp.join(args.work_dir, 'source_only'), args.epochs)
    if args.upper_bound:
        print('[ferda demo] target-trained upper bound on wild (uses target labels)')
        runs['target-trained (upper bound)'] = _train(
            UPPER_CONFIG, osp.join(args.work_dir, 'target_trained'), extra)
    rows = results_rows(runs)
    table = write_table(rows, osp.join(args.work_dir, 'results.md'))
    write_chart(rows, osp.join(args.work_dir, 'results.png'))
    print(table)
    print(f'[ferda demo] wrote {args.work_dir}/results.md and results.png')
    return runs
