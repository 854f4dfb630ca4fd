"""LDL's VA neighbours: exact search, knn.npy + knn.json in the run and their checks."""
import json

import numpy as np
import pytest

from ferda.methods.ldl.neighbours import array_sha256, check_va, record_knn, va_neighbours

VA = np.array([[0, 0], [0.1, 0], [0.3, 0], [1, 1]])


def test_neighbours_of_the_worked_example():
    nidx = va_neighbours(VA, 2)
    assert nidx.tolist() == [[1, 2], [0, 2], [1, 0], [2, 1]]
    assert va_neighbours(VA, 2, backend='torch').tolist() == nidx.tolist()


def test_record_writes_then_checks_on_resume(tmp_path):
    nidx = va_neighbours(VA, 2)
    meta = dict(k=2, metric='l1', va_sha256=array_sha256(VA))
    record_knn(str(tmp_path), nidx, meta)
    assert np.load(tmp_path / 'knn.npy').tolist() == nidx.tolist()
    saved = json.loads((tmp_path / 'knn.json').read_text())
    assert saved == dict(meta, knn_sha256=array_sha256(nidx))
    record_knn(str(tmp_path), nidx, meta)  # the same data: accepted
    other = VA.copy()
    other[3] = [0.9, 1.0]
    with pytest.raises(ValueError, match=r'knn\.json: va_sha256 is .* built from other data'):
        record_knn(str(tmp_path), nidx, dict(meta, va_sha256=array_sha256(other)))
    with pytest.raises(ValueError, match=r'knn\.json: knn_sha256 is'):
        record_knn(str(tmp_path), nidx[:, ::-1], meta)
    np.save(tmp_path / 'knn.npy', nidx[:, ::-1])
    with pytest.raises(ValueError, match=r'knn\.npy: content does not match knn_sha256'):
        record_knn(str(tmp_path), nidx, meta)
    (tmp_path / 'knn.json').unlink()
    with pytest.raises(ValueError, match='must exist together'):
        record_knn(str(tmp_path), nidx, meta)


def test_bad_va_names_the_sample():
    with pytest.raises(ValueError, match=r"valence-arousal of b is \(-2\.0, 0\.5\)"):
        check_va([[0, 0], [-2, 0.5]], sample_ids=['a', 'b'])
    with pytest.raises(ValueError, match=r'valence-arousal of row 0 is \(nan, 0\.0\)'):
        check_va([[np.nan, 0]])
