"""``ferda demo``: the project's main job on a fresh machine.

1. Generate SynFER into ``data/synfer`` if it is missing (``ferda synth``).
2. Train source-only (from scratch) on ``lab``; select the checkpoint on ``lab`` val
   (label-free); evaluate on ``lab``, ``wild`` and ``lowres`` test.
3. AdaBN, the simplest source-free baseline: the source checkpoint with its
   BatchNorm statistics re-estimated on each target's unlabelled train images.
4. CluP on lab -> wild from that source model: cluster-level pseudo-labels and the
   mixup student initialised from the source backbone (the source-init variant); last
   epoch, oracle apart. ``--methods clup-swav`` (with ``--full``) adds the paper's
   SwAV-initialised student (SwAV on wild train first): at demo scale its 10-epoch SwAV
   on 1890 images learns no expression features and the student stays near 32 %
   (README, CluP), so it is not a default row.
5. EERCL on lab -> wild from the same source model: AaD + class-relationship
   contrast with an EMA teacher; last iteration, oracle apart.
6. With ``--upper-bound``, train the target-trained upper bound on ``wild``
   (uses target labels: an upper bound, not a method; 60 epochs, ResNet-18).
7. Write ``runs/demo/results.md`` (table) and ``runs/demo/results.png`` (bars).

By default (``--fast``) the demo runs the configs of ``configs/demo/``: the full recipes
(64 px, same augmentation, optimisers and method settings) on a slim ResNet (one
BasicBlock per stage, half ResNet-18's widths, channels-last), a 20-epoch CluP student
instead of 30 and fewer evaluation points; ``--full`` runs the ResNet-18 configs
the README's method sections measured (30 source epochs, 30 student epochs, every epoch
evaluated). :func:`demo_plan` and :func:`plan_cost` size both in images of ResNet-18 at
64 px (docs/synfer.md §5.1); the fast plan's FLOPs are within the 15-minute budget at
50 img/s; measured, on one CPU thread (the configs' ``env_cfg.num_threads``), it took 10.5
minutes on a machine throttled to 47 img/s and 5.0 on one at 176 img/s (docs/synfer.md
§5.2). At the start the demo times a few training iterations of the source model and prints
the estimated time of its plan, then the remaining time after each stage.

``--methods`` picks the rows (default: all); ``--epochs N`` shortens every
training run (a smoke test, not the benchmark).
"""
import argparse
import json
import math
import os
import os.path as osp
import time

from basicda.fileio import atomic_write_text

from . import repo_path

#: ``ferda demo --full``: the 64 px configs the README's method sections measured
FULL_CONFIGS = dict(
    source=repo_path('configs', 'source_only',
                     'source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py'),
    clup=repo_path('configs', 'clup', 'clup_resnet18_1xb32-source-init-30e_synfer-lab-to-wild.py'),
    eercl=repo_path('configs', 'eercl',
                    'eercl_resnet18-linear-wn_1xb16-200it_synfer-lab-to-wild.py'))
#: ``ferda demo --fast``: the full demo's recipes on a slim ResNet (one block per stage, half
#: the widths), evaluated at fewer points
FAST_CONFIGS = dict(
    source=repo_path('configs', 'demo',
                     'source-only_resnet10-half_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py'),
    clup=repo_path('configs', 'demo',
                   'clup_resnet10-half_1xb32-source-init-20e_synfer-lab-to-wild.py'),
    eercl=repo_path('configs', 'demo',
                    'eercl_resnet10-half-linear-wn_1xb16-200it_synfer-lab-to-wild.py'))
DEMO_CONFIG = FULL_CONFIGS['source']
CLUP_CONFIG = FULL_CONFIGS['clup']
CLUP_SWAV_CONFIG = repo_path('configs', 'clup',
                             'clup_resnet18_1xb32-swav-30e_synfer-lab-to-wild.py')
EERCL_CONFIG = FULL_CONFIGS['eercl']
METHODS = ('adabn', 'clup', 'eercl', 'clup-swav')
DEFAULT_METHODS = ('adabn', 'clup', 'eercl')
UPPER_CONFIG = repo_path('configs', 'demo',
                         'target-trained_resnet18_1xb64-scratch-60e_synfer-wild.py')
