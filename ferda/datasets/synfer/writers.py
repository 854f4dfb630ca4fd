"""Write SynFER domains in the layouts of the real datasets, so the real readers read them.

* ``lab`` -> RAF-DB basic (:class:`~ferda.datasets.readers.RafDbReader`, aligned), plus
  ``basic/splits/val.txt``: a 10 % stratified hold-out of the train image names.
* ``wild`` -> ExpW (:class:`~ferda.datasets.readers.ExpwReader`), plus
  ``splits/expw.csv`` from :func:`~ferda.datasets.splits.make_group_split`.
* ``lowres`` -> FER2013 CSV (:class:`~ferda.datasets.readers.Fer2013CsvReader`); Training
  minus a 10 % stratified hold-out is Training, the hold-out PublicTest, the test samples
  PrivateTest.

Every domain also gets ``synfer_meta.csv`` (``sample_id, subject, label, intensity``, the seven
blend weights ``w_<Class>``, ``valence, arousal``), keyed by the reader's ``sample_id``.
Split files carry no seed in their names: a generated folder holds one seed's data (recorded
in each domain's ``synfer.json``), so a config needs only the folder (docs/synfer.md §2).
All text is written with ``\\n`` line ends and images with fixed encoder settings, so the bytes
depend only on the samples.
"""
import os
import os.path as osp

import cv2
import numpy as np

from ..labels import CANONICAL_7, TO_CANONICAL_EXPW, TO_CANONICAL_FER2013, TO_CANONICAL_RAFDB
from ..splits import make_group_split, stratified_holdout, write_id_list, write_split_csv

LAB_JPEG_QUALITY = 95
VAL_FRACTION = 0.1
# Wild split ratios: train 90 % / val 10 % of the 75 % non-test part, test 25 %, the same
# proportions as lab and lowres.
WILD_RATIOS = (0.675, 0.075, 0.25)

FROM_CANONICAL_RAFDB = {c: code for code, c in TO_CANONICAL_RAFDB.items()}
FROM_CANONICAL_EXPW = {c: code for code, c in TO_CANONICAL_EXPW.items()}
FROM_CANONICAL_FER2013 = {c: code for code, c in TO_CANONICAL_FER2013.items()}
META_HEADER = ['sample_id', 'subject', 'label', 'intensity'] + [
    f'w_{name}' for name in CANONICAL_7] + ['valence', 'arousal']


def encode_jpeg(img: np.ndarray, quality: int) -> bytes:
    """JPEG bytes of a uint8 image with a fixed quality (deterministic for a given OpenCV)."""
    ok, buf = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError(f'cv2.imencode failed on an image of shape {img.shape}')
    return buf.tobytes()


def _write_bytes(path: str, data: bytes) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


def _write_text(path: str, lines) -> None:
    _write_bytes(path, ''.join(f'{line}\n' for line in lines).encode('utf-8'))


def _meta_line(sample_id: str, sample) -> str:
    expr = sample['expression']
    values = [sample_id, str(sample['subject']), str(expr.label), f'{expr.intensity:.4f}']
    values += [f'{w:.4f}' for w in expr.weights]
    values += [f'{expr.valence:.4f}', f'{expr.arousal:.4f}']
    return ','.join(values)


def write_meta(root: str, rows) -> None:
    """Write ``synfer_meta.csv`` from ``(sample_id, sample)`` pairs, sorted by sample_id."""
    rows = sorted(rows, key=lambda r: r[0])
    _write_text(osp.join(root, 'synfer_meta.csv'),
                [','.join(META_HEADER)] + [_meta_line(sid, s) for sid, s in rows])


class LabWriter:
    """RAF-DB basic layout. Samples arrive in name order: ``train_00001``, ..., ``test_0001``."""

    def __init__(self, root: str, seed: int):
        self.root, self.seed = root, seed
        self.rows = []  # (image name, sample)

    def add(self, name: str, sample: dict, image: np.ndarray) -> None:
        stem = osp.splitext(name)[0]
        _write_bytes(osp.join(self.root, 'basic', 'Image', 'aligned', f'{stem}_aligned.jpg'),
                     encode_jpeg(image, LAB_JPEG_QUALITY))
        self.rows.append((name, sample))

    def close(self) -> dict:
        rows = sorted(self.rows, key=lambda r: r[0])
        _write_text(osp.join(self.root, 'basic', 'EmoLabel', 'list_patition_label.txt'),
                    [f'{name} {FROM_CANONICAL_RAFDB[s["label"]]}' for name, s in rows])
        train = [(name, s['label']) for name, s in rows if name.startswith('train_')]
        val = stratified_holdout([n for n, _ in train], [l for _, l in train], VAL_FRACTION,
                                 self.seed)
        val_file = osp.join(self.root, 'basic', 'splits', 'val.txt')
        write_id_list(val, val_file)
        write_meta(self.root, [(osp.splitext(name)[0], s) for name, s in rows])
        return dict(format='rafdb', val_split_file=val_file)


class WildWriter:
    """ExpW layout: one face per scene image, ``synfer_00001.jpg``, face id 0."""

    def __init__(self, root: str, seed: int):
        self.root, self.seed = root, seed
        self.rows = []  # (image name, box, confidence, sample)

    def add(self, name: str, sample: dict, image: np.ndarray, box, quality: int,
            confidence: float) -> None:
        _write_bytes(osp.join(self.root, 'image', 'origin', name), encode_jpeg(image, quality))
        self.rows.append((name, box, confidence, sample))

    def close(self) -> dict:
        rows = sorted(self.rows, key=lambda r: r[0])
        lines = []
        for name, (x1, y1, x2, y2), confidence, s in rows:
            # label.lst order: top left right bottom
            lines.append(f'{name} 0 {y1} {x1} {x2} {y2} {confidence:.4f} '
                         f'{FROM_CANONICAL_EXPW[s["label"]]}')
        _write_text(osp.join(self.root, 'label', 'label.lst'), lines)
        split_rows = make_group_split([(name, 0, s['label']) for name, _, _, s in rows],
                                      self.seed, WILD_RATIOS)
        split_file = osp.join(self.root, 'splits', 'expw.csv')
        write_split_csv(split_rows, split_file)
        write_meta(self.root, [(f'{name}#0', s) for name, _, _, s in rows])
        return dict(format='expw', split_file=split_file)


class LowresWriter:
    """FER2013 CSV layout; rows keep the order they are added in (train first, then test)."""

    def __init__(self, root: str, seed: int):
        self.root, self.seed = root, seed
        self.rows = []  # (sample, pixels)

    def add(self, sample: dict, image: np.ndarray) -> None:
        self.rows.append((sample, image))

    def close(self) -> dict:
        train = [i for i, (s, _) in enumerate(self.rows) if s['split'] == 'train']
        public = set(stratified_holdout(train, [self.rows[i][0]['label'] for i in train],
                                        VAL_FRACTION, self.seed))
        lines = ['emotion,pixels,Usage']
        meta = []
        for row, (s, pixels) in enumerate(self.rows):
            if s['split'] == 'test':
                usage = 'PrivateTest'
            else:
                usage = 'PublicTest' if row in public else 'Training'
            lines.append(f'{FROM_CANONICAL_FER2013[s["label"]]},'
                         f'{" ".join(map(str, pixels.ravel().tolist()))},{usage}')
            meta.append((f'fer{row:07d}', s))
        _write_text(osp.join(self.root, 'fer2013.csv'), lines)
        write_meta(self.root, meta)
        return dict(format='fer2013')
