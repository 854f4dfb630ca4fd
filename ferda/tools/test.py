"""``ferda test CONFIG CHECKPOINT [--data NAME ...]``: evaluate a checkpoint on the
config's evaluation datasets and write a table (markdown) next to ``results.json``.

The checkpoint must fit the config's model exactly: a missing, unexpected or mis-shaped key
is an error that lists them (``--non-strict`` loads the matching keys anyway, with a warning).
``results.json`` names the checkpoint; it holds no oracle (that is a training run's record of
its evaluation points, not a property of one checkpoint). Nothing of the training split is read.
"""
import argparse
import json
import os.path as osp
from typing import Any, Mapping

from mmengine.config import Config, DictAction

from basicda.fileio import atomic_write_text
from basicda.evaluation.log_processor import metrics_table  # noqa: F401  (ferda adabn uses it)
# Parts of a config that only training reads; a test run drops them so the training split
# is never built (mmengine builds the train loop when a hook asks for ``runner.iter``).
TRAIN_ONLY_KEYS = ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler')
# Hooks that carry a training run's record into the checkpoint and back out of it.
TRAIN_RECORD_HOOKS = ('OracleTracker', 'LabelFreeSelectionHook')
MAX_LISTED = 20


def state_dict_mismatch(expected: Mapping[str, tuple], found: Mapping[str, Any]) -> dict:
    """Which keys of a checkpoint's ``state_dict`` do not fit a model.

    Args:
        expected: ``{key: shape tuple}`` of the model's ``state_dict()``.
        found: the checkpoint's ``state_dict`` (``{key: tensor}``; anything else is mis-shaped).

    Returns:
        ``dict(missing=[key], unexpected=[key], mismatched=[(key, model shape, found)])``,
        sorted by key; ``found`` is a shape tuple or the type name of a non-tensor. BatchNorm's
        ``num_batches_tracked`` counters are never reported missing (as in mmengine).

    Example:
        >>> import torch
        >>> found = {'w': torch.zeros(8, 4), 'x': torch.zeros(1)}
        >>> state_dict_mismatch({'w': (7, 4), 'b': (7,)}, found)
        {'missing': ['b'], 'unexpected': ['x'], 'mismatched': [('w', (7, 4), (8, 4))]}
    """
    missing = sorted(k for k in expected
                     if k not in found and not k.endswith('num_batches_tracked'))
    unexpected = sorted(k for k in found if k not in expected)
    mismatched = []
    for key in sorted(k for k in found if k in expected):
        shape = getattr(found[key], 'shape', None)
        if shape is None:
            mismatched.append((key, tuple(expected[key]), type(found[key]).__name__))
        elif tuple(shape) != tuple(expected[key]):
            mismatched.append((key, tuple(expected[key]), tuple(shape)))
    return dict(missing=missing, unexpected=unexpected, mismatched=mismatched)


def format_mismatch(mismatch: dict) -> str:
    """The lines of :func:`state_dict_mismatch`'s result, at most ``MAX_LISTED`` keys each."""
    def listed(items) -> str:
        more = len(items) - MAX_LISTED
        return ', '.join(items[:MAX_LISTED]) + (f' ... and {more} more' if more > 0 else '')

    lines = []
    if mismatch['missing']:
        lines.append(f'  missing from the checkpoint ({len(mismatch["missing"])}): '
                     + listed(mismatch['missing']))
    if mismatch['unexpected']:
        lines.append(f'  unexpected in the checkpoint ({len(mismatch["unexpected"])}): '
                     + listed(mismatch['unexpected']))
    if mismatch['mismatched']:
        lines.append(f'  mis-shaped ({len(mismatch["mismatched"])}): ' + listed(
            [f'{k} (model {m}, checkpoint {c})' for k, m, c in mismatch['mismatched']]))
    return '\n'.join(lines)


def read_state_dict(path: str) -> dict:
    """The ``state_dict`` of a checkpoint file (mmengine's or a plain one), with the DDP
    ``module.`` prefix removed as mmengine does. Raises ``SystemExit`` naming the file when it
    cannot be read or holds no dict."""
    from basicda.engine.checkpoint import safe_load

    try:
        checkpoint = safe_load(path, map_location='cpu')
    except Exception as err:  # zip/pickle errors, a refused type: say which file
        raise SystemExit(f'ferda test: cannot read checkpoint {path}: '
                         f'{type(err).__name__}: {err}') from None
    if not isinstance(checkpoint, Mapping):
        raise SystemExit(f'ferda test: {path} holds a {type(checkpoint).__name__}, not a '
                         'checkpoint (a dict with a state_dict, or a state_dict)')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, Mapping):
        raise SystemExit(f'ferda test: the state_dict of {path} is a '
                         f'{type(state_dict).__name__}, not a dict')
    return {(k[len('module.'):] if k.startswith('module.') else k): v
            for k, v in state_dict.items()}


