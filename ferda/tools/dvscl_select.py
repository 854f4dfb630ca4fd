"""``ferda dvscl-select``: DVSCL's intensity-based selection of the pre-training pool
(docs/dvscl.md §2.5), written in the pool's own list format.

    ferda dvscl-select --list-root data/synfer/micro/data --intensity au.csv \\
        --threshold TAU [--agg max_delta] --out data/synfer/micro/data_tau0.2

Reads every list of ``LIST_ROOT`` (``v_rgb/`` and ``v_depth/``: per-subject
``<subject>_{train,test}.txt`` and ``v_rgb/subName.txt``), scores every clip of the pool
(the union of the test lists) from ``au.csv`` (:func:`~ferda.methods.dvscl.read_au_csv`,
``--agg``) and writes ``OUT/`` with the same files, each keeping exactly its lines (verbatim,
in their order) whose clip scores >= TAU; ``subName.txt`` is copied. Point the pre-training
config at it with ``reader.list_root`` (relative to ``data_root``). Also writes
``OUT/selection.csv`` (key, subject, score, kept) and ``OUT/selection.json`` (threshold,
aggregation, AUs, pool / kept / dropped counts, a 10-bin score histogram, kept clips per
subject, sha256 of ``au.csv`` and of every written list). Every clip of the pool must have a
row in ``au.csv`` (an error names the missing keys); rows of other clips are counted and
ignored.
"""
import argparse
import csv
import glob
import io
import json
import os
import os.path as osp
import sys

import numpy as np

from basicda.fileio import atomic_write_json, atomic_write_text, sha256_file
from ferda.datasets.readers.casme3 import (VIEW_DIRS, clip_key, read_casme3_list,
                                           read_subjects)
from ferda.methods.dvscl.intensity import AGGREGATIONS, intensity_scores, read_au_csv


def select_lists(list_root: str, au_csv: str, tau: float, out: str,
                 agg: str = 'max_delta') -> dict:
    """Write the selected lists to ``out``; return the summary written to
    ``out/selection.json``.

    Raises:
        FileNotFoundError: no list file under ``list_root``.
        ValueError: ``out`` is ``list_root``, or clips of the pool have no row in ``au_csv``.
    """
    if osp.realpath(out) == osp.realpath(list_root):
        raise ValueError(f'--out must be a new folder, not the list root {list_root}')
    subjects = read_subjects(list_root)
    pool = {}  # key -> subject name, over the test lists (the whole labelled set)
    for s in subjects:
        for entry in read_casme3_list(osp.join(list_root, VIEW_DIRS['rgb'], f'{s}_test.txt')):
            pool[clip_key(entry.path)[0]] = s
    keys, aus, onset, apex = read_au_csv(au_csv)
    scores = dict(zip(keys, intensity_scores(onset, apex, agg).tolist()))
    missing = sorted(k for k in pool if k not in scores)
    if missing:
        raise ValueError(f'{au_csv}: {len(missing)} clips of the pool under {list_root} have no '
                         f'row, e.g. {missing[:3]}')
    kept = {k for k in pool if scores[k] >= tau}
    written = {}
    for view, folder in VIEW_DIRS.items():
        files = sorted(glob.glob(osp.join(list_root, folder, '*_t*.txt')))
        if not files:
            raise FileNotFoundError(f'no list file in {osp.join(list_root, folder)}')
        for path in files:
            entries = read_casme3_list(path)  # checks the format, names file and line
            with open(path, encoding='utf-8') as f:
                lines = f.read().splitlines()
            text = ''.join(lines[e.line - 1] + '\n' for e in entries
                           if clip_key(e.path)[0] in kept)
            target = osp.join(out, folder, osp.basename(path))
            os.makedirs(osp.dirname(target), exist_ok=True)
            atomic_write_text(text, target)
            written[osp.relpath(target, out)] = sha256_file(target)
    names = osp.join(list_root, VIEW_DIRS['rgb'], 'subName.txt')
    with open(names, encoding='utf-8') as f:
        atomic_write_text(f.read(), osp.join(out, VIEW_DIRS['rgb'], 'subName.txt'))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    writer.writerow(['key', 'subject', 'score', 'kept'])
    for k in sorted(pool):
        writer.writerow([k, pool[k], f'{scores[k]:.6g}', int(k in kept)])
    atomic_write_text(buf.getvalue(), osp.join(out, 'selection.csv'))
    pool_scores = np.array([scores[k] for k in sorted(pool)])
    counts, edges = np.histogram(pool_scores, bins=10)
    summary = dict(
        threshold=tau, agg=agg, aus=aus, list_root=osp.abspath(list_root),
        pool=len(pool), kept=len(kept), dropped=len(pool) - len(kept),
        ignored_rows=len(set(scores) - set(pool)),
        histogram=dict(counts=counts.tolist(), edges=[round(float(e), 6) for e in edges]),
        kept_per_subject={s: sum(1 for k in kept if pool[k] == s) for s in subjects},
        au_csv=osp.abspath(au_csv), au_csv_sha256=sha256_file(au_csv), lists_sha256=written)
    atomic_write_json(summary, osp.join(out, 'selection.json'), indent=1)
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='ferda dvscl-select', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--list-root', required=True,
                        help='the folder holding v_rgb/ and v_depth/')
    parser.add_argument('--intensity', required=True,
                        help='au.csv: key, <AU>@onset, <AU>@apex columns')
    parser.add_argument('--threshold', required=True, type=float,
                        help='keep clips scoring >= this (no default: from the paper)')
    parser.add_argument('--agg', default='max_delta', choices=AGGREGATIONS)
    parser.add_argument('--out', required=True, help='the new list root')
    args = parser.parse_args(argv)
    try:
        summary = select_lists(args.list_root, args.intensity, args.threshold, args.out,
                               args.agg)
    except (ValueError, FileNotFoundError) as err:
        print(f'ferda dvscl-select: {err}', file=sys.stderr)
        return 2
    print(json.dumps({k: summary[k] for k in ('threshold', 'agg', 'pool', 'kept', 'dropped')}))
    print(f'wrote {args.out} (selection.json, selection.csv)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
