"""The files of an active-learning run under ``runs/EXP/al/`` (``docs/active-learning.md``
§4): text built by pure functions, written by the one atomic writer
(:mod:`basicda.fileio`), and read back with errors naming file and line.

* ``pool.csv`` (``pool_index,sample_id``) and its sha256 in ``pool.sha256``;
* ``initial.txt`` and ``labelled_round_{r}.txt`` (``pool_index,sample_id``, sorted);
* ``round_{r}_selected.txt`` (``pool_index,sample_id,score``, selection order);
* ``rounds.csv`` / ``rounds.json``: one row per evaluation point, :data:`ROUND_COLUMNS`.
"""
import csv
import hashlib
import io
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from basicda.fileio import atomic_write_json, atomic_write_text

__all__ = ['ROUND_COLUMNS', 'sha256_text', 'pool_text', 'index_text', 'selected_text',
           'rounds_csv_text', 'read_index_file', 'labelled_from_files', 'write_pool',
           'write_initial', 'write_round_selection', 'write_rounds']

#: the columns of ``rounds.csv`` / the keys of each ``rounds.json`` row, in order
ROUND_COLUMNS = ('round', 'n_labelled', 'fraction', 'oa', 'mca', 'macro_f1', 'epochs',
                 'stop_reason', 'select_s', 'train_s', 'seed')

INDEX_HEADER = ('pool_index', 'sample_id')
SELECTED_HEADER = ('pool_index', 'sample_id', 'score')


def sha256_text(text: str) -> str:
    """Hex sha256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def _csv(header: Sequence[str], rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _ids(indices: np.ndarray, sample_ids: Sequence[str]) -> List[str]:
    if len(indices) and (indices.min() < 0 or indices.max() >= len(sample_ids)):
        raise ValueError(f'pool indices out of range [0, {len(sample_ids)})')
    return [str(sample_ids[i]) for i in indices]


def pool_text(sample_ids: Sequence[str]) -> str:
    """``pool.csv``: one row per pool item, pool index i -> the reader's sample id.
    Labels are not in it: a label is read only when its item is selected."""
    if len(set(map(str, sample_ids))) != len(sample_ids):
        raise ValueError('the pool has duplicate sample ids')
    return _csv(INDEX_HEADER, ((i, str(s)) for i, s in enumerate(sample_ids)))


def index_text(indices, sample_ids: Sequence[str]) -> str:
    """``initial.txt`` / ``labelled_round_{r}.txt``: the pool indices, sorted."""
    idx = np.sort(np.asarray(indices, np.int64).reshape(-1))
    return _csv(INDEX_HEADER, zip(idx.tolist(), _ids(idx, sample_ids)))


def selected_text(indices, scores, sample_ids: Sequence[str]) -> str:
    """``round_{r}_selected.txt``: pool index, sample id and score, in selection
    order; scores as the shortest decimal that reads back to the same float64."""
    idx = np.asarray(indices, np.int64).reshape(-1)
    sc = np.asarray(scores, np.float64).reshape(-1)
    if len(idx) != len(sc):
        raise ValueError(f'{len(idx)} selected indices but {len(sc)} scores')
    return _csv(SELECTED_HEADER, zip(idx.tolist(), _ids(idx, sample_ids),
                                     (repr(float(s)) for s in sc)))


def _check_row(row: Dict, k: int) -> Dict:
    missing = [c for c in ROUND_COLUMNS if c not in row]
    extra = [c for c in row if c not in ROUND_COLUMNS]
    if missing or extra:
        raise KeyError(f'rounds row {k}: missing columns {missing}, unknown columns {extra}')
    return {c: row[c] for c in ROUND_COLUMNS}


def rounds_csv_text(rows: Sequence[Dict]) -> str:
    """``rounds.csv``: the rows' :data:`ROUND_COLUMNS`, in that order."""
    rows = [_check_row(r, k) for k, r in enumerate(rows)]
    return _csv(ROUND_COLUMNS, ([r[c] for c in ROUND_COLUMNS] for r in rows))


