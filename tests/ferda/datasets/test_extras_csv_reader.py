"""ExtrasCsvReader: metadata columns of a side CSV joined onto another reader's records."""
import csv

import pytest
import torch
from torch.utils.data import default_collate

from ferda.datasets import DatasetFormatError, ExtrasCsvReader, FaceDataset

from .fixtures import write_bytes, write_image_tree

LIST = b'imgs/a.jpg 3\nimgs/b.jpg 0\n'
VA = b'\xef\xbb\xbfsample_id,valence,arousal,subject\r\nimgs/b.jpg,0.5,-0.25,7\r\n' \
     b'imgs/a.jpg,-0.1,0.2,3\r\nimgs/unused.jpg,0,0,1\r\n'


def reader_cfg(root, extras=VA, **kwargs):
    write_image_tree(str(root), ('imgs/a.jpg', 'imgs/b.jpg'))
    write_bytes(str(root / 'list.txt'), LIST)
    write_bytes(str(root / 'va.csv'), extras)
    kwargs.setdefault('columns', dict(valence='float', arousal='float', subject='int'))
    return dict(type='ExtrasCsvReader', extras_file=str(root / 'va.csv'),
                reader=dict(type='ListFileReader', data_root=str(root), list_file='list.txt',
                            num_classes=7, labels_are_canonical=True, split='train'), **kwargs)


def test_columns_join_by_sample_id(tmp_path):
    from ferda.registry import DATASETS

    reader = DATASETS.build(reader_cfg(tmp_path))
    records = reader.load()
    assert [(r.sample_id, r.label, r.extras) for r in records] == [
        ('imgs/a.jpg', 3, dict(valence=-0.1, arousal=0.2, subject=3)),
        ('imgs/b.jpg', 0, dict(valence=0.5, arousal=-0.25, subject=7))]
    assert (reader.split, reader.name, reader.num_classes) == ('train', 'list_file', 7)


def test_missing_row_duplicate_bad_value_and_clash_are_named(tmp_path):
    from ferda.registry import DATASETS

    def load(extras, **kwargs):
        return DATASETS.build(reader_cfg(tmp_path, extras, **kwargs)).load()

    with pytest.raises(DatasetFormatError, match=r"va.csv: expected a row for 'imgs/b.jpg' "
                                                 r'\(.*list.txt:2\), found none'):
        load(b'sample_id,valence,arousal,subject\nimgs/a.jpg,0,0,1\n')
    with pytest.raises(DatasetFormatError, match=r"va.csv:3: expected each sample_id once, "
                                                 r"found 'imgs/a.jpg' again \(first at line 2\)"):
        load(b'sample_id,valence,arousal,subject\nimgs/a.jpg,0,0,1\nimgs/a.jpg,0,0,1\n')
    with pytest.raises(DatasetFormatError, match=r"va.csv:2: expected float valence, found 'x'"):
        load(b'sample_id,valence,arousal,subject\nimgs/a.jpg,x,0,1\nimgs/b.jpg,0,0,1\n')
    with pytest.raises(DatasetFormatError, match=r"va.csv:1: expected a header with the "
                                                 r"columns \['arousal'\]"):
        load(b'sample_id,valence,subject\nimgs/a.jpg,0,1\n')
    cfg = reader_cfg(tmp_path)
    write_bytes(str(tmp_path / 'list2.txt'), b'imgs/a.jpg 3 0.1\n')
    cfg['reader'].update(list_file='list2.txt', extra_columns=[('valence', 'float')])
    with pytest.raises(ValueError, match=r"ListFileReader already gives \['valence'\] for "
                                         r'.*list2.txt:1'):
        DATASETS.build(cfg).load()


def test_synfer_meta_reaches_data_samples(synfer_workdir):
    """SynFER's synfer_meta.csv (the generator's valence, arousal and subject) through a real
    reader and FaceDataset's meta_keys; the expected values are read with the csv module."""
    root = synfer_workdir / 'data' / 'synfer' / 'lab'
    ds = FaceDataset(reader=dict(
        type='ExtrasCsvReader', extras_file=str(root / 'synfer_meta.csv'),
        columns=dict(valence='float', arousal='float', subject='int'),
        reader=dict(type='RafDbReader', data_root=str(root), split='test')),
        meta_keys=('valence', 'arousal', 'subject', 'sample_id'))
    with open(root / 'synfer_meta.csv', newline='') as f:
        rows = {row['sample_id']: row for row in csv.DictReader(f)}
    batch = default_collate([ds[i] for i in range(len(ds))])['data_samples']
    expected = [rows[sample_id] for sample_id in batch['sample_id']]
    torch.testing.assert_close(batch['valence'],
                               torch.tensor([float(r['valence']) for r in expected]))
    torch.testing.assert_close(batch['arousal'],
                               torch.tensor([float(r['arousal']) for r in expected]))
    assert batch['subject'].tolist() == [int(r['subject']) for r in expected]
    # the generator's label column agrees with the RAF-DB reader's canonical label
    assert batch['gt_label'].tolist() == [int(r['label']) for r in expected]