# the data_root of the demo configs: they read SYNFER_ROOT from the environment (docs/synfer.md §2)
SYNFER_ROOT = os.environ.get('SYNFER_ROOT', 'data/synfer')
# files of the current layout; a folder generated before split names lost their seed lacks them
SYNFER_FILES = ('lab/basic/splits/val.txt', 'wild/splits/expw.csv', 'lowres/fer2013.csv')
TARGETS = ('lab_test', 'wild_test', 'lowres_test')
#: images per split of every SynFER domain (``ferda synth``'s defaults: 270 / 30 / 100 per class)
SYNFER_SPLITS = dict(train=1890, val=210, test=700)
#: the fast demo's plan must stay under this many images of 64 px training cost
#: (15 minutes at 50 img/s are 45,000; the rest is start-up, caching and loading)
BUDGET_64PX_IMAGES = 35_000


def _input_size(cfg) -> int:
    """The side of the images ``cfg``'s test loader feeds the network (its last resize)."""
    size = cfg.test_dataloader.dataset.pipeline[-1]['size']
    return int(size[0] if isinstance(size, (tuple, list)) else size)


def _backbone_cfg(cfg) -> dict:
    """The backbone config of a demo stage's model (a classifier's ``backbone``; EERCL's
    ``classifier.backbone``)."""
    model = cfg.model
    return dict(model['backbone'] if 'backbone' in model else model['classifier']['backbone'])


_COST_CACHE: dict = {}


def forward_flops(backbone_cfg: dict, size: int) -> int:
    """FLOPs (multiply and add counted apart) of one forward pass of the backbone built
    from ``backbone_cfg`` on one ``size`` x ``size`` image, counted by PyTorch's
    ``FlopCounterMode`` (convolutions and matrix products), random init, no weights read."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from ferda.registry import MODELS

    key = (repr(sorted(backbone_cfg.items())), int(size))
    if key not in _COST_CACHE:
        cfg = {k: v for k, v in backbone_cfg.items() if k != 'checkpoint'}
        net = MODELS.build(dict(cfg, pretrained=False)).eval()
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            net(torch.zeros(1, 3, int(size), int(size)))
        _COST_CACHE[key] = int(counter.get_total_flops())
    return _COST_CACHE[key]


#: the unit of a demo plan: ResNet-18 (timm, default stem) at 64 px, the network and size
#: ``ferda bench`` times the bare loop with
REFERENCE_BACKBONE = dict(type='TimmBackbone', name='resnet18')


def step_cost(backbone_cfg: dict, size: int) -> float:
    """Cost of one image through ``backbone_cfg`` at ``size`` px in images of the unit
    (ResNet-18 at 64 px): the ratio of forward FLOPs. 1.0 for the full demo's network; a
    slim network runs further from its FLOP count on a CPU than ResNet-18 does (small
    convolutions), so the demo's printed estimate comes from a measured speed instead."""
    return forward_flops(backbone_cfg, size) / forward_flops(REFERENCE_BACKBONE, 64)


def _epoch_evals(max_epochs: int, val_begin: int, val_interval: int) -> int:
    """Evaluation points of an epoch-based run (mmengine's rule: epoch >= val_begin and
    epoch % val_interval == 0, or the last epoch)."""
    return sum(1 for e in range(1, max_epochs + 1)
               if e >= val_begin and (e % val_interval == 0 or e == max_epochs))


def _epoch_run(cfg, n_train: int, eval_images: int, epochs=None, every_epoch=False) -> dict:
    """Images of an epoch-based training run: training, its evaluations (every epoch with
    ``every_epoch``) and the final test."""
    e = epochs or cfg.train_cfg.max_epochs
    bs = cfg.train_dataloader.batch_size
    per_epoch = n_train // bs * bs if cfg.train_dataloader.get('drop_last') else n_train
    begin, interval = (1, 1) if every_epoch else (cfg.train_cfg.get('val_begin', 1),
                                                  cfg.train_cfg.val_interval)
    evals = _epoch_evals(e, begin, interval)
    return dict(train=e * per_epoch, eval=(evals + 1) * eval_images)


