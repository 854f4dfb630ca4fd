import pytest

from ferda.datasets.readers import KdefReader
from ferda.datasets.records import DatasetFormatError
from ferda.datasets.subject_splits import make_subject_split, write_subject_file
from .fixtures import KDEF_FILES, KDEF_MISNAMED, write_image_tree


def test_straight_angle(tmp_path):
    # the release as distributed, its two misnamed files included
    write_image_tree(str(tmp_path), KDEF_FILES + KDEF_MISNAMED)
    reader = KdefReader(str(tmp_path))
    records = reader.load()
    assert reader.num_skipped == {'file name not in KDEF naming (strict=False)': 2}
    assert reader.skip_examples['file name not in KDEF naming (strict=False)'] == [
        str(tmp_path / name) for name in KDEF_MISNAMED]
    assert [(r.sample_id, r.label, r.split) for r in records] == [
        ('AF01ANS', 5, 'all'), ('BM35NES', 6, 'all')]
    assert records[0].extras == dict(subject='F01', session='A', angle='S')
    both = KdefReader(str(tmp_path), angles=('S', 'HL')).load()
    assert [(r.sample_id, r.label) for r in both] == [('AF01ANS', 5), ('AF01SUHL', 0),
                                                      ('BM35NES', 6)]


def test_actor_split_keeps_an_actor_on_one_side(tmp_path):
    write_image_tree(str(tmp_path), KDEF_FILES + ('BF01/BF01HAS.JPG', ))
    records = KdefReader(str(tmp_path), angles=('S', 'HL')).load()
    split = make_subject_split([r.extras['subject'] for r in records], 0.5, seed=0)
    assert sorted(split) == ['F01', 'M35'] and sorted(split.values()) == ['test', 'train']
    split_file = str(tmp_path / 'kdef_actor_seed0.csv')
    write_subject_file(split, split_file, 'split')
    kwargs = dict(angles=('S', 'HL'), split_file=split_file)
    f01_side = split['F01']
    side = KdefReader(str(tmp_path), f01_side, **kwargs).load()
    # both images of AF01 and the session-B image of the same actor
    assert [r.sample_id for r in side] == ['AF01ANS', 'AF01SUHL', 'BF01HAS']
    other = 'test' if f01_side == 'train' else 'train'
    assert [r.sample_id for r in KdefReader(str(tmp_path), other, **kwargs).load()] == [
        'BM35NES']


def test_bad_names_strict_and_not(tmp_path):
    write_image_tree(str(tmp_path), KDEF_FILES + ('AF01/AF01XXS.JPG', ))
    with pytest.raises(DatasetFormatError, match=r"AF01XXS\.JPG: expected a KDEF name .* found "
                                                 r"'AF01XXS\.JPG'"):
        KdefReader(str(tmp_path), strict=True).load()
    reader = KdefReader(str(tmp_path))
    assert [r.sample_id for r in reader.load()] == ['AF01ANS', 'BM35NES']
    assert reader.num_skipped == {'file name not in KDEF naming (strict=False)': 1}
    with pytest.raises(ValueError, match=r"angles must be a non-empty subset of .* got \('X',\)"):
        KdefReader(str(tmp_path), angles=('X', ))
    with pytest.raises(ValueError, match=r"split='train' needs split_file"):
        KdefReader(str(tmp_path), 'train')


def test_the_wrong_folder_is_an_error_naming_it(tmp_path):
    # KDEF_and_AKDEF/ holds KDEF/ (and AKDEF files): no actor folder with images directly
    root = tmp_path / 'KDEF_and_AKDEF'
    write_image_tree(str(root / 'KDEF'), KDEF_FILES)
    with pytest.raises(DatasetFormatError, match=rf"^{root}: expected at least one KdefReader "
                                                 r"record for split 'all' .* found none"):
        KdefReader(str(root)).load()
    assert len(KdefReader(str(root / 'KDEF')).load()) == 2
