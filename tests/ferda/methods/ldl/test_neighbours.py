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


def test_read_va_file_worked_example_and_errors(tmp_path):
    from ferda.methods.ldl.neighbours import read_va_file

    path = tmp_path / 'va.csv'
    path.write_bytes(b'\xef\xbb\xbfsample_id,valence,arousal,extra\r\nb,0.5,-0.25,x\r\n'
                     b'a,0,1,y\r\n\r\n')
    assert read_va_file(str(path), ['a', 'b']).tolist() == [[0, 1], [0.5, -0.25]]
    with pytest.raises(ValueError, match=r"va\.csv: no valence-arousal row for training "
                       r"sample 'c' \(1 of 3 samples missing\)"):
        read_va_file(str(path), ['a', 'b', 'c'])
    for text, message in (
            ('sample_id,valence\na,0\n', r'va\.csv:1: expected a header .* arousal missing'),
            ('sample_id,valence,arousal\na,0,1\nb,0.5\n', r'va\.csv:3: expected 3 fields'),
            ('sample_id,valence,arousal\na,high,1\n', r'va\.csv:2: valence and arousal must '
             r"be numbers, found 'high'"),
            ('sample_id,valence,arousal\na,0,1\na,0,0\n', r"va\.csv:3: sample 'a' again "
             r'\(first at line 2\)')):
        path.write_text(text)
        with pytest.raises(ValueError, match=message):
            read_va_file(str(path), ['a'])


def test_dataset_takes_va_from_va_file(tmp_path):
    """A dataset without VA (RAF-DB) gets it from va_file; the kernel follows the file."""
    import math

    import ferda.methods  # noqa: F401
    from ferda.methods.ldl.dataset import LDLNeighbourDataset
    from tests.ferda.datasets.fixtures import write_rafdb

    write_rafdb(str(tmp_path))
    base = dict(type='FaceDataset', reader=dict(type='RafDbReader', data_root=str(tmp_path),
                                                split='train'), crop='none')
    with pytest.raises(ValueError, match='LDL needs valence and arousal .*va_file=CSV'):
        LDLNeighbourDataset(base, [], [], num_neighbours=1)
    va = tmp_path / 'va.csv'
    va.write_text('sample_id,valence,arousal\ntrain_00002,0.5,0.25\ntrain_00001,0,0\n')
    dataset = LDLNeighbourDataset(base, [], [], num_neighbours=1, va_file=str(va))
    assert dataset.neighbours.tolist() == [[1], [0]]
    # kernel exp(-(|0 - 0.5| + |0 - 0.25|) / 0.5) = exp(-1.5)
    assert dataset.kernel[:, 0].tolist() == pytest.approx([math.exp(-1.5)] * 2, abs=1e-7)
    va.write_text('sample_id,valence,arousal\ntrain_00001,0,0\n')
    with pytest.raises(ValueError, match="no valence-arousal row for training sample "
                       "'train_00002'"):
        LDLNeighbourDataset(base, [], [], num_neighbours=1, va_file=str(va))
