"""``ferda benchmark CONFIG``: a matrix of methods x transfers x training seeds x SynFER data
seeds, ending with ``ferda results`` (docs/results.md §5).

    ferda benchmark configs/benchmarks/synfer.py [--runs-root DIR] [--dry-run]

The benchmark config (a plain Python config, not a run) names::

    data_seeds = [0, 7, 13]          # SynFER generator seeds: data/synfer, data/synfer-seed7, ...
    seeds = [0]                      # training seeds (train.py --seed) per data seed
    synth = dict(per_class=400, subjects=60)    # generate_synfer sizes of a missing folder
    methods = dict(eercl=dict(wild='configs/eercl/...to-wild.py', lowres='...'), ...)
    flags = []                       # train.py flags of every run (e.g. --cfg-options ...)
    stage_options = {}               # {stage: {key: value}} as ferda pipeline's
    results = dict(group_by='method,source,dataset', metrics='accuracy,mca,macro_f1',
                   selection=True)       # + per_class=True; the final ferda results' options

Each cell runs ``ferda pipeline`` in ``RUNS_ROOT/d<D>/s<S>/<method>_<transfer>`` with
``SYNFER_ROOT`` set to that data seed's folder and ``--seed S``. A pipeline stage without
``needs`` whose config another cell of the same data and training seed already runs (the source
model) is trained once and reused by the others. A finished cell (``DONE``) is reused; an
interrupted one is resumed by the pipeline. The tables and plots go to ``RUNS_ROOT/results``.
"""
import argparse
import os
import os.path as osp
from typing import Callable, Dict, List

from . import repo_path
from .pipeline import DONE, read_stages, run_pipeline

REQUIRED = ('data_seeds', 'seeds', 'methods')


def plan_matrix(bench: dict, stages_of: Callable[[str], List[dict]]) -> List[dict]:
    """The cells of a benchmark in run order, with the stages each reuses.

    Args:
        bench: the benchmark config (``data_seeds``, ``seeds``, ``methods``).
        stages_of: config path -> its validated ``pipeline`` stages.

    Returns:
        one dict per (data seed, seed, method, transfer): ``data_seed``, ``seed``, ``method``,
        ``transfer``, ``config``, ``exp`` (``d<D>/s<S>/<method>_<transfer>``) and ``reuse``
        (``{stage: exp of the earlier cell that runs it}``), in the order data seed, seed,
        method, transfer as the config lists them.

    Example:
        >>> stages = {'a.py': [dict(name='source', config='src.py')],
        ...           'b.py': [dict(name='source', config='src.py')]}
        >>> cells = plan_matrix(dict(data_seeds=[0], seeds=[1],
        ...                          methods=dict(m=dict(wild='a.py', lowres='b.py'))),
        ...                     stages.get)
        >>> [(c['exp'], c['reuse']) for c in cells]
        [('d0/s1/m_wild', {}), ('d0/s1/m_lowres', {'source': 'd0/s1/m_wild'})]
    """
    missing = [k for k in REQUIRED if not bench.get(k)]
    if missing:
        raise ValueError(f'benchmark config: {missing} must be given and non-empty')
    cells = []
    for d in bench['data_seeds']:
        for s in bench['seeds']:
            owners: Dict[tuple, str] = {}
            for method, transfers in bench['methods'].items():
                if not isinstance(transfers, dict) or not transfers:
                    raise ValueError(f'benchmark config: methods.{method} must map transfer '
                                     f'names to configs, got {transfers!r}')
                for transfer, config in transfers.items():
                    exp = f'd{d}/s{s}/{method}_{transfer}'
                    reuse = {}
                    for stage in stages_of(config):
                        if stage.get('needs'):
                            continue  # depends on other stages: not shared
                        key = (stage['name'], stage['config'], repr(stage.get('options')))
                        if key in owners:
                            reuse[stage['name']] = owners[key]
                        else:
                            owners[key] = exp
                    cells.append(dict(data_seed=d, seed=s, method=method, transfer=transfer,
                                      config=config, exp=exp, reuse=reuse))
    return cells


