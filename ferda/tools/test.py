"""``ferda test CONFIG CHECKPOINT [--data NAME ...]``: evaluate a checkpoint on the
config's evaluation datasets and write a table (markdown) next to ``results.json``."""
import argparse
import json
import os.path as osp

from mmengine.config import Config, DictAction

from basicda.fileio import atomic_write_text

TABLE_METRICS = ('accuracy', 'mca', 'macro_f1')


def metrics_table(grouped: dict, metric_names=TABLE_METRICS) -> str:
    """Markdown table: one row per dataset, columns OA / MCA / macro-F1 in %."""
    header = '| dataset | ' + ' | '.join(metric_names) + ' |'
    lines = [header, '|' + '---|' * (len(metric_names) + 1)]
    for dataset, values in grouped.items():
        cells = [f'{100 * values[m]:.2f}' if m in values else '-' for m in metric_names]
        lines.append(f'| {dataset} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


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


def main(argv=None) -> dict:
    args = build_parser().parse_args(argv)
    import basicda.engine  # noqa: F401
    from basicda.engine import ddp_wrapper_cfg, init_distributed
    from mmengine.dist import get_rank

    from .train import build_runner

    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'ferda test: checkpoint {args.checkpoint} does not exist')
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    if cfg.get('test_cfg') is None:
        raise SystemExit(f'ferda test: {args.config} has no test_cfg')
    cfg.test_cfg.checkpoint = 'current'
    if args.data:
        select_datasets(cfg, args.data)
    cfg.work_dir = args.work_dir or osp.join(
        'runs', 'test_' + osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    cfg.resume = False
    cfg.launcher = args.launcher
    if args.launcher != 'none':
        cfg.model_wrapper_cfg = ddp_wrapper_cfg(cfg.get('model_wrapper_cfg'))
    init_distributed(args.launcher)
    runner = build_runner(cfg)
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
