import os.path as osp

import pytest

from ferda.datasets.readers import OuluCasiaReader
from ferda.datasets.records import DatasetFormatError
from .fixtures import OULU_FILES, write_image_tree


def test_last_three_frames(tmp_path):
    write_image_tree(str(tmp_path), OULU_FILES)
    records = OuluCasiaReader(str(tmp_path)).load()
    assert [(r.sample_id, r.label) for r in records] == [
        ('P001/Happiness/003', 3), ('P001/Happiness/004', 3), ('P001/Happiness/005', 3)]
    assert records[2].extras == dict(subject='P001', frame=5)
    assert records[2].img_path == osp.join(str(tmp_path), 'VL', 'Strong', 'P001', 'Happiness',
                                           '005.jpeg')
    assert len(OuluCasiaReader(str(tmp_path), frames='all').load()) == 6
    assert OuluCasiaReader(str(tmp_path), frames='last1').load()[0].sample_id == \
        'P001/Happiness/005'


def test_other_light_and_bad_folders(tmp_path):
    write_image_tree(str(tmp_path), OULU_FILES)
    with pytest.raises(DatasetFormatError, match=r'NI/Strong: expected a dataset folder'):
        OuluCasiaReader(str(tmp_path), light='NI').load()
    write_image_tree(str(tmp_path), ('VL/Strong/P002/Neutral/000.jpeg', ))
    with pytest.raises(DatasetFormatError, match=r"P002/Neutral: expected an expression folder "
                                                 r"in \['Anger', .*found 'Neutral'"):
        OuluCasiaReader(str(tmp_path)).load()


def test_non_numbered_frame(tmp_path):
    write_image_tree(str(tmp_path), OULU_FILES + ('VL/Strong/P001/Happiness/peak.jpeg', ))
    with pytest.raises(DatasetFormatError, match=r"peak\.jpeg: expected a numbered frame"):
        OuluCasiaReader(str(tmp_path)).load()
    with pytest.raises(ValueError, match=r"intensity must be one of"):
        OuluCasiaReader(str(tmp_path), intensity='strong')
