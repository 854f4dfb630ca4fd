"""``ferda results RUN_DIR...``: the table of a set of finished runs, from the runs.

    ferda results runs/a runs/b ... [--group-by method,source,dataset]
        [--metrics accuracy,mca,macro_f1] [--datasets wild_test,lowres_test]
        [--format md,csv,tex] [--out DIR] [--per-class] [--selection]

Everything in the table is read from the runs (docs/results.md §2): each run folder's
``results.json`` (the label-free selected checkpoint's metrics, the oracle, the label-free
selectors) and its dumped config (method, backbone, recipe, source and target from the config's
name ``{method}_{backbone}_{gpus}x{batch}-{recipe}_{source}-to-{target}``, the training seed
from ``randomness.seed``, the SynFER generator seed from the ``synfer.json`` beside the data).
Runs are grouped; each cell is the mean +- sample standard deviation over the group's runs with
their number n. Runs that are unfinished, or that disagree on what was evaluated, are refused
with the reason. ``--selection`` adds the model-selection table of the source-free runs
(docs/results.md §4.1).
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np

from basicda.fileio import atomic_write_text

IDENTITY = ('method', 'backbone', 'recipe', 'source', 'target')
GROUP_KEYS = IDENTITY + ('dataset', )
DEFAULT_GROUP_BY = ('method', 'source', 'dataset')
METRICS = ('accuracy', 'mca', 'macro_f1')
FORMATS = ('md', 'csv', 'tex')
SYNFER_MANIFEST = 'synfer.json'
_SCHEDULE = re.compile(r'^(\d+)xb?(\d+)(?:-(.+))?$')


class RunError(ValueError):
    """A run folder that cannot be tabled; the message names the folder and the reason."""


def parse_config_name(name: str) -> Dict[str, str]:
    """Identity of a run from its config's file name (the OpenMMLab rule of DESIGN.md §3).

    ``{method}_{backbone}_{gpus}x{batch}-{recipe}_{data}[_{variant}]`` where ``data`` is
    ``{source}-to-{target}``, or one dataset (source = target). A variant suffix joins the
    recipe.

    Example:
        >>> parse_config_name('eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py')
        {'method': 'eercl', 'backbone': 'resnet18-bottleneck', 'recipe': '200it', \
'source': 'synfer-lab', 'target': 'wild'}
        >>> parse_config_name('swav_resnet18_1xb64-lars-10e_synfer-wild_reference')['recipe']
        'lars-10e_reference'
    """
    stem = osp.splitext(osp.basename(name))[0]
    fields = stem.split('_')
    match = _SCHEDULE.match(fields[2]) if len(fields) >= 4 else None
    if match is None:
        raise ValueError(f'config name {stem!r} does not follow '
                         '{method}_{backbone}_{gpus}x{batch}-{recipe}_{source}-to-{target}')
    recipe = '_'.join([match.group(3) or ''] + fields[4:]).strip('_')
    source, sep, target = fields[3].partition('-to-')
    if not sep:
        source = target = fields[3]
    return dict(method=fields[0], backbone=fields[1], recipe=recipe, source=source,
                target=target)


def _data_roots(node) -> List[str]:
    """Every ``data_root`` string in a (nested) config dict."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'data_root' and isinstance(value, str):
                found.append(value)
            else:
                found += _data_roots(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            found += _data_roots(value)
    return found


def data_seed(cfg: dict, base_dir: str = '.') -> Optional[int]:
    """The SynFER generator seed of the data a config reads (``synfer.json`` in each
    ``data_root``), or None when no data root holds a manifest.

    Raises:
        ValueError: two data roots of the config were generated with different seeds.
    """
    seeds = {}
    for root in _data_roots(cfg):
        path = osp.join(base_dir, root, SYNFER_MANIFEST)
        if osp.isfile(path):
            with open(path, encoding='utf-8') as f:
                seeds[root] = json.load(f)['seed']
    if len(set(seeds.values())) > 1:
        raise ValueError(f'the config reads SynFER data of several generator seeds: {seeds}')
    return next(iter(seeds.values()), None)


def find_config(run_dir: str) -> str:
    """The config mmengine dumped into ``run_dir`` (the one ``*.py`` file there)."""
    found = sorted(glob.glob(osp.join(run_dir, '*.py')))
    if len(found) != 1:
        raise RunError(f'{run_dir}: expected the one dumped config (*.py), found '
                       f'{[osp.basename(p) for p in found] or "none"}')
    return found[0]


def read_run(run_dir: str, base_dir: str = '.') -> dict:
    """A finished run: ``dict(run, config, identity..., seed, data_seed, results)``.

    Raises:
        RunError: no ``results.json`` (the run has not finished its final test), a
            ``results.json`` older than the run's last checkpoint (resumed and not finished
            again), no dumped config, or a config name outside the naming rule.
    """
    from mmengine.config import Config

    results_file = osp.join(run_dir, 'results.json')
    if not osp.isdir(run_dir):
        raise RunError(f'{run_dir}: not a folder')
    if not osp.isfile(results_file):
        raise RunError(f'{run_dir}: incomplete run, no results.json (training or its final '
                       'test did not finish)')
    pointer = osp.join(run_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as f:
            last = f.read().strip()
        last = last if osp.isabs(last) else osp.join(run_dir, osp.basename(last))
        if osp.isfile(last) and osp.getmtime(last) > osp.getmtime(results_file):
            raise RunError(f'{run_dir}: incomplete run, {osp.basename(last)} is newer than '
                           'results.json (resumed and not finished)')
    config = find_config(run_dir)
    with open(results_file, encoding='utf-8') as f:
        results = json.load(f)
    if not results.get('metrics'):
        raise RunError(f'{results_file}: no metrics')
    try:
        identity = parse_config_name(config)
    except ValueError as err:
        raise RunError(f'{run_dir}: {err}') from None
    cfg = Config.fromfile(config).to_dict()
    seed = (cfg.get('randomness') or {}).get('seed')
    try:
        dseed = data_seed(cfg, base_dir)
    except ValueError as err:
        raise RunError(f'{run_dir}: {err}') from None
    return dict(run=run_dir, config=config, seed=seed, data_seed=dseed, results=results,
                **identity)


def run_records(run: dict, datasets: Optional[Sequence[str]] = None) -> List[dict]:
    """One record per evaluated dataset of a run (of ``datasets``, those it has): identity, ``dataset``, ``metrics`` (the
    label-free selected checkpoint), ``oracle`` and ``selectors`` (``{name: metrics}``) of that
    dataset, ``support`` (test images per class, the confusion matrix's row sums)."""
    res = run['results']
    # a run tables the asked datasets it evaluated (a lab -> wild run has no lowres_test)
    names = [d for d in datasets if d in res['metrics']] if datasets else sorted(res['metrics'])
    if not names:
        raise RunError(f'{run["run"]}: results.json has none of the datasets {list(datasets)}; '
                       f'it has {sorted(res["metrics"])}')
    records = []
    for name in names:
        metrics = res['metrics'][name]
        confusion = metrics.get('confusion')
        support = [int(sum(row)) for row in confusion] if confusion else None
        selectors = {sel: by_dataset[name] for sel, by_dataset in
                     (res.get('selectors') or {}).items() if name in by_dataset}
        records.append(dict({k: run[k] for k in IDENTITY + ('run', 'seed', 'data_seed')},
                            dataset=name, metrics=metrics, support=support,
                            oracle=(res.get('oracle') or {}).get(name), selectors=selectors))
    return records


def mean_std(values: Sequence[float]) -> tuple:
    """``(mean, sample std with ddof=1 (nan for one value), n)``.

    >>> mean_std([0.25, 0.5, 0.75])  # std = sqrt((0.0625 + 0 + 0.0625) / 2)
    (0.5, 0.25, 3)
    """
    a = np.asarray(values, dtype=np.float64)
    std = float(a.std(ddof=1)) if a.size > 1 else float('nan')
    return float(a.mean()), std, int(a.size)


def group_records(records: List[dict], group_by: Sequence[str]) -> List[dict]:
    """Groups of records in first-seen order, each ``dict(key, records)``.

    Raises:
        RunError: a group mixes runs that differ in an identity field not grouped by
            (a different recipe is a different experiment, not another seed), holds the same
            (seed, data seed) twice, or its runs disagree on the evaluation set (the images
            per class of a dataset, or class names).
    """
    unknown = [k for k in group_by if k not in GROUP_KEYS]
    if unknown:
        raise ValueError(f'--group-by: unknown {unknown}; choose from {list(GROUP_KEYS)}')
    groups: Dict[tuple, dict] = {}
    for rec in records:
        key = tuple(rec[k] for k in group_by)
        groups.setdefault(key, dict(key=dict(zip(group_by, key)), records=[]))['records'].append(
            rec)
    for group in groups.values():
        recs = group['records']
        label = ', '.join(f'{k}={v}' for k, v in group['key'].items())
        for field in GROUP_KEYS:
            values = sorted({str(r[field]) for r in recs})
            if field not in group_by and len(values) > 1:
                raise RunError(f'group {label}: runs differ in {field} ({values}); add '
                               f'{field} to --group-by or table them apart: '
                               f'{[r["run"] for r in recs]}')
        seen = {}
        for r in recs:
            k = (r['seed'], r['data_seed'], r['dataset'])
            if k in seen:
                raise RunError(f'group {label}: {seen[k]} and {r["run"]} have the same seed '
                               f'{r["seed"]} and data seed {r["data_seed"]}')
            seen[k] = r['run']
        by_dataset: Dict[str, dict] = {}
        for r in recs:
            classes = sorted(k for k in r['metrics'] if k.startswith('recall/'))
            ref = by_dataset.setdefault(r['dataset'], dict(run=r['run'], support=r['support'],
                                                           classes=classes))
            if r['support'] != ref['support'] or classes != ref['classes']:
                raise RunError(
                    f'group {label}: runs disagree on the evaluation set {r["dataset"]}: '
                    f'{ref["run"]} has images per class {ref["support"]} ({ref["classes"]}), '
                    f'{r["run"]} has {r["support"]} ({classes})')
    return list(groups.values())


def summarise(group: dict, metrics: Sequence[str], per_class: bool = False) -> dict:
    """Cells of one group: ``{column: (mean, std, n)}`` in table order.

    Columns: ``<metric>`` (label-free selected checkpoint), ``<metric> [<selector>]`` for
    every label-free selector the runs recorded, ``<metric> (oracle)`` (best evaluation point
    by target labels), and with ``per_class`` ``recall/<class>``. A column some run lacks is
    left out rather than averaged over fewer runs.
    """
    recs = group['records']
    cells = {}

    def add(column, values):
        if values and all(v is not None for v in values):
            cells[column] = mean_std(values)

    for m in metrics:
        for r in recs:
            if m not in r['metrics']:
                raise RunError(f'{r["run"]}: results.json has no {m!r} for {r["dataset"]}')
        add(m, [r['metrics'][m] for r in recs])
    selectors = sorted(set.intersection(*(set(r['selectors']) for r in recs)))
    for sel in selectors:
        for m in metrics:
            add(f'{m} [{sel}]', [r['selectors'][sel].get(m) for r in recs])
    for m in metrics:
        add(f'{m} (oracle)', [(r['oracle'] or {}).get(m) for r in recs])
    if per_class:
        classes = [k for k in recs[0]['metrics'] if k.startswith('recall/')]
        for c in classes:
            add(c, [r['metrics'][c] for r in recs])
    return cells


def _seed_order(seed) -> tuple:
    """Sort key of seeds: numbers in numeric order (7 before 13), then anything else."""
    return (0, seed, '') if isinstance(seed, (int, float)) else (1, 0, str(seed))


def build_table(groups: List[dict], metrics: Sequence[str], per_class: bool = False) -> dict:
    """``dict(keys, columns, rows)``; a row is ``dict(key, cells, runs, seeds, data_seeds)``."""
    rows = []
    for g in groups:
        recs = g['records']
        rows.append(dict(key=g['key'], cells=summarise(g, metrics, per_class),
                         runs=[r['run'] for r in recs],
                         seeds=sorted({r['seed'] for r in recs}, key=_seed_order),
                         data_seeds=sorted({r['data_seed'] for r in recs}, key=_seed_order)))
    columns = []
    for row in rows:
        columns += [c for c in row['cells'] if c not in columns]
    # label-free, other selectors, oracle, then per-class recall, whatever row came first
    kind = lambda c: (c.startswith('recall/'), c.endswith('(oracle)'), '[' in c)  # noqa: E731
    columns.sort(key=kind)
    keys = list(groups[0]['key']) if groups else []
    return dict(keys=keys, columns=columns, rows=rows)


SELECTORS = ('last', 'entropy', 'im', 'snd')


def selection_table(records: List[dict], metric: str = 'accuracy') -> dict:
    """The model-selection table of source-free runs (docs/results.md §4.1).

    One row per run and evaluated dataset that recorded label-free selectors: ``metric`` at
    the last evaluation point, at each selector's choice and at the oracle (the best point by
    target labels). The summary gives, per selector over all rows, the mean and the largest
    gap to the oracle (``oracle - selector``, >= 0), the mean difference from ``last``
    (``selector - last``) and how many rows it lands above, level with and below ``last``.
    Records without selectors (source-only, AdaBN) are left out.

    Args:
        records: ``run_records`` output.
        metric: the metric compared (a fraction, e.g. ``accuracy``).

    Returns:
        ``dict(metric, selectors, rows, summary)``: a row is ``dict(key, data_seed, seed, run,
        values={selector | 'oracle': value})``; ``summary[selector] = dict(gap_mean, gap_max,
        vs_last_mean, above, level, below, n)``.

    Raises:
        RunError: no record has both selectors and an oracle, or a run's selector record
            lacks ``metric``.
    """
    keep = [r for r in records if r['selectors'] and (r['oracle'] or {}).get(metric) is not None]
    if not keep:
        raise RunError('--selection: no run recorded label-free selectors and an oracle '
                       f'for {metric!r} (source-free runs with LabelFreeSelectionHook do)')
    names = set.intersection(*(set(r['selectors']) for r in keep))
    selectors = [s for s in SELECTORS if s in names] + sorted(names - set(SELECTORS))
    rows = []
    for r in sorted(keep, key=lambda r: tuple(str(r[k]) for k in GROUP_KEYS) + (
            _seed_order(r['data_seed']), _seed_order(r['seed']))):
        values = {}
        for sel in selectors:
            if r['selectors'][sel].get(metric) is None:
                raise RunError(f'{r["run"]}: results.json selector {sel!r} has no {metric!r} '
                               f'for {r["dataset"]}')
            values[sel] = float(r['selectors'][sel][metric])
        values['oracle'] = float(r['oracle'][metric])
        rows.append(dict(key={k: r[k] for k in GROUP_KEYS}, data_seed=r['data_seed'],
                         seed=r['seed'], run=r['run'], values=values))
    summary = {}
    for sel in selectors:
        v = np.array([row['values'][sel] for row in rows])
        oracle = np.array([row['values']['oracle'] for row in rows])
        last = np.array([row['values'].get('last', np.nan) for row in rows])
        gap, diff = oracle - v, v - last
        summary[sel] = dict(gap_mean=float(gap.mean()), gap_max=float(gap.max()),
                            vs_last_mean=float(diff.mean()), above=int((diff > 0).sum()),
                            level=int((diff == 0).sum()), below=int((diff < 0).sum()),
                            n=len(rows))
    return dict(metric=metric, selectors=selectors, rows=rows, summary=summary)


def format_selection_md(sel: dict) -> str:
    """Markdown of ``selection_table``: the per-run table (in %) and the summary (points)."""
    m, names = sel['metric'], sel['selectors']
    head = list(GROUP_KEYS) + ['data seed', 'seed'] + [f'{m} [{s}]' for s in names] + [
        f'{m} (oracle, target labels)']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for row in sel['rows']:
        cells = [str(row['key'][k]) for k in GROUP_KEYS] + [str(row['data_seed']),
                                                             str(row['seed'])]
        cells += [f'{100 * row["values"][s]:.1f}' for s in names + ['oracle']]
        lines.append('| ' + ' | '.join(cells) + ' |')
    lines += ['', f'| selector | mean gap to oracle | largest gap | mean vs last | above / level '
              f'/ below last | runs |', '|---|---|---|---|---|---|']
    for s in names:
        q = sel['summary'][s]
        lines.append(f'| {s} | {100 * q["gap_mean"]:.1f} | {100 * q["gap_max"]:.1f} | '
                     f'{100 * q["vs_last_mean"]:+.1f} | {q["above"]} / {q["level"]} / '
                     f'{q["below"]} | {q["n"]} |')
    return '\n'.join(lines) + '\n'


def format_selection_csv(sel: dict) -> str:
    """CSV of ``selection_table``'s rows, full-precision fractions, with each row's run."""
    import csv
    import io
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    names = sel['selectors'] + ['oracle']
    writer.writerow(list(GROUP_KEYS) + ['data_seed', 'seed'] +
                    [f'{sel["metric"]} {s}' for s in names] + ['run'])
    for row in sel['rows']:
        writer.writerow([row['key'][k] for k in GROUP_KEYS] + [row['data_seed'], row['seed']] +
                        [row['values'][s] for s in names] + [row['run']])
    return out.getvalue()


def _cell(stat, percent: bool = True) -> str:
    if stat is None:
        return '-'
    mean, std, n = stat
    scale = 100 if percent else 1
    spread = '' if np.isnan(std) else f' ± {scale * std:.1f}'
    return f'{scale * mean:.1f}{spread} (n={n})'


def _header(column: str) -> str:
    if column.endswith('(oracle)'):
        return column.replace('(oracle)', '(oracle, target labels)')
    return column


def format_md(table: dict) -> str:
    head = table['keys'] + [_header(c) for c in table['columns']] + ['seeds', 'data seeds']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for row in table['rows']:
        cells = [str(row['key'][k]) for k in table['keys']]
        cells += [_cell(row['cells'].get(c)) for c in table['columns']]
        cells += [','.join(map(str, row['seeds'])), ','.join(map(str, row['data_seeds']))]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def format_csv(table: dict) -> str:
    """Full-precision numbers (fractions, not percent), one row per group, with its runs."""
    import csv
    import io
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    head = list(table['keys'])
    for c in table['columns']:
        head += [f'{c} mean', f'{c} std', f'{c} n']
    writer.writerow(head + ['seeds', 'data_seeds', 'runs'])
    for row in table['rows']:
        line = [row['key'][k] for k in table['keys']]
        for c in table['columns']:
            line += list(row['cells'].get(c, ('', '', '')))
        line += [' '.join(map(str, row['seeds'])), ' '.join(map(str, row['data_seeds'])),
                 ' '.join(row['runs'])]
        writer.writerow(line)
    return out.getvalue()


def _tex_escape(text: str) -> str:
    return re.sub(r'([_&%#$])', r'\\\1', str(text))


def format_tex(table: dict) -> str:
    head = table['keys'] + [_header(c) for c in table['columns']]
    lines = [r'\begin{tabular}{' + 'l' * len(table['keys']) + 'c' * len(table['columns']) + '}',
             r'\toprule', ' & '.join(_tex_escape(h) for h in head) + r' \\', r'\midrule']
    for row in table['rows']:
        cells = [_tex_escape(row['key'][k]) for k in table['keys']]
        cells += [_cell(row['cells'].get(c)).replace('±', r'$\pm$') for c in table['columns']]
        lines.append(' & '.join(cells) + r' \\')
    lines += [r'\bottomrule', r'\end{tabular}']
    return '\n'.join(lines) + '\n'


FORMATTERS = dict(md=format_md, csv=format_csv, tex=format_tex)


def bar_clusters(table: dict, metric: str) -> tuple:
    """The bars of :func:`plot_bars`: ``(clusters, methods, bars)`` with
    ``bars[(cluster, method)] = (mean, std)`` of ``metric`` (fractions; std nan for one run).

    A cluster is a row key without ``method``; with ``dataset`` in the key, also without
    ``target``, so that runs evaluated on the same dataset stand side by side (the
    source-only model of lab -> wild-lowres next to the methods of lab -> wild on
    ``wild_test``), unless that would put two rows of one method in one cluster.
    """
    keys = [k for k in table['keys'] if k != 'method']
    method = lambda row: str(row['key'].get('method', 'run'))  # noqa: E731
    if 'dataset' in keys and 'target' in keys:
        short = [k for k in keys if k != 'target']
        pairs = [(method(r), tuple(r['key'][k] for k in short)) for r in table['rows']]
        if len(set(pairs)) == len(pairs):
            keys = short
    clusters, methods, bars = [], [], {}
    for row in table['rows']:
        c = ' / '.join(str(row['key'][k]) for k in keys) or 'all'
        clusters += [c] if c not in clusters else []
        methods += [method(row)] if method(row) not in methods else []
        if metric in row['cells']:
            mean, std, _ = row['cells'][metric]
            bars[(c, method(row))] = (mean, std)
    return clusters, methods, bars


def plot_bars(table: dict, metric: str, path: str) -> None:
    """Bar chart: one cluster per transfer and evaluated dataset (:func:`bar_clusters`), one
    bar per method, error bars = the std over seeds."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    clusters, methods, bars = bar_clusters(table, metric)
    width = 0.8 / max(len(methods), 1)
    fig, ax = plt.subplots(figsize=(max(5, 2.2 * len(clusters) + 2), 3.8), dpi=100)
    x = np.arange(len(clusters))
    for i, m in enumerate(methods):
        means, stds = np.full(len(clusters), np.nan), np.zeros(len(clusters))
        for j, c in enumerate(clusters):
            if (c, m) in bars:
                mean, std = bars[(c, m)]
                means[j], stds[j] = 100 * mean, 0 if np.isnan(std) else 100 * std
        ax.bar(x + i * width, means, width, yerr=stds, capsize=3, label=m)
    ax.set_xticks(x + width * (len(methods) - 1) / 2, clusters, fontsize=8)
    ax.set_ylabel(f'{metric} (%), mean ± std')
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_recall(table: dict, path: str) -> None:
    """Heatmap of the mean per-class recall: rows are groups, columns classes."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    classes = [c for c in table['columns'] if c.startswith('recall/')]
    data = np.array([[100 * row['cells'][c][0] if c in row['cells'] else np.nan
                      for c in classes] for row in table['rows']])
    labels = [' / '.join(str(v) for v in row['key'].values()) for row in table['rows']]
    fig, ax = plt.subplots(figsize=(1.0 * len(classes) + 3, 0.45 * len(labels) + 1.5), dpi=100)
    im = ax.imshow(data, vmin=0, vmax=100, cmap='viridis', aspect='auto')
    ax.set_xticks(range(len(classes)), [c[len('recall/'):] for c in classes], rotation=45,
                  ha='right', fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            if not np.isnan(data[i, j]):
                ax.text(j, i, f'{data[i, j]:.0f}', ha='center', va='center', fontsize=7,
                        color='white' if data[i, j] < 50 else 'black')
    fig.colorbar(im, ax=ax, label='recall (%)')
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_confusion(groups: List[dict], path: str) -> None:
    """One row-normalised confusion matrix per group: the sum of its runs' matrices of the
    label-free selected checkpoint (rows = truth), in %."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    cols = min(3, len(groups))
    rows = -(-len(groups) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.8 * rows), dpi=100, squeeze=False)
    for ax in axes.flat[len(groups):]:
        ax.axis('off')
    for ax, g in zip(axes.flat, groups):
        total = sum(np.asarray(r['metrics']['confusion'], dtype=np.float64)
                    for r in g['records'])
        norm = 100 * total / np.maximum(total.sum(axis=1, keepdims=True), 1)
        classes = [k[len('recall/'):] for k in g['records'][0]['metrics']
                   if k.startswith('recall/')] or [str(i) for i in range(len(norm))]
        ax.imshow(norm, vmin=0, vmax=100, cmap='Blues')
        ax.set_xticks(range(len(classes)), classes, rotation=45, ha='right', fontsize=7)
        ax.set_yticks(range(len(classes)), classes, fontsize=7)
        for i in range(len(norm)):
            for j in range(len(norm)):
                ax.text(j, i, f'{norm[i, j]:.0f}', ha='center', va='center', fontsize=6,
                        color='white' if norm[i, j] > 50 else 'black')
        ax.set_title(' / '.join(str(v) for v in g['key'].values())
                     + f' (n={len(g["records"])})', fontsize=8)
        ax.set_xlabel('predicted', fontsize=7)
        ax.set_ylabel('true', fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _csv_list(text: str, allowed=None, name: str = '') -> List[str]:
    items = [s.strip() for s in text.split(',') if s.strip()]
    if allowed is not None:
        bad = [s for s in items if s not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(f'{name}: unknown {bad}; choose from {list(allowed)}')
    return items


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='ferda results', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('runs', nargs='+', metavar='RUN_DIR', help='finished run folders')
    p.add_argument('--group-by', default=','.join(DEFAULT_GROUP_BY),
                   type=lambda s: _csv_list(s, GROUP_KEYS, '--group-by'),
                   help=f'fields from {",".join(GROUP_KEYS)} (default: %(default)s)')
    p.add_argument('--metrics', default=','.join(METRICS), type=_csv_list,
                   help='results.json metrics (default: %(default)s)')
    p.add_argument('--datasets', type=_csv_list, default=None,
                   help='evaluated datasets to table (default: every one of results.json)')
    p.add_argument('--format', default='md', type=lambda s: _csv_list(s, FORMATS, '--format'),
                   help=f'any of {",".join(FORMATS)} (default: %(default)s)')
    p.add_argument('--per-class', action='store_true',
                   help='add per-class recall columns (and with --out a recall heatmap and '
                   'the confusion matrices)')
    p.add_argument('--selection', action='store_true',
                   help='also the model-selection table of the source-free runs: the first '
                   'metric at last, at each label-free selector and at the oracle, per run, '
                   'and each selector\'s gap to the oracle (results_selection.md/.csv)')
    p.add_argument('--out', help='write results.<format> and the plots into this folder; '
                   'without it the table is printed')
    return p


def main(argv=None) -> dict:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        records = []
        for run_dir in args.runs:
            records += run_records(read_run(run_dir), args.datasets)
        groups = group_records(records, args.group_by)
        table = build_table(groups, args.metrics, args.per_class)
        if args.selection:
            table['selection'] = selection_table(records, args.metrics[0])
    except RunError as err:
        parser.error(str(err))
    command = 'ferda results ' + ' '.join(argv if argv is not None else sys.argv[1:])
    texts = {fmt: FORMATTERS[fmt](table) for fmt in args.format}
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        for fmt, text in texts.items():
            if fmt == 'md':
                text = (f'Made by `{command}`. Label-free columns: the checkpoint the run '
                        'selected without target labels; [selector]: another label-free '
                        'selector; (oracle): the best evaluation point by target labels, '
                        'reported only. mean ± std (sample, ddof=1) over n runs, in %.\n\n'
                        + text)
            atomic_write_text(text, osp.join(args.out, f'results.{fmt}'))
        if args.selection:
            atomic_write_text(
                f'Made by `{command}`. Per source-free run: {args.metrics[0]} (%) at the last '
                'evaluation point, at the point each label-free selector prefers, and at the '
                'best point by target labels (oracle, reported only); then per selector the '
                'gap to the oracle and the difference from last, in points.\n\n'
                + format_selection_md(table['selection']),
                osp.join(args.out, 'results_selection.md'))
            atomic_write_text(format_selection_csv(table['selection']),
                              osp.join(args.out, 'results_selection.csv'))
        plot_bars(table, args.metrics[0], osp.join(args.out, 'results_bars.png'))
        if args.per_class:
            plot_recall(table, osp.join(args.out, 'results_recall.png'))
            if all(r['support'] for g in groups for r in g['records']):
                plot_confusion(groups, osp.join(args.out, 'results_confusion.png'))
    else:
        print('\n'.join(texts.values()))  # a CLI's output
        if args.selection:
            print(format_selection_md(table['selection']))
    return table
