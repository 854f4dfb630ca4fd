"""Intensity-based selection of the pre-training pool (docs/dvscl.md §2.5).

The paper fixes a minimum action-unit intensity and keeps only the unlabelled clips above it;
the reference code has none of it. ``au.csv`` has a ``key`` column and, per AU, an onset and an
apex intensity column (``AU12_r@onset``, ``AU12_r@apex``). A clip's score (``agg``):

* ``max_delta`` (default): max over AUs of apex - onset;
* ``max_apex``: max over AUs of apex;
* ``sum_delta``: sum over AUs of apex - onset.

A clip is kept iff its score >= tau. tau has no default: it is to be taken from the paper.
"""
import csv
from typing import Mapping, Sequence

import numpy as np

from ferda.datasets.records import DatasetFormatError

AGGREGATIONS = ('max_delta', 'max_apex', 'sum_delta')


def intensity_scores(onset: np.ndarray, apex: np.ndarray, agg: str = 'max_delta') -> np.ndarray:
    """(N,) scores of onset and apex intensities (N, A)."""
    if agg not in AGGREGATIONS:
        raise ValueError(f'agg must be one of {AGGREGATIONS}, got {agg!r}')
    onset, apex = np.asarray(onset, float), np.asarray(apex, float)
    if onset.shape != apex.shape or onset.ndim != 2:
        raise ValueError(f'onset and apex must be (N, A) of one shape, got {onset.shape} and '
                         f'{apex.shape}')
    if agg == 'max_apex':
        return apex.max(1)
    delta = apex - onset
    return delta.max(1) if agg == 'max_delta' else delta.sum(1)


def select_by_intensity(keys: Sequence[str], onset, apex, tau: float,
                        agg: str = 'max_delta') -> list:
    """The keys whose score is >= ``tau``, in the given order.

    Example (``max_delta`` of deltas A = [0.2, 1.4], B = [0.9, 0.3], C = [2.0, 0.0]):
        >>> select_by_intensity('ABC', np.zeros((3, 2)),
        ...                     [[0.2, 1.4], [0.9, 0.3], [2.0, 0.0]], 1.0)
        ['A', 'C']
    """
    scores = intensity_scores(onset, apex, agg)
    if len(keys) != len(scores):
        raise ValueError(f'{len(keys)} keys for {len(scores)} rows')
    return [k for k, s in zip(keys, scores) if s >= tau]


def read_au_csv(path: str) -> tuple:
    """``(keys, aus, onset (N, A), apex (N, A))`` of an ``au.csv``.

    Raises:
        DatasetFormatError: no ``key`` column, an AU with only one of its two columns, a
            non-numeric value or a repeated key (naming file and line).
    """
    with open(path, newline='', encoding='utf-8-sig') as f:
        rows = list(csv.reader(f))
    if not rows or 'key' not in rows[0]:
        raise DatasetFormatError.at(path, 1, 'a header with a key column', repr(rows[:1]))
    header = [h.strip() for h in rows[0]]
    aus = sorted({h.rsplit('@', 1)[0] for h in header if h.endswith(('@onset', '@apex'))})
    missing = [f'{a}@{p}' for a in aus for p in ('onset', 'apex') if f'{a}@{p}' not in header]
    if not aus or missing:
        raise DatasetFormatError.at(path, 1, 'AU columns <AU>@onset and <AU>@apex',
                                    f'missing {missing}' if missing else 'none')
    col = {h: i for i, h in enumerate(header)}
    keys, onset, apex, seen = [], [], [], {}
    for lineno, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        key = row[col['key']].strip()
        if key in seen:
            raise DatasetFormatError.at(path, lineno, 'each key once',
                                        f'{key!r} again (first at line {seen[key]})')
        seen[key] = lineno
        try:
            onset.append([float(row[col[f'{a}@onset']]) for a in aus])
            apex.append([float(row[col[f'{a}@apex']]) for a in aus])
        except (ValueError, IndexError):
            raise DatasetFormatError.at(path, lineno, 'a number in every AU column',
                                        repr(row)) from None
        keys.append(key)
    return keys, aus, np.array(onset).reshape(-1, len(aus)), np.array(apex).reshape(-1, len(aus))