def resolve_config(config: str) -> str:
    """A method config path of a benchmark config: relative to the cwd, else to the repository
    (as ``ferda pipeline`` resolves stage configs)."""
    if osp.isfile(config):
        return osp.abspath(config)
    if not osp.isabs(config) and osp.isfile(repo_path(config)):
        return repo_path(config)
    raise FileNotFoundError(f'benchmark config names {config}, which does not exist (neither '
                            f'in {os.getcwd()} nor in the repository)')


def _real_stages_of(config: str) -> List[dict]:
    """The ``pipeline`` stages of a method config."""
    from mmengine.config import Config
    path = resolve_config(config)
    return read_stages(Config.fromfile(path), path)


_stages_of = _real_stages_of


def ensure_data(data_seed: int, synth: dict) -> str:
    """The SynFER folder of ``data_seed`` (generated if missing): ``data/synfer`` or
    ``data/synfer-seed<D>``."""
    from ferda.datasets.synfer import generate_synfer
    from ferda.datasets.synfer.cli import default_out

    from .demo import SYNFER_FILES
    root = default_out(data_seed)
    if not all(osp.isfile(osp.join(root, f)) for f in SYNFER_FILES):
        print(f'[ferda benchmark] generating SynFER seed {data_seed} into {root}', flush=True)
        generate_synfer(root, domains=('lab', 'wild', 'lowres'), seed=data_seed,
                        progress=False, **dict(synth or {}))
    return root


def run_matrix(bench: dict, runs_root: str, dry_run: bool = False) -> List[str]:
    """Run every cell (skipping finished ones); returns the run folders to table: each
    cell's method run and each shared stage's run."""
    cells = plan_matrix(bench, lambda c: _stages_of(c))
    tabled = []
    for cell in cells:
        main_dir = osp.join(runs_root, cell['exp'])
        tabled.append(main_dir)
        for stage in _stages_of(cell['config']):
            if stage['name'] not in cell['reuse'] and not stage.get('needs'):
                tabled.append(osp.join(main_dir, stage['name']))
        if dry_run:
            print(f'[ferda benchmark] {cell["exp"]}: {cell["config"]} reuse {cell["reuse"]}')
            continue
        if osp.isfile(osp.join(main_dir, DONE)):
            print(f'[ferda benchmark] {cell["exp"]}: finished before, reused', flush=True)
            continue
        os.environ['SYNFER_ROOT'] = ensure_data(cell['data_seed'], bench.get('synth'))
        reuse = {name: osp.join(runs_root, owner, name) for name, owner in cell['reuse'].items()}
        run_pipeline(cell['exp'], resolve_config(cell['config']),
                     flags=['--seed', str(cell['seed'])] + list(bench.get('flags') or []),
                     runs_root=runs_root, reuse=reuse,
                     stage_options=dict(bench.get('stage_options') or {}))
    return tabled


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='ferda benchmark', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('config', help='benchmark config (configs/benchmarks/<name>.py)')
    p.add_argument('--runs-root', help='where the cells run (default: runs/benchmark/<name>)')
    p.add_argument('--dry-run', action='store_true', help='print the cells, run nothing')
    return p


def main(argv=None) -> dict:
    from mmengine.config import Config

    from .results import main as results_main
    parser = build_parser()
    args = parser.parse_args(argv)
    if not osp.isfile(args.config):
        parser.error(f'benchmark config {args.config} does not exist')
    bench = Config.fromfile(args.config).to_dict()
    runs_root = args.runs_root or osp.join(
        'runs', 'benchmark', osp.splitext(osp.basename(args.config))[0])
    try:
        tabled = run_matrix(bench, runs_root, args.dry_run)
    except (ValueError, FileNotFoundError) as err:
        parser.error(str(err))
    if args.dry_run:
        return {}
    res = dict(bench.get('results') or {})
    argv_results = tabled + ['--out', osp.join(runs_root, 'results'), '--format', 'md,csv']
    for key in ('group_by', 'metrics', 'datasets'):
        if res.get(key):
            argv_results += [f'--{key.replace("_", "-")}', str(res[key])]
    for flag in ('per_class', 'selection'):
        if res.get(flag):
            argv_results.append(f'--{flag.replace("_", "-")}')
    return results_main(argv_results)