def read_index_file(path: str, scores: bool = False) -> Tuple[np.ndarray, List[str]]:
    """Read an index file written above: (n,) pool indices in file order and the
    sample ids (and, with ``scores``, (n,) float64 scores as a third item)."""
    header = SELECTED_HEADER if scores else INDEX_HEADER
    with open(path, newline='', encoding='utf-8') as f:
        lines = list(csv.reader(f))
    if not lines or tuple(lines[0]) != header:
        raise ValueError(f'{path}: line 1 must be the header {",".join(header)}')
    idx, ids, sc = [], [], []
    for n, row in enumerate(lines[1:], start=2):
        if len(row) != len(header):
            raise ValueError(f'{path}: line {n} has {len(row)} fields, expected {len(header)}')
        try:
            idx.append(int(row[0]))
            if scores:
                sc.append(float(row[2]))
        except ValueError:
            raise ValueError(f'{path}: line {n} is not a valid row: {row!r}') from None
        ids.append(row[1])
    out = (np.asarray(idx, np.int64), ids)
    return out + (np.asarray(sc, np.float64),) if scores else out


def labelled_from_files(al_dir: str, rounds: int) -> np.ndarray:
    """The labelled set after ``rounds`` acquisitions, rebuilt from ``initial.txt``
    and ``round_{1..rounds}_selected.txt`` and checked against
    ``labelled_round_{rounds}.txt``: () -> (n,) sorted pool indices.

    Raises if a selection repeats a labelled index or the cumulative file disagrees.
    """
    idx, _ = read_index_file(osp.join(al_dir, 'initial.txt'))
    labelled = set(idx.tolist())
    for r in range(1, rounds + 1):
        path = osp.join(al_dir, f'round_{r}_selected.txt')
        sel, _, _ = read_index_file(path, scores=True)
        again = labelled.intersection(sel.tolist())
        if again or len(set(sel.tolist())) != len(sel):
            raise ValueError(f'{path}: selects already-labelled pool indices {sorted(again)}')
        labelled.update(sel.tolist())
    out = np.asarray(sorted(labelled), np.int64)
    path = osp.join(al_dir, f'labelled_round_{rounds}.txt')
    expect, _ = read_index_file(path)
    if not np.array_equal(np.sort(expect), out):
        raise ValueError(f'{path} does not match initial.txt + round_*_selected.txt '
                         f'({len(expect)} vs {len(out)} indices)')
    return out


def write_pool(al_dir: str, sample_ids: Sequence[str]) -> str:
    """Write ``pool.csv`` and ``pool.sha256``; return the sha256."""
    text = pool_text(sample_ids)
    digest = sha256_text(text)
    atomic_write_text(text, osp.join(al_dir, 'pool.csv'))
    atomic_write_text(digest + '\n', osp.join(al_dir, 'pool.sha256'))
    return digest


def write_initial(al_dir: str, indices, sample_ids: Sequence[str]) -> None:
    """Write ``initial.txt`` and ``labelled_round_0.txt`` (the same set)."""
    text = index_text(indices, sample_ids)
    atomic_write_text(text, osp.join(al_dir, 'initial.txt'))
    atomic_write_text(text, osp.join(al_dir, 'labelled_round_0.txt'))


def write_round_selection(al_dir: str, r: int, selected, scores, labelled,
                          sample_ids: Sequence[str]) -> None:
    """Write ``round_{r}_selected.txt`` (selection order) and ``labelled_round_{r}.txt``
    (the cumulative set after it)."""
    atomic_write_text(selected_text(selected, scores, sample_ids),
                      osp.join(al_dir, f'round_{r}_selected.txt'))
    atomic_write_text(index_text(labelled, sample_ids),
                      osp.join(al_dir, f'labelled_round_{r}.txt'))


def write_rounds(al_dir: str, rows: Sequence[Dict]) -> None:
    """Write ``rounds.csv`` and ``rounds.json`` (a list of row dicts)."""
    atomic_write_text(rounds_csv_text(rows), osp.join(al_dir, 'rounds.csv'))
    atomic_write_json([_check_row(r, k) for k, r in enumerate(rows)],
                      osp.join(al_dir, 'rounds.json'), indent=1)