def demo_plan(configs: dict, methods=DEFAULT_METHODS, epochs=None) -> list:
    """The images every stage of a demo processes, from its configs.

    Args:
        configs: ``FAST_CONFIGS`` or ``FULL_CONFIGS`` (``source``, ``clup``, ``eercl``).
        methods: the rows besides source-only (``adabn``, ``clup``, ``eercl``).
        epochs: ``--epochs`` (the smoke override), or None.

    Returns:
        list of dict: ``stage``, ``size`` (input side in px), ``cost`` (one image through
        the stage's network in images of ResNet-18 at 64 px, :func:`step_cost`), ``train``
        and ``eval`` images (every forward of the network outside training counts as eval:
        evaluation points, the final test, AdaBN's statistics, CluP's teacher pass, EERCL's
        bank refreshes).
    """
    from mmengine.config import Config

    n, v, t = SYNFER_SPLITS['train'], SYNFER_SPLITS['val'], SYNFER_SPLITS['test']
    src = Config.fromfile(configs['source'])

    def where(cfg) -> dict:
        size = _input_size(cfg)
        return dict(size=size, cost=step_cost(_backbone_cfg(cfg), size))

    plan = [dict(stage='source-only', **where(src),
                 **_epoch_run(src, n, v + 3 * t, epochs, every_epoch=bool(epochs)))]
    if 'adabn' in methods:  # wild and lowres: statistics on train (batch 128, drop_last), test
        plan.append(dict(stage='AdaBN', **where(src), train=0, eval=2 * (n // 128 * 128 + t)))
    if 'clup' in methods:
        cfg = Config.fromfile(configs['clup'])
        selected = math.ceil(0.3 * n)  # the purest r = 30 % of wild train
        row = _epoch_run(cfg, selected, t, epochs)
        row['eval'] += n  # the teacher's pass over wild train
        plan.append(dict(stage='CluP', **where(cfg), **row))
    if 'eercl' in methods:
        cfg = Config.fromfile(configs['eercl'])
        iters = 4 * epochs if epochs else cfg.train_cfg.max_iters
        val_interval = 2 * epochs if epochs else cfg.train_cfg.val_interval
        bs = cfg.train_dataloader.batch_size
        refresh = next(h['interval'] for h in cfg.custom_hooks
                       if h['type'] == 'BankRefreshHook')
        # three views through the student, the weak view through the teacher
        plan.append(dict(stage='EERCL', **where(cfg), train=iters * 3 * bs,
                         eval=iters * bs + math.ceil(iters / refresh) * n
                         + (iters // val_interval + 1) * 2 * t))
    return plan


def plan_cost(plan: list) -> float:
    """Images of *training* cost of ResNet-18 at 64 px: each row's images times its
    ``cost`` (forward FLOPs relative to that network, :func:`step_cost`); a forward without
    backward costs about a third of a training step (counted as a half here, to be safe:
    loading, resizing and metrics are not free)."""
    return sum((row['train'] + row['eval'] / 2) * row['cost'] for row in plan)


def measure_speed(config: str, iters: int = 4, warmup: int = 1) -> float:
    """Training images/s of ``config``'s model on random images of its input size, timed
    over ``iters`` iterations of its batch size after ``warmup`` (a bare PyTorch loop, as
    ``ferda bench`` measures), in the plan's unit (x :func:`step_cost`), so that a plan's
    :func:`plan_cost` over it is the plan's time at this machine's speed. Timed with the
    config's ``env_cfg.num_threads`` CPU threads when it sets them (as its run will be)."""
    import copy

    import torch
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from torch.utils.data import DataLoader

    import basicda.engine  # noqa: F401
    from ferda.registry import MODELS

    from .bench import _bare_loop, _FixedBatches

    init_default_scope('ferda')
    cfg = Config.fromfile(config)
    bs, size = cfg.train_dataloader.batch_size, _input_size(cfg)
    g = torch.Generator().manual_seed(0)
    n = bs * (iters + warmup)
    images = torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, cfg.model.num_classes, (n, ), generator=g)
    loader = DataLoader(_FixedBatches(images, labels), batch_size=bs, drop_last=True)
    model = MODELS.build(copy.deepcopy(cfg.model))
    optimizer = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper)).optimizer
    threads, before = cfg.get('env_cfg', {}).get('num_threads'), torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        _bare_loop(model, loader, optimizer, warmup)
        speed = _bare_loop(model, loader, optimizer, iters)
    finally:
        torch.set_num_threads(before)
    return speed * step_cost(_backbone_cfg(cfg), size)


#: the fast demo's wall time over its plan's time at :func:`measure_speed`'s speed, as
#: measured (docs/synfer.md §5.2): 1.22-1.29 on an idle 2-core machine and 1.51 under a
#: 0.58-core CPU quota; the larger, so that the estimate errs long. The timed iterations (random
#: images, a bare loop) leave out data loading and augmentation, evaluation and every
#: stage's start-up. (Not measured for ``--full``.)
PLAN_OVERHEAD = 1.5


def start_estimate(plan_images: float, speed: float) -> float:
    """Seconds a demo plan of ``plan_images`` (:func:`plan_cost`) should take at ``speed``
    (:func:`measure_speed`, img/s): ``plan_images / speed * PLAN_OVERHEAD``."""
    return plan_images / speed * PLAN_OVERHEAD


class _Clock:
    """Remaining-time estimates of a demo plan: at first from a measured speed
    (:func:`start_estimate`), then from the stages done so far (their wall time over their
    planned images)."""

    def __init__(self, plan: list, speed: float) -> None:
        self.cost = {row['stage']: plan_cost([row]) for row in plan}
        self.total = sum(self.cost.values())
        self.speed, self.done, self.start = speed, 0.0, time.perf_counter()
        print(f'[ferda demo] plan: {self.total:,.0f} images of 64 px training cost '
              f'({", ".join(f"{k} {v:,.0f}" for k, v in self.cost.items())}); measured '
              f'{speed:.1f} img/s -> about {start_estimate(self.total, speed) / 60:.0f} min')

    def stage_done(self, stage: str) -> None:
        self.done += self.cost.get(stage, 0.0)
        elapsed = time.perf_counter() - self.start
        left = (self.total - self.done) * elapsed / max(self.done, 1e-9)
        print(f'[ferda demo] {stage} done: {elapsed / 60:.1f} min so far, about '
              f'{left / 60:.1f} min left')


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
    plan = p.add_mutually_exclusive_group()
    plan.add_argument('--fast', dest='fast', action='store_true',
                      help='the default: the configs of configs/demo/, the full recipes on a slim '
                      'ResNet (10.5 minutes measured at 47 img/s, docs/synfer.md §5.2)')
    plan.add_argument('--full', dest='fast', action='store_false',
                      help='the ResNet-18 configs the README measured (about an hour at '
                      '50 img/s); needed for --methods clup-swav')
    p.set_defaults(fast=True)
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


def _clup(work_dir: str, source_dir: str, epochs=None, swav: bool = False,
          config: str = CLUP_CONFIG) -> dict:
    flags, options = [], {}
    if epochs:
        flags = ['--cfg-options', f'train_cfg.max_epochs={epochs}',
                 f'param_scheduler.0.T_max={epochs}']
        if swav:
            options = dict(swav={'train_cfg.max_epochs': epochs,
                                 'param_scheduler.0.T_max': epochs})
    exp, config = ('clup_swav', CLUP_SWAV_CONFIG) if swav else ('clup', config)
    return _pipeline_row(exp, config, work_dir, dict(source=source_dir), flags, options)


def _eercl(work_dir: str, source_dir: str, epochs=None, config: str = EERCL_CONFIG) -> dict:
    flags = []
    if epochs:  # a smoke test: a few iterations, one refresh, two evaluations
        flags = ['--cfg-options', f'train_cfg.max_iters={4 * epochs}',
                 f'train_cfg.val_interval={2 * epochs}',
                 f'default_hooks.checkpoint.interval={2 * epochs}']
    return _pipeline_row('eercl', config, work_dir, dict(source=source_dir), flags, {})


def main(argv=None) -> dict:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 2:
        parser.error(f'--epochs must be >= 2 (1 warm-up epoch + cosine), got {args.epochs}')
    methods = [m for m in args.methods.split(',') if m]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f'--methods: unknown {unknown}; choose from {METHODS}')
    if args.fast and 'clup-swav' in methods:
        parser.error('--methods clup-swav runs the ResNet-18 SwAV configs, whose pseudo-labels '
                     'need the ResNet-18 source model of --full; the fast demo trains a slim '
                     'network. Use --full with clup-swav.')
    ensure_synfer(SYNFER_ROOT)
    extra = []
    if args.epochs:  # warm-up (at most 3 epochs), then a cosine schedule ending with the run;
        # every epoch evaluated (the fast config's first evaluation may lie past the end)
        warmup = min(3, args.epochs - 1)
        extra = ['--cfg-options', f'train_cfg.max_epochs={args.epochs}',
                 'train_cfg.val_begin=1', 'train_cfg.val_interval=1',
                 f'param_scheduler.0.end={warmup}', f'param_scheduler.1.begin={warmup}',
                 f'param_scheduler.1.end={args.epochs}',
                 f'param_scheduler.1.T_max={args.epochs - warmup}']
    os.makedirs(args.work_dir, exist_ok=True)
    configs = FAST_CONFIGS if args.fast else FULL_CONFIGS
    clock = _Clock(demo_plan(configs, methods, args.epochs), measure_speed(configs['source']))
    runs = {}
    print('[ferda demo] source-only on lab')
    runs['source-only'] = _train(configs['source'], osp.join(args.work_dir, 'source_only'),
                                 extra)
    clock.stage_done('source-only')
    if 'adabn' in methods:
        print('[ferda demo] AdaBN from the source checkpoint')
        from .adabn import main as adabn_main
        runs['AdaBN (source-free)'] = adabn_main(
            [configs['source'], runs['source-only']['checkpoint'], '--work-dir',
             osp.join(args.work_dir, 'adabn')])
        clock.stage_done('AdaBN')
    if 'clup' in methods:
        print('[ferda demo] CluP on lab -> wild (pseudo-labels, source-initialised student)')
        runs['CluP, source-init student (source-free, last epoch)'] = _clup(
            args.work_dir, osp.join(args.work_dir, 'source_only'), args.epochs,
            config=configs['clup'])
        clock.stage_done('CluP')
    if 'clup-swav' in methods:
        print('[ferda demo] CluP on lab -> wild (SwAV, pseudo-labels, SwAV-initialised student)')
        runs['CluP, SwAV-init student (source-free, last epoch)'] = _clup(
            args.work_dir, osp.join(args.work_dir, 'source_only'), args.epochs, swav=True)
    if 'eercl' in methods:
        print('[ferda demo] EERCL on lab -> wild (AaD + class-relationship contrast)')
        runs['EERCL (source-free, last iteration)'] = _eercl(
            args.work_dir, osp.join(args.work_dir, 'source_only'), args.epochs,
            config=configs['eercl'])
        clock.stage_done('EERCL')
    if args.upper_bound:
        print('[ferda demo] target-trained upper bound on wild (uses target labels)')
        runs['target-trained (upper bound)'] = _train(
            UPPER_CONFIG, osp.join(args.work_dir, 'target_trained'), extra)
    rows = results_rows(runs)
    table = write_table(rows, osp.join(args.work_dir, 'results.md'))
    write_chart(rows, osp.join(args.work_dir, 'results.png'))
    print(table)
    print(f'[ferda demo] wrote {args.work_dir}/results.md and results.png '
          f'({(time.perf_counter() - clock.start) / 60:.1f} min)')
    return runs
