"""LDL's VA neighbours: exact search, knn.npy cache and its hash checks."""
import json
import os.path as osp

import numpy as np
import pytest

from ferda.methods.ldl.neighbours import check_va, va_neighbours

VA = np.array([[0, 0], [0.1, 0], [0.3, 0], [1, 1]])


def test_neighbours_of_the_worked_example_and_cache(tmp_path):
    nidx, va_hash = va_neighbours(VA, 2, str(tmp_path))
    assert nidx.tolist() == [[1, 2], [0, 2], [1, 0], [2, 1]]
    assert np.load(tmp_path / 'knn.npy').tolist() == nidx.tolist()
    meta = json.loads((tmp_path / 'knn.json').read_text())
    assert meta['va_sha256'] == va_hash and meta['k'] == 2 and meta['metric'] == 'l1'
    again, _ = va_neighbours(VA, 2, str(tmp_path), backend='torch')
    assert again.tolist() == nidx.tolist()


def test_resume_refuses_other_va_or_k_and_a_modified_file(tmp_path):
    va_neighbours(VA, 2, str(tmp_path))
    other = VA.copy()
    other[3] = [0.9, 1.0]
    with pytest.raises(ValueError, match=r'knn\.json: va_sha256 is .* built from other data'):
        va_neighbours(other, 2, str(tmp_path))
    with pytest.raises(ValueError, match=r"knn\.json: k is 2 but this run has 1"):
        va_neighbours(VA, 1, str(tmp_path))
    np.save(tmp_path / 'knn.npy', np.array([[2, 1], [0, 2], [1, 0], [2, 1]]))
    with pytest.raises(ValueError, match=r'knn\.npy: content does not match knn_sha256'):
        va_neighbours(VA, 2, str(tmp_path))
    (tmp_path / 'knn.json').unlink()
    with pytest.raises(ValueError, match='must exist together'):
        va_neighbours(VA, 2, str(tmp_path))
    assert not osp.exists(tmp_path / 'knn.json')


def test_bad_va_names_the_sample():
    with pytest.raises(ValueError, match=r"valence-arousal of b is \(-2\.0, 0\.5\)"):
        check_va([[0, 0], [-2, 0.5]], sample_ids=['a', 'b'])
    with pytest.raises(ValueError, match=r'valence-arousal of row 0 is \(nan, 0\.0\)'):
        check_va([[np.nan, 0]])
