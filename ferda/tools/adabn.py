"""``ferda adabn CONFIG CHECKPOINT [--targets wild lowres]``: the AdaBN baseline.

For each target domain T the config evaluates as ``T_test``, a copy of the source
model gets its BatchNorm statistics re-estimated on T's *train* split (images
only, no labels, the test pipeline) and is evaluated on ``T_test``. Writes
``results.json`` (same layout as a training run) and ``results.md``.
"""
import argparse
import copy
import os
import os.path as osp

import torch
from mmengine.config import Config

from basicda.fileio import atomic_write_json, atomic_write_text


def _target_loaders(cfg: Config, targets):
    """``{name: (adapt loader cfg, test loader cfg)}`` for ``<target>_test`` datasets."""
    extra = cfg.test_cfg.get('extra_dataloaders') or {}
    names = targets or [n[:-len('_test')] for n in extra if n.endswith('_test')]
    loaders = {}
    for t in names:
        key = f'{t}_test'
        if key not in extra:
            raise SystemExit(f'ferda adabn: the config has no {key!r}; evaluation datasets: '
                             f'{sorted(extra)}')
        test_cfg = copy.deepcopy(extra[key])
        adapt_cfg = copy.deepcopy(test_cfg)
        adapt_cfg.dataset.reader.split = 'train'
        adapt_cfg.sampler = dict(type='DefaultSampler', shuffle=True)
        # BN in train mode cannot take a batch of one; a short last batch is dropped
        adapt_cfg.drop_last = True
        loaders[key] = (adapt_cfg, test_cfg)
    return loaders


@torch.no_grad()
def _evaluate(model, loader, metric) -> dict:
    model.eval()
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        metric.process(batch, model(**data, mode='predict'))
    metrics = metric.compute_metrics(metric.results)
    metric.results.clear()
    return metrics


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='ferda adabn', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('config')
    p.add_argument('checkpoint', help='the source model (e.g. its best_*.pth)')
    p.add_argument('--targets', nargs='+', help='target domains (default: every <T>_test '
                   'dataset of the config except the source)')
    p.add_argument('--work-dir', help='output folder (default runs/adabn_<config name>)')
    return p


def main(argv=None) -> dict:
    args = build_parser().parse_args(argv)
    import basicda.engine  # noqa: F401
    import ferda.datasets  # noqa: F401
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    from basicda.engine.checkpoint import safe_load
    from basicda.models import adapt_bn_statistics, check_arch_meta
    from ferda.registry import DATASETS, METRICS, MODELS
    from .test import metrics_table

    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'ferda'))
    source = cfg.val_evaluator.prefix.split('_')[0]
    targets = args.targets or None
    loaders = _target_loaders(cfg, targets)
    if not targets:
        loaders = {k: v for k, v in loaders.items() if not k.startswith(source + '_')}
    checkpoint = safe_load(args.checkpoint)
    source_model = MODELS.build(cfg.model)
    arch = checkpoint.get('meta', {}).get('arch')
    if arch is not None:
        check_arch_meta(source_model.arch_meta, arch)
    source_model.load_state_dict(checkpoint['state_dict'])

    results = {}
    for name, (adapt_cfg, test_cfg) in loaders.items():
        model = copy.deepcopy(source_model)
        dataset = DATASETS.build(adapt_cfg.dataset)
        adapt_cfg.dataset = dataset
        adapt_cfg.batch_size = min(adapt_cfg.batch_size, len(dataset))
        adapt = Runner.build_dataloader(adapt_cfg, seed=0)
        adapt_bn_statistics(model, adapt,
                            lambda m, b: m(**m.data_preprocessor(b, False), mode='tensor'))
        metric = METRICS.build(dict(cfg.test_evaluator, prefix=None))
        metric.dataset_meta = adapt.dataset.metainfo
        results[name] = _evaluate(model, Runner.build_dataloader(test_cfg, seed=0), metric)
        print(f'[ferda adabn] {name}: accuracy {100 * results[name]["accuracy"]:.2f} %')

    work_dir = args.work_dir or osp.join(
        'runs', 'adabn_' + osp.splitext(osp.basename(args.config))[0])
    os.makedirs(work_dir, exist_ok=True)
    out = dict(checkpoint=args.checkpoint,
               selection='source checkpoint; BN statistics re-estimated on each target '
               'train split (no labels)', metrics=results, oracle={})
    atomic_write_json(out, osp.join(work_dir, 'results.json'), indent=1)
    atomic_write_text(f'AdaBN from `{args.checkpoint}`\n\n' + metrics_table(results),
                      osp.join(work_dir, 'results.md'))
    return out
