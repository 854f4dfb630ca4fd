"""``ferda occlusion CONFIG CHECKPOINT [--shapes ..] [--colours ..] [--data ..] [--out DIR]``:
the lower-face occlusion robustness grid (``docs/ldl.md`` §2.10, §7).

Evaluates the checkpoint on the config's test datasets once clean and once per (shape, colour)
with :class:`basicda.datasets.occlusion.LowerFaceOcclusion` appended to every test pipeline
(after the resize, before the model's normalisation), and writes ``occlusion.csv``: one row per
(shape, colour, dataset) -- the clean pass is shape ``none``, colour ``none`` -- with columns
``shape,colour,dataset,accuracy,mca,macro_f1,n``, into ``--out`` (default: the checkpoint's
folder, i.e. ``runs/EXP/occlusion.csv``). Default grid: every shape x every colour of the spec
(5 x 6). The occluders are painted deterministically per image (seed ``--seed``).
"""
import argparse
import os.path as osp
from typing import Dict, List, Sequence

from mmengine.config import Config

from basicda.datasets.occlusion import (OCCLUSION_COLOURS, OCCLUSION_SHAPES,
                                        LowerFaceOcclusion)
from basicda.fileio import atomic_write_text

__all__ = ['main', 'grid_rows', 'CSV_COLUMNS']

CSV_COLUMNS = ('shape', 'colour', 'dataset', 'accuracy', 'mca', 'macro_f1', 'n')


class _Then:
    """``second(first(img))``: a dataset's pipeline followed by an occluder."""

    def __init__(self, first, second) -> None:
        self.first, self.second = first, second

    def __call__(self, img):
        return self.second(self.first(img))


def grid_rows(shape: str, colour: str, metrics: Dict[str, float],
              sizes: Dict[str, int]) -> List[dict]:
    """The CSV rows of one evaluation: one per dataset of ``sizes`` (``{prefix: n}``), with
    ``metrics[f'{prefix}/accuracy']`` etc.

    Example:
        >>> grid_rows('rect', 'white', {'a/accuracy': 0.5, 'a/mca': 0.4, 'a/macro_f1': 0.3},
        ...           {'a': 10})[0]['accuracy']
        0.5
    """
    rows = []
    for name, n in sizes.items():
        missing = [k for k in ('accuracy', 'mca', 'macro_f1') if f'{name}/{k}' not in metrics]
        if missing:
            raise KeyError(f'ferda occlusion: the evaluation of {name} gave no '
                           f'{", ".join(missing)} (metrics: {sorted(metrics)})')
        rows.append(dict(shape=shape, colour=colour, dataset=name,
                         accuracy=metrics[f'{name}/accuracy'], mca=metrics[f'{name}/mca'],
                         macro_f1=metrics[f'{name}/macro_f1'], n=int(n)))
    return rows


def _csv(rows: Sequence[dict]) -> str:
    lines = [','.join(CSV_COLUMNS)]
    for r in rows:
        lines.append(f'{r["shape"]},{r["colour"]},{r["dataset"]},{r["accuracy"]:.6f},'
                     f'{r["mca"]:.6f},{r["macro_f1"]:.6f},{r["n"]}')
    return '\n'.join(lines) + '\n'


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='ferda occlusion', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--shapes', nargs='+', choices=OCCLUSION_SHAPES, default=OCCLUSION_SHAPES)
    p.add_argument('--colours', nargs='+', choices=tuple(OCCLUSION_COLOURS),
                   default=tuple(OCCLUSION_COLOURS))
    p.add_argument('--data', nargs='+', metavar='NAME',
                   help='evaluate only these test datasets (names as in the config)')
    p.add_argument('--region', nargs=4, type=float, metavar=('L', 'T', 'R', 'B'),
                   help='occluder region in image fractions (default: the aligned-face '
                   'template 0.15 0.55 0.85 1.0)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', help="folder of occlusion.csv (default: the checkpoint's)")
    return p


def main(argv=None) -> List[dict]:
    args = build_parser().parse_args(argv)
    import basicda.engine  # noqa: F401
    from basicda.engine.config_check import prepare_config

    from .test import (TRAIN_ONLY_KEYS, TRAIN_RECORD_HOOKS, _type_name, check_checkpoint_fits,
                       select_datasets)
    from .train import build_runner

    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'ferda occlusion: checkpoint {args.checkpoint} does not exist')
    out = args.out or osp.dirname(osp.abspath(args.checkpoint))
    cfg = Config.fromfile(args.config)
    prepare_config(cfg, {})
    if cfg.get('test_cfg') is None:
        raise SystemExit(f'ferda occlusion: {args.config} has no test_cfg')
    if cfg.test_cfg.get('type') != 'MultiDatasetTestLoop':
        raise SystemExit(f'ferda occlusion: {args.config} has test_cfg type '
                         f'{cfg.test_cfg.get("type")!r}; it needs MultiDatasetTestLoop (it '
                         'loads the checkpoint it is given)')
    cfg.test_cfg.checkpoint = args.checkpoint
    if args.data:
        select_datasets(cfg, args.data)
    cfg.work_dir = osp.join(out, 'occlusion')
    cfg.load_from, cfg.resume, cfg.launcher = None, False, 'none'
    for key in TRAIN_ONLY_KEYS:
        cfg[key] = None
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks') or []
                        if _type_name(h.get('type')) not in TRAIN_RECORD_HOOKS]
    runner = build_runner(cfg)
    check_checkpoint_fits(runner.model, args.checkpoint, args.config)
    clean = runner.test()
    loop = runner.test_loop
    sizes = {name: len(loader.dataset) for name, (loader, _) in loop.datasets.items()}
    originals = {}
    for name, (loader, _) in loop.datasets.items():
        if not hasattr(loader.dataset, 'pipeline'):
            raise SystemExit(f'ferda occlusion: test dataset {name} '
                             f'({type(loader.dataset).__name__}) has no pipeline to occlude')
        originals[name] = loader.dataset.pipeline
    rows = grid_rows('none', 'none', clean, sizes)
    for shape in args.shapes:
        for colour in args.colours:
            occluder = LowerFaceOcclusion(shape, colour, region=args.region, seed=args.seed)
            for name, (loader, _) in loop.datasets.items():
                loader.dataset.pipeline = _Then(originals[name], occluder)
            rows += grid_rows(shape, colour, loop.run(), sizes)
            atomic_write_text(_csv(rows), osp.join(out, 'occlusion.csv'))  # partial progress
    for name, (loader, _) in loop.datasets.items():
        loader.dataset.pipeline = originals[name]
    atomic_write_text(_csv(rows), osp.join(out, 'occlusion.csv'))
    print(_csv(rows), end='')
    return rows
