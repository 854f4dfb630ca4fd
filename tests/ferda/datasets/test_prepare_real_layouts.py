"""`ferda prepare` on each layout as distributed (issue: real datasets): the cache is written
and the report names every record a reader skipped, with its reason."""
import os.path as osp

import pytest

from ferda.datasets.prepare import prepare_cache
from .fixtures import (AFFECTNET_VAL_ROWS, KDEF_FILES, KDEF_MISNAMED, LDL_TRAIN_PANDAS,
                       RAFDB_MANUAL, write_affectnet, write_affectnet_npy, write_bytes,
                       write_expw, write_ferplus, write_image_tree, write_ldl, write_oulu_cdfer,
                       write_rafdb, write_sfew)


def ferplus(root):
    path = write_ferplus(root)
    return dict(type='FerPlusReader'), 'none', 1, {
        'majority vote NF (not an emotion)': [f'{path}:4 fer0000001.png'],
        'no image name (image dropped by FER+)': [f'{path}:3']}


def rafdb_original(root):
    write_rafdb(root, labels=b'train_00001.jpg 1\ntest_0001.jpg 4\n', variant='original',
                boxes={'train_00001': b'0 0 8 8\n', 'test_0001': b'1 1 7 7\n'},
                manual={'train_00001': RAFDB_MANUAL, 'test_0001': RAFDB_MANUAL})
    return dict(type='RafDbReader', variant='original', landmarks='manual'), 'landmarks5', 2, {}


def affectnet_csv(root):
    path = write_affectnet(root)
    return dict(type='AffectNetReader'), 'none', 4, {
        'expression 10 (Non-Face) is not an emotion class': [f'{path}:6'],
        'expression 7 (Contempt) in 7-class mode': [f'{path}:4'],
        'expression 8 (None) is not an emotion class': [f'{path}:5']}


def affectnet_npy(root):
    write_affectnet_npy(root, {'train_set': {0: ('3', '0.1', '0.1'), 1: ('10', '0', '0')},
                               'val_set': {0: ('6', '0.2', '0.2')}})
    exp = osp.join(root, 'train_set', 'annotations', '1_exp.npy')
    return dict(type='AffectNetReader'), 'none', 2, {
        'expression 10 (Non-Face) is not an emotion class': [exp]}


def kdef(root):
    write_image_tree(root, KDEF_FILES + KDEF_MISNAMED)
    return dict(type='KdefReader'), 'none', 2, {
        'file name not in KDEF naming (strict=False)': [osp.join(root, n)
                                                         for n in KDEF_MISNAMED]}


def sfew_official(root):
    write_sfew(root, layout='official')
    return dict(type='SfewReader'), 'none', 2, {}


def sfew_cdfer(root):
    write_sfew(root)
    return dict(type='SfewReader'), 'box', 2, {}


def ckplus_cdfer(root):
    crop = osp.join(root, 'CK+_Emotion', 'Train', 'CK+_Train_crop')
    write_image_tree(root, ('CK+_Emotion/Train/CK+_Train_crop/Happy/a.png',
                            'CK+_Emotion/Val/CK+_Val_crop/Sad/b.png'))
    write_bytes(osp.join(crop, 'landmark_5', 'Happy', 'a.txt'), b'1 2\n6 2\n4 4\n2 6\n6 6\n')
    missing = osp.join(root, 'CK+_Emotion', 'Val', 'CK+_Val_crop', 'Sad', 'b.png')
    return dict(type='CkPlusReader', layout='cdfer'), 'none', 2, {
        'no landmark_5 file (kept without landmarks)': [missing]}


def oulu_cdfer(root):
    write_oulu_cdfer(root)
    return dict(type='OuluCasiaReader', layout='cdfer'), 'none', 3, {}


def ldl(root):
    write_ldl(root, LDL_TRAIN_PANDAS)
    return dict(type='LdlCsvReader', split='train', ann_file='train.csv'), 'none', 4, {}


def expw(root):
    path = write_expw(root)
    return dict(type='ExpwReader', split_file=osp.join(root, 'splits', 'expw_seed0.csv'),
                split='all'), 'none', 6, {
        'degenerate box (right <= left or bottom <= top)': [
            f'{path}:8 fear_kid_11.jpg#1 top=10 left=30 right=30 bottom=20'],
        'exact duplicate line (kept once)': [f'{path}:7 (same as line 3)']}


@pytest.mark.parametrize('layout', [ferplus, rafdb_original, affectnet_csv, affectnet_npy, kdef,
                                    sfew_official, sfew_cdfer, ckplus_cdfer, oulu_cdfer, ldl,
                                    expw])
def test_prepare_writes_the_cache_and_names_the_skips(tmp_path, layout):
    root = str(tmp_path / 'raw')
    reader, crop, num_samples, skipped = layout(root)
    summary = prepare_cache(dict(reader, data_root=root), str(tmp_path / 'cache'), size=8,
                            crop=crop, progress=False)
    meta = summary['meta']
    assert meta['num_samples'] == num_samples
    assert osp.isfile(str(tmp_path / 'cache' / 'images_0.u8.npy'))
    assert {reason: entry['examples'] for reason, entry in
            meta['report']['reader_skipped'].items()} == skipped
    assert all(entry['count'] == len(entry['examples'])
               for entry in meta['report']['reader_skipped'].values())


def test_affectnet_zero_byte_image_is_named_with_its_csv_line(tmp_path):
    root = str(tmp_path / 'raw')
    write_affectnet(root, val_rows=AFFECTNET_VAL_ROWS + [('2/empty.jpg', ) +
                                                         AFFECTNET_VAL_ROWS[0][1:]],
                    empty_images=('2/empty.jpg', ))
    csv_path = osp.join(root, 'Manually_Annotated_file_lists', 'validation.csv')
    with pytest.raises(ValueError, match=rf"cannot decode image .*2/empty\.jpg \(annotation "
                                         rf"{csv_path}:3\)"):
        prepare_cache(dict(type='AffectNetReader', data_root=root, split='test'),
                      str(tmp_path / 'cache'), size=8, crop='box', progress=False)
