"""ferda noise: exact flip count on training rows only, every other byte kept (the LDL CSV's
knn column, line ends, RAF-DB's test rows), side files, seeded."""
import hashlib
import json

import pytest

from ferda.tools.cli import main as cli
from ferda.tools.noise import noisy_copy
from tests.ferda.datasets.fixtures import LDL_TRAIN, RAFDB_LABELS

RAFDB = (b'train_00001.jpg 1\ntrain_00002.jpg  7\r\ntrain_00003.jpg 3\ntrain_00004.jpg 2\n'
         b'test_0001.jpg 4\ntest_0002.jpg 5\n\n')


def _diff_lines(a: bytes, b: bytes):
    la, lb = a.splitlines(keepends=True), b.splitlines(keepends=True)
    assert len(la) == len(lb)
    return [i for i, (x, y) in enumerate(zip(la, lb)) if x != y]


def test_rafdb_flips_exact_count_of_train_rows_and_keeps_bytes(tmp_path):
    src = tmp_path / 'list_patition_label.txt'
    src.write_bytes(RAFDB)
    out = tmp_path / 'noisy.txt'
    assert cli(['noise', '--ann', str(src), '--format', 'rafdb', '--rate', '0.5', '--seed', '3',
                '--out', str(out)]) == 0
    noisy = out.read_bytes()
    changed = _diff_lines(RAFDB, noisy)
    assert len(changed) == 2 and all(i < 4 for i in changed)  # floor(0.5 * 4 + 0.5) train rows
    for i in changed:
        old, new = RAFDB.splitlines(keepends=True)[i], noisy.splitlines(keepends=True)[i]
        assert old.split()[0] == new.split()[0] and old.split()[1] != new.split()[1]
        assert 1 <= int(new.split()[1]) <= 7
        assert old.endswith(b'\r\n') == new.endswith(b'\r\n')
    meta = json.loads((tmp_path / 'noisy.txt.meta.json').read_text())
    assert (meta['n_train'], meta['n'], meta['seed']) == (4, 2, 3)
    assert meta['output_sha256'] == hashlib.sha256(noisy).hexdigest()
    assert meta['input_sha256'] == hashlib.sha256(RAFDB).hexdigest()
    flips = (tmp_path / 'noisy.txt.flips.csv').read_text().splitlines()
    assert flips[0] == 'row,line,id,old,new' and len(flips) == 3
    again, _, _ = noisy_copy(RAFDB, 'x', 'rafdb', 0.5, 3)
    assert again == noisy


def test_ldl_csv_keeps_the_knn_column_and_other_fields():
    noisy, flips, n_train = noisy_copy(LDL_TRAIN, 'train.csv', 'ldl_csv', 1.0, 0)
    assert n_train == 4 and len(flips) == 4
    for old, new in zip(LDL_TRAIN.splitlines()[1:], noisy.splitlines()[1:]):
        a, b = old.split(b','), new.split(b',')
        assert a[0] == b[0] and a[2:] == b[2:] and a[1] != b[1]  # only expression changed
    assert noisy.splitlines()[0] == LDL_TRAIN.splitlines()[0]


def test_errors_name_file_and_line():
    with pytest.raises(ValueError, match=r'x\.txt:2: expected a label in 1\.\.7, found 9'):
        noisy_copy(b'train_1.jpg 1\ntrain_2.jpg 9\n', 'x.txt', 'rafdb', 0.5, 0)
    with pytest.raises(ValueError, match=r'x\.txt:1: expected "<name> <label>"'):
        noisy_copy(b'train_1.jpg\n', 'x.txt', 'list', 0.5, 0)
    assert noisy_copy(RAFDB_LABELS, 'x', 'rafdb', 0.0, 0)[0] == RAFDB_LABELS
