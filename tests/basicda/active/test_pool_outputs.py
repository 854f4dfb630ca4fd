"""Budget schedule, seeds, LabelPool and the run's files (docs/active-learning.md §2, §4)."""
import csv
import json

import numpy as np
import pytest

from basicda.active import (ROUND_COLUMNS, LabelPool, al_schedule, initial_set,
                            labelled_from_files, read_index_file, round_seed, write_initial,
                            write_pool, write_round_selection, write_rounds)
from basicda.active.outputs import sha256_text


def test_al_schedule_doc_examples():
    assert al_schedule(28709) == [2870, 4305, 5740, 7175, 8610, 10045, 11480]
    assert al_schedule(12271) == [1227, 1840, 2453, 3066, 3679, 4292, 4905]
    # independent oracle: integer division
    assert all(al_schedule(n)[0] == n // 10 for n in range(20, 2000))
    assert all(al_schedule(n)[1] - al_schedule(n)[0] == n // 20 for n in range(20, 2000))
    with pytest.raises(ValueError, match='a pool of 19 cannot follow'):
        al_schedule(19)


def test_round_seed_and_initial_set():
    assert round_seed(0, 1) == round_seed(0, 1) != round_seed(0, 2) != round_seed(1, 1)
    init = initial_set(100, 10, seed=3)
    expect = np.sort(np.random.Generator(np.random.PCG64(3)).choice(100, 10, replace=False))
    assert init.tolist() == expect.tolist() and len(set(init.tolist())) == 10


def test_label_pool_doc_example():
    pool = LabelPool(10, [2, 5])
    assert pool.unlabelled.tolist() == [0, 1, 3, 4, 6, 7, 8, 9]
    assert pool.select([4, 1]).tolist() == [6, 1]  # selection order kept
    assert pool.labelled.tolist() == [1, 2, 5, 6]
    assert sorted(pool.labelled.tolist() + pool.unlabelled.tolist()) == list(range(10))
    with pytest.raises(ValueError, match='already labelled: \\[2\\]'):
        pool.add([2])
    with pytest.raises(ValueError, match='out of range'):
        pool.select([6])


def _run_files(tmp_path):
    ids = [f's{i:02d}' for i in range(20)]
    al = str(tmp_path)
    digest = write_pool(al, ids)
    pool = LabelPool(20, initial_set(20, 2, seed=0))
    write_initial(al, pool.labelled, ids)
    sel = pool.select([3, 0])
    write_round_selection(al, 1, sel, [0.5, float('inf')], pool.labelled, ids)
    return al, ids, digest, pool, sel


def test_files_round_trip(tmp_path):
    al, ids, digest, pool, sel = _run_files(tmp_path)
    text = (tmp_path / 'pool.csv').read_text()
    assert text.splitlines()[:2] == ['pool_index,sample_id', '0,s00']
    assert (tmp_path / 'pool.sha256').read_text().strip() == digest == sha256_text(text)
    idx, got_ids, scores = read_index_file(str(tmp_path / 'round_1_selected.txt'), scores=True)
    assert idx.tolist() == sel.tolist() and got_ids == [ids[i] for i in sel]
    assert scores.tolist() == [0.5, float('inf')]
    assert labelled_from_files(al, 1).tolist() == pool.labelled.tolist()
    assert labelled_from_files(al, 0).tolist() == initial_set(20, 2, seed=0).tolist()


def test_labelled_from_files_detects_damage(tmp_path):
    al, ids, _, pool, _ = _run_files(tmp_path)
    path = tmp_path / 'labelled_round_1.txt'
    path.write_text('\n'.join(path.read_text().splitlines()[:-1]) + '\n')
    with pytest.raises(ValueError, match='labelled_round_1.txt does not match'):
        labelled_from_files(al, 1)
    (tmp_path / 'round_1_selected.txt').write_text('pool_index,sample_id,score\nx,s01,0.1\n')
    with pytest.raises(ValueError, match='round_1_selected.txt: line 2 is not a valid row'):
        labelled_from_files(al, 1)


def test_rounds_files(tmp_path):
    row = dict(zip(ROUND_COLUMNS, [0, 2, 0.1, 50.0, 40.0, 30.0, 3, 'max_epochs', 0.1, 1.2, 7]))
    write_rounds(str(tmp_path), [row, dict(row, round=1)])
    with open(tmp_path / 'rounds.csv') as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(ROUND_COLUMNS) and [r['round'] for r in rows] == ['0', '1']
    assert json.loads((tmp_path / 'rounds.json').read_text())[1] == dict(row, round=1)
    bad = dict(row)
    del bad['mca']
    with pytest.raises(KeyError, match=r"rounds row 0: missing columns \['mca'\]"):
        write_rounds(str(tmp_path), [bad])