def check_checkpoint_fits(model, path: str, config: str, strict: bool = True) -> dict:
    """Compare ``path``'s weights with ``model``; raise ``SystemExit`` listing the keys that
    do not fit, or with ``strict=False`` log them as a warning. Returns the mismatch."""
    import logging

    from mmengine.logging import print_log
    from mmengine.model import is_model_wrapper

    module = model.module if is_model_wrapper(model) else model
    expected = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    mismatch = state_dict_mismatch(expected, read_state_dict(path))
    if any(mismatch.values()):
        details = format_mismatch(mismatch)
        if strict:
            raise SystemExit(f'ferda test: checkpoint {path} does not fit the model of {config}; '
                             'pass --non-strict to load only the keys that fit\n' + details)
        print_log(f'--non-strict: checkpoint {path} does not fit the model of {config}; only the '
                  'keys that fit are loaded, the rest keep their initial values\n' + details,
                  logger='current', level=logging.WARNING)
    return mismatch


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='ferda test', description=__doc__)
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--data', nargs='+', metavar='NAME',
                   help='evaluate only these datasets (names as in the config, e.g. '
                   'lab_test wild_test); default: all')
    p.add_argument('--work-dir', help='output folder (default: runs/test_<config name>)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    p.add_argument('--launcher', choices=('none', 'pytorch', 'slurm'), default='none',
                   help="'pytorch' under torchrun: evaluation is split over the processes")
    p.add_argument('--non-strict', action='store_true',
                   help='load a checkpoint that does not fit the model (missing, unexpected or '
                   'mis-shaped keys are then only a warning)')
    return p


def select_datasets(cfg: Config, names) -> None:
    """Keep only the named datasets in ``cfg.test_cfg`` (the main one included)."""
    main = cfg.test_evaluator.get('prefix')
    extra = dict(cfg.test_cfg.get('extra_dataloaders') or {})
    known = [main] + list(extra)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f'ferda test: --data {unknown} not in the config; known: {known}')
    kept = {n: v for n, v in extra.items() if n in names}
    if main not in names:
        # the first requested extra dataset becomes the main one
        first = next(iter(kept))
        cfg.test_dataloader = kept.pop(first)
        cfg.test_evaluator = dict(cfg.test_evaluator, prefix=first)
    cfg.test_cfg.extra_dataloaders = kept


def _type_name(kind) -> str:
    return kind if isinstance(kind, str) else getattr(kind, '__name__', str(kind))


def main(argv=None) -> dict:
    args = build_parser().parse_args(argv)
    import basicda.engine  # noqa: F401
    from basicda.engine import ddp_wrapper_cfg, init_distributed
    from basicda.engine.config_check import prepare_config
    from mmengine.dist import get_rank

    from .train import build_runner

    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'ferda test: checkpoint {args.checkpoint} does not exist')
    cfg = Config.fromfile(args.config)
    prepare_config(cfg, args.cfg_options)  # no unread key, no `_` helper in the run
    cfg.merge_from_dict(args.cfg_options)
    if cfg.get('test_cfg') is None:
        raise SystemExit(f'ferda test: {args.config} has no test_cfg')
    # The test loop loads the file (after the check below) and records its path.
    cfg.test_cfg.checkpoint = args.checkpoint
    if args.data:
        select_datasets(cfg, args.data)
    cfg.work_dir = args.work_dir or osp.join(
        'runs', 'test_' + osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = None
    cfg.resume = False
    for key in TRAIN_ONLY_KEYS:
        cfg[key] = None
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks') or []
                        if _type_name(h.get('type')) not in TRAIN_RECORD_HOOKS]
    cfg.launcher = args.launcher
    if args.launcher != 'none':
        cfg.model_wrapper_cfg = ddp_wrapper_cfg(cfg.get('model_wrapper_cfg'))
    init_distributed(args.launcher)
    runner = build_runner(cfg)
    check_checkpoint_fits(runner.model, args.checkpoint, args.config, strict=not args.non_strict)
    runner.test()
    if get_rank() != 0:
        return {}
    with open(osp.join(cfg.work_dir, 'results.json')) as f:
        results = json.load(f)
    table = metrics_table(results['metrics'])
    atomic_write_text(f'Checkpoint: `{args.checkpoint}`\n\n' + table,
                      osp.join(cfg.work_dir, 'results.md'))
    print(table)
    return results
