"""``learning_curve.png``: accuracy against the labelled fraction
(``docs/active-learning.md`` §4)."""
import io
from typing import Dict, Sequence

from basicda.fileio import atomic_write_bytes

__all__ = ['learning_curve_png', 'write_learning_curve']


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
