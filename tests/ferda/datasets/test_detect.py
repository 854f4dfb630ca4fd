"""--crop detect: face detection, 5 landmarks and alignment (ferda/datasets/detect.py).

The photographs are scikit-image's sample images, shipped inside the package: ``astronaut``
(Eileen Collins, one frontal face) and ``coffee`` (a cup, no face). The eye, nose and mouth
positions below were marked by hand on a 4x enlargement of the astronaut's face, independently
of the detector.
"""
import csv
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import skimage.data

from ferda.datasets.detect import (INSTALL_HINT, FaceDetector, centre_square, choose_face,
                                   detect_records)
from ferda.datasets.face_crop import LANDMARKS5_TEMPLATE_112
from ferda.datasets.prepare import prepare_cache
from ferda.datasets.readers import ImageFolderReader
from ferda.tools.cli import main as ferda_main

# hand-marked on skimage.data.astronaut(): left eye, right eye, nose tip, mouth corners
ASTRONAUT_POINTS = np.array([[205, 101], [246, 103], [225, 126], [202, 140], [244, 141]],
                            np.float64)


@pytest.fixture(scope='module')
def detector():
    return FaceDetector()


def write_photos(root: str) -> str:
    """An image folder: ``happy/astronaut.png`` (a face) and ``neutral/coffee.png`` (none)."""
    for rel, image in (('happy/astronaut.png', skimage.data.astronaut()),
                       ('neutral/coffee.png', skimage.data.coffee())):
        path = osp.join(root, rel)
        os.makedirs(osp.dirname(path), exist_ok=True)
        assert cv2.imwrite(path, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return root


def reader_cfg(root):
    return dict(type='ImageFolderReader', data_root=root,
                class_to_label=dict(happy=3, neutral=6), num_classes=7)


def test_choose_face_largest_and_central():
    boxes = np.array([[0, 0, 30, 30], [45, 40, 65, 60], [70, 70, 100, 100]])
    # areas 900, 400, 900 -> the first of the two largest; centres vs image centre (50, 50)
    assert choose_face(boxes, 100, 100, 'largest') == 0
    assert choose_face(boxes, 100, 100, 'central') == 1
    with pytest.raises(ValueError, match=r"choose must be one of \('largest', 'central'\)"):
        choose_face(boxes, 100, 100, 'first')
    assert centre_square(100, 60) == (20, 0, 80, 60)
    assert centre_square(30, 50) == (0, 10, 30, 40)


def test_astronaut_face_and_landmarks(detector):
    found = detector.detect(skimage.data.astronaut())
    assert found is not None
    x1, y1, x2, y2 = found.box
    assert x1 < ASTRONAUT_POINTS[:, 0].min() and ASTRONAUT_POINTS[:, 0].max() < x2
    assert y1 < ASTRONAUT_POINTS[:, 1].min() and ASTRONAUT_POINTS[:, 1].max() < y2
    # eyes, nose and mouth corners within 5 px of the hand marks (the face is ~90 px wide)
    np.testing.assert_array_less(np.hypot(*(found.landmarks - ASTRONAUT_POINTS).T), 5.0)
    assert detector.detect(skimage.data.coffee()) is None


def test_prepare_detect_aligns_and_reports_no_face(tmp_path, detector):
    root = write_photos(str(tmp_path / 'raw'))
    cache = str(tmp_path / 'cache')
    summary = prepare_cache(reader_cfg(root), cache, size=112, crop='detect')
    meta = summary['meta']
    assert meta['num_samples'] == 1
    report = meta['report']['detect']
    assert report['detected'] == 1
    assert report['no_face'] == dict(count=1, action='skip',
                                     images=[osp.join(root, 'neutral', 'coffee.png')])
    assert meta['prepare']['detect'] == dict(model='hog', choose='largest', no_face='skip',
                                             upsample=1)
    face = np.load(osp.join(cache, 'images_0.u8.npy'), mmap_mode='r')[0]
    # the written crop is aligned: detected again, its eyes sit on the template's eyes
    again = detector.detect(np.array(face))
    assert again is not None
    np.testing.assert_array_less(np.hypot(*(again.landmarks[:2] -
                                            LANDMARKS5_TEMPLATE_112[:2]).T), 4.0)
    with open(osp.join(cache, 'index.csv'), newline='') as f:
        row = list(csv.DictReader(f))[0]
    extras = json.loads(row['extras'])
    assert extras['detect']['detected'] is True and extras['detect']['faces'] >= 1


def test_prepare_detect_centre_fallback(tmp_path):
    root = write_photos(str(tmp_path / 'raw'))
    cache = str(tmp_path / 'cache')
    summary = prepare_cache(reader_cfg(root), cache, size=64, crop='detect',
                            detect=dict(no_face='centre'))
    meta = summary['meta']
    assert meta['num_samples'] == 2
    assert meta['report']['detect']['no_face']['action'] == 'centre'
    assert meta['report']['counted']['no face detected: centre crop']['count'] == 1
    records = ImageFolderReader(root, dict(happy=3, neutral=6)).load()
    assert [r.sample_id for r in records][1].endswith('coffee.png')
    coffee = skimage.data.coffee()  # 400 x 600: the centred 400 x 400 square, shrunk
    expected = cv2.resize(coffee[:, 100:500], (64, 64), interpolation=cv2.INTER_AREA)
    shard = np.load(osp.join(cache, 'images_0.u8.npy'), mmap_mode='r')
    np.testing.assert_allclose(shard[1].astype(int), expected.astype(int), atol=1)


def test_cli_crop_detect(tmp_path, capsys):
    root = write_photos(str(tmp_path / 'raw'))
    cache = str(tmp_path / 'cache')
    assert ferda_main(['prepare', 'image_folder', '--root', root, '--out', cache, '--size',
                       '32', '--crop', 'detect', '--no-face', 'skip', '--no-progress',
                       '--reader-options', "class_to_label={'happy': 3, 'neutral': 6}"]) == 0
    with open(osp.join(cache, 'meta.json')) as f:
        meta = json.load(f)
    assert meta['num_samples'] == 1 and meta['report']['detect']['no_face']['count'] == 1


def test_missing_packages_say_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'dlib', None)  # import dlib -> ImportError
    with pytest.raises(ImportError, match=r'pip install -e "\.\[align\]"'):
        FaceDetector()
    assert 'dlib-bin' in INSTALL_HINT
    with pytest.raises(ValueError, match=r"model must be one of \('hog', 'cnn'\)"):
        FaceDetector(model='mtcnn')
