"""``ferda noise``: a seeded noisy copy of a label file, in the same format (docs/ldl.md §2.9).

    ferda noise --ann F --format {ldl_csv,rafdb,list} --rate R --seed S --out O [--classes C]

Exactly n = floor(R * N_train + 0.5) training rows get a label drawn uniformly from the other
C - 1 classes (``basicda.datasets.label_noise.flip_labels``; numpy ``PCG64(seed)``), in the
file's own codes. Every other byte (row order, other columns such as ``knn``, line ends) is
unchanged. Candidates: every data row of an LDL CSV (``expression`` column, codes 0..C-1) or a
list file (``path label``, codes 0..C-1); the ``train_`` rows of RAF-DB's
``list_patition_label.txt`` (codes 1..7; test rows are never touched). Side files:
``O.flips.csv`` (row, line, id, old, new) and ``O.meta.json`` (rate, seed, C, N_train, n,
input and output sha256, numpy version).
"""
import argparse
import hashlib
import re
from typing import List, Tuple

import numpy as np

from basicda.datasets.label_noise import flip_labels
from basicda.fileio import atomic_write_bytes, atomic_write_json, atomic_write_text

__all__ = ['main', 'noisy_copy', 'FORMATS']

FORMATS = ('ldl_csv', 'rafdb', 'list')
_ENDING = re.compile(r'(\r\n|\n|\r)?$')


class _Row:
    """A data line split into (prefix, label text, suffix) so the label can be replaced
    without touching any other byte."""

    def __init__(self, line_no: int, sample_id: str, prefix: str, label: str, suffix: str):
        self.line_no, self.sample_id = line_no, sample_id
        self.prefix, self.label, self.suffix = prefix, label, suffix


def _csv_rows(lines: List[str], path: str) -> List[_Row]:
    header = lines[0].rstrip('\r\n').split(',')
    names = [h.strip() for h in header]
    if 'expression' not in names or 'subDirectory_filePath' not in names:
        raise ValueError(f'{path}:1: expected an LDL CSV header with subDirectory_filePath and '
                         f'expression, found {lines[0].rstrip()!r}')
    col, id_col = names.index('expression'), names.index('subDirectory_filePath')
    rows = []
    for i, line in enumerate(lines[1:], start=2):
        body = line.rstrip('\r\n')
        if not body.strip():
            continue
        fields = body.split(',')
        if len(fields) != len(names):
            raise ValueError(f'{path}:{i}: expected {len(names)} comma-separated fields, found '
                             f'{len(fields)}')
        prefix = ','.join(fields[:col]) + (',' if col else '')
        suffix = (',' if col < len(fields) - 1 else '') + ','.join(fields[col + 1:])
        rows.append(_Row(i, fields[id_col].strip(), prefix, fields[col],
                         suffix + line[len(body):]))
    return rows


def _space_rows(lines: List[str], path: str) -> List[_Row]:
    rows = []
    for i, line in enumerate(lines, start=1):
        body = line.rstrip('\r\n')
        if not body.strip():
            continue
        match = re.match(r'^(\s*(\S+)\s+)(\S+)(\s*)$', body)
        if match is None:
            raise ValueError(f'{path}:{i}: expected "<name> <label>", found {body!r}')
        rows.append(_Row(i, match.group(2), match.group(1), match.group(3),
                         match.group(4) + line[len(body):]))
    return rows


def noisy_copy(data: bytes, path: str, fmt: str, rate: float, seed: int,
               num_classes: int = 7) -> Tuple[bytes, List[tuple], int]:
    """The noisy file's bytes, the flips ``(row, line, id, old, new)`` and N_train."""
    if fmt not in FORMATS:
        raise ValueError(f'format must be one of {FORMATS}, got {fmt!r}')
    text = data.decode('utf-8')
    lines = text.splitlines(keepends=True)
    if not lines:
        raise ValueError(f'{path}: empty file')
    rows = _csv_rows(lines, path) if fmt == 'ldl_csv' else _space_rows(lines, path)
    offset = 1 if fmt == 'rafdb' else 0  # RAF-DB codes 1..7
    labels = []
    for row in rows:
        try:
            code = int(row.label.strip())
        except ValueError:
            raise ValueError(f'{path}:{row.line_no}: expected an integer label, found '
                             f'{row.label!r}') from None
        if not offset <= code < num_classes + offset:
            raise ValueError(f'{path}:{row.line_no}: expected a label in '
                             f'{offset}..{num_classes + offset - 1}, found {code}')
        labels.append(code - offset)
    mask = np.array([not (fmt == 'rafdb' and not r.sample_id.startswith('train_'))
                     for r in rows])
    new, flipped = flip_labels(labels, rate, num_classes, seed, candidate_mask=mask)
    flips = []
    by_line = {}
    for i in flipped.tolist():
        row = rows[i]
        old_text = row.label.strip()
        new_text = str(int(new[i]) + offset)
        by_line[row.line_no] = row.prefix + row.label.replace(old_text, new_text) + row.suffix
        flips.append((i, row.line_no, row.sample_id, old_text, new_text))
    out = ''.join(by_line.get(n, line) for n, line in enumerate(lines, start=1))
    return out.encode('utf-8'), flips, int(mask.sum())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog='ferda noise', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--ann', required=True, help='the label file to copy')
    parser.add_argument('--format', required=True, choices=FORMATS)
    parser.add_argument('--rate', required=True, type=float, help='fraction of training rows')
    parser.add_argument('--seed', required=True, type=int)
    parser.add_argument('--out', required=True, help='the noisy copy (side files beside it)')
    parser.add_argument('--classes', type=int, default=7, help='C (default 7)')
    args = parser.parse_args(argv)
    with open(args.ann, 'rb') as f:
        data = f.read()
    out, flips, n_train = noisy_copy(data, args.ann, args.format, args.rate, args.seed,
                                     args.classes)
    atomic_write_bytes(out, args.out)
    atomic_write_text('row,line,id,old,new\n' + ''.join(
        f'{r},{line},{sid},{old},{new}\n' for r, line, sid, old, new in flips),
        args.out + '.flips.csv')
    meta = dict(rate=args.rate, seed=args.seed, num_classes=args.classes, n_train=n_train,
                n=len(flips), input=args.ann, input_sha256=hashlib.sha256(data).hexdigest(),
                output_sha256=hashlib.sha256(out).hexdigest(), numpy=np.__version__)
    atomic_write_json(meta, args.out + '.meta.json', indent=1)
    print(f'ferda noise: {len(flips)} of {n_train} training labels flipped -> {args.out}')
    return meta
