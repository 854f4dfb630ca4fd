"""``learning_curve.png``: accuracy against the labelled fraction
(``docs/active-learning.md`` §4)."""
import io
from typing import Dict, Sequence

from basicda.fileio import atomic_write_bytes

__all__ = ['learning_curve_png', 'write_learning_curve', 'group_curves', 'curves_png']


def learning_curve_png(rows: Sequence[Dict], title: str = '') -> bytes:
    """PNG bytes of OA, MCA and macro-F1 (in %) against the labelled fraction (in %) of
    the ``rounds.csv`` rows."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 3.5), dpi=100)
    ax = fig.add_subplot()
    x = [100 * r['fraction'] for r in rows]
    for key, label in (('oa', 'OA'), ('mca', 'MCA'), ('macro_f1', 'macro-F1')):
        ax.plot(x, [100 * r[key] for r in rows], marker='o', label=label)
    ax.set_xlabel('labelled fraction of the pool (%)')
    ax.set_ylabel('%')
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format='png', metadata={'Software': None})
    return buf.getvalue()


def write_learning_curve(rows: Sequence[Dict], path: str, title: str = '') -> None:
    """Write :func:`learning_curve_png` to ``path`` atomically."""
    atomic_write_bytes(learning_curve_png(rows, title), path)


def group_curves(runs: Sequence[Dict], metric: str = 'oa') -> Dict[tuple, Dict]:
    """Learning curves of several runs grouped by ``(strategy, init)``, mean and std
    over the runs (seeds) of a group at every evaluation point.

    Args:
        runs: dicts with ``strategy``, ``init``, ``seed`` and ``rows`` (the run's
            ``rounds.json``).
        metric: the row column averaged (``oa``, ``mca`` or ``macro_f1``). Default: 'oa'.

    Returns:
        dict: ``(strategy, init)`` -> ``fraction`` (R,), ``n_labelled`` (R,), ``mean`` (R,),
        ``std`` (R,) (sample std, ddof = 1; 0 for a single run), ``seeds`` (sorted list),
        ``values`` (runs, R), in sorted key order. R is the fewest points of the
        group's runs (an unfinished run contributes the points it has).

    Raises:
        ValueError: runs of one group evaluated at different numbers of labels, or the
            same seed twice in a group.

    Example:
        >>> rows = lambda *a: [dict(n_labelled=n, fraction=n / 10, oa=v) for n, v in zip((1, 2), a)]
        >>> g = group_curves([dict(strategy='margin', init='scratch', seed=0, rows=rows(.5, .7)),
        ...                   dict(strategy='margin', init='scratch', seed=1, rows=rows(.7, .8))])
        >>> m = g['margin', 'scratch']
        >>> m['mean'].round(3).tolist(), m['std'].round(4).tolist()
        ([0.6, 0.75], [0.1414, 0.0707])
    """
    import numpy as np

    groups: Dict[tuple, list] = {}
    for run in runs:
        groups.setdefault((run['strategy'], run['init']), []).append(run)
    out = {}
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda r: r['seed'])
        seeds = [r['seed'] for r in members]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f'{key}: seed(s) {sorted(s for s in set(seeds) if seeds.count(s) > 1)}'
                             f' given twice ({[r.get("path") for r in members]})')
        points = min(len(r['rows']) for r in members)
        labels = np.array([[row['n_labelled'] for row in r['rows'][:points]] for r in members])
        if (labels != labels[0]).any():
            raise ValueError(f'{key}: the runs were evaluated at different numbers of labels '
                             f'({[r.get("path") for r in members]}): {labels.tolist()}')
        values = np.array([[float(row[metric]) for row in r['rows'][:points]] for r in members],
                          dtype=np.float64).reshape(len(members), points)
        out[key] = dict(
            fraction=np.array([float(row['fraction']) for row in members[0]['rows'][:points]]),
            n_labelled=labels[0], values=values, seeds=seeds, mean=values.mean(axis=0),
            std=values.std(axis=0, ddof=1) if len(members) > 1 else np.zeros(points))
    return out


def curves_png(groups: Dict[tuple, Dict], metric: str = 'oa', title: str = '') -> bytes:
    """PNG bytes: one line per group (mean, in %) with a mean ± std band, against the
    labelled fraction (in %); solid lines for ``pretrained`` and dashed for other inits."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5), dpi=100)
    ax = fig.add_subplot()
    colours = {}
    for (strategy, init), g in groups.items():
        colour = colours.setdefault(strategy, f'C{len(colours) % 10}')
        x, mean, std = 100 * g['fraction'], 100 * g['mean'], 100 * g['std']
        ax.plot(x, mean, marker='o', color=colour, linestyle='-' if init == 'pretrained' else '--',
                label=f'{strategy} / {init} (n={len(g["seeds"])})')
        ax.fill_between(x, mean - std, mean + std, color=colour, alpha=0.15)
    ax.set_xlabel('labelled fraction of the pool (%)')
    ax.set_ylabel(f'{metric} (%)')
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format='png', metadata={'Software': None})
    return buf.getvalue()
