"""Byte-exact fixture files for the reader tests (datasets.md §5), quirks included.

Each ``write_*`` writes one dataset layout under ``root`` with 8x8 images in the dataset's
container format (JPEG; FER2013 pixels inline) and returns the annotation file's path.
"""
import os
import os.path as osp

import cv2
import numpy as np

# RAF-DB: double space and CRLF on line 2, a trailing blank line.
RAFDB_LABELS = b'train_00001.jpg 1\ntrain_00002.jpg  7\r\ntest_0001.jpg 4\n\n'
# ExpW: the spec's example line, a second face in the same image, 4 more rows.
EXPW_LABELS = (b'angry_actor_104.jpg 0 28 113 226 141 22.9362 0\n'
               b'angry_actor_104.jpg 1 30 10 60 70 15.5 5\n'
               b'happy_girl_2.jpg 0 5 6 40 45 30.1 3\n'
               b'sad_man_7.jpg 0 1 2 30 33 12.25 4\n'
               b'neutral_face_9.jpg 0 0 0 20 20 40.0 6\n'
               b'fear_kid_11.jpg 0 3 4 25 26 18.0 2\n')
EXPW_IMAGES = ('angry_actor_104.jpg', 'happy_girl_2.jpg', 'sad_man_7.jpg', 'neutral_face_9.jpg',
               'fear_kid_11.jpg')
EXPW_SPLIT = (b'image_name,face_id,split\n'
              b'angry_actor_104.jpg,0,train\nangry_actor_104.jpg,1,train\n'
              b'fear_kid_11.jpg,0,val\nhappy_girl_2.jpg,0,train\n'
              b'neutral_face_9.jpg,0,test\nsad_man_7.jpg,0,test\n')


def write_bytes(path: str, data: bytes) -> str:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)
    return path


def write_jpeg(path: str, value: int = 128, grey: bool = False) -> str:
    """An 8x8 JPEG filled with ``value`` (3-channel unless ``grey``)."""
    img = np.full((8, 8) if grey else (8, 8, 3), value, np.uint8)
    ok, buf = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok  # a broken OpenCV is a test-environment fault, not user input
    return write_bytes(path, buf.tobytes())


def write_rafdb(root: str, labels: bytes = RAFDB_LABELS, variant: str = 'aligned',
                boxes: dict = None) -> str:
    """RAF-DB basic: the label file and one 8x8 JPEG per listed name.

    ``boxes`` (variant 'original') maps a stem to the bytes of its box file.
    """
    label_path = write_bytes(osp.join(root, 'basic', 'EmoLabel', 'list_patition_label.txt'),
                             labels)
    names = {line.split()[0] for line in labels.decode('utf-8-sig').splitlines() if line.strip()}
    for name in sorted(names):
        stem = osp.splitext(name)[0]
        if variant == 'aligned':
            write_jpeg(osp.join(root, 'basic', 'Image', 'aligned', f'{stem}_aligned.jpg'))
        else:
            write_jpeg(osp.join(root, 'basic', 'Image', 'original', name))
    for stem, data in (boxes or {}).items():
        write_bytes(osp.join(root, 'basic', 'Annotation', 'boundingbox', f'{stem}.txt'), data)
    return label_path


def write_expw(root: str, labels: bytes = EXPW_LABELS, split: bytes = EXPW_SPLIT) -> str:
    """ExpW: ``label/label.lst``, 8x8 scene JPEGs and ``splits/expw_seed0.csv``."""
    label_path = write_bytes(osp.join(root, 'label', 'label.lst'), labels)
    for name in EXPW_IMAGES:
        write_jpeg(osp.join(root, 'image', 'origin', name))
    if split is not None:
        write_bytes(osp.join(root, 'splits', 'expw_seed0.csv'), split)
    return label_path


def fer_pixels(seed: int, count: int = 2304) -> str:
    """``count`` space-separated pixel values, seeded."""
    values = np.random.Generator(np.random.PCG64(seed)).integers(0, 256, count)
    return ' '.join(str(v) for v in values)


def write_fer2013(root: str, rows, header: bytes = b'emotion,pixels,Usage',
                  newline: bytes = b'\n') -> str:
    """``fer2013.csv`` from ``(emotion text, pixel text, usage)`` rows."""
    lines = [header] + [f'{e},{p},{u}'.encode() for e, p, u in rows]
    return write_bytes(osp.join(root, 'fer2013.csv'), newline.join(lines) + newline)
