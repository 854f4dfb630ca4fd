"""ExpW (Expression in-the-Wild) face list with boxes (datasets.md §3).

Layout read, relative to ``data_root``::

    label/label.lst     # image_name face_id top left right bottom confidence label
    image/origin/*.jpg  # scene images; a scene may hold several faces

Example line ``angry_actor_104.jpg 0 28 113 226 141 22.9362 0`` gives the face box
``(left, top, right, bottom) = (113, 28, 226, 141)`` and canonical label 5 (Anger).

What this was checked against: the column order (``image_name face_id top left right bottom
confidence label``, labels 0 angry, 1 disgust, 2 fear, 3 happy, 4 sad, 5 surprise, 6 neutral)
against a public ExpW loader's row type found with the code search; the two quirks of the real
``label.lst`` below come from a run of the real file reported in the project's issue tracker
(not re-checked here, no copy of the file being available): some lines are exact duplicates of
an earlier line (kept once, the repeats counted) and some boxes are degenerate (right <= left
or bottom <= top: a counted skip named with its line). Two different lines for the same
(image, face_id) remain an error citing both lines.

ExpW has no official split; ours is ``splits/expw_seed{S}.csv`` (``image_name,face_id,split``),
made by :func:`ferda.datasets.splits.make_group_split`, which keeps all faces of an image in
one split.
"""
import os
import os.path as osp
from typing import Optional

from ..labels import TO_CANONICAL_EXPW
from ..records import DatasetFormatError, SampleRecord
from .base import BaseReader, read_csv_lines, read_text_lines
from .common import count_skip

LABEL_FILE = osp.join('label', 'label.lst')
SPLIT_HEADER = ('image_name', 'face_id', 'split')
SPLIT_NAMES = ('train', 'val', 'test')


def expw_sample_id(image_name: str, face_id: int) -> str:
    """``'<image>#<face_id>'``, the ExpW sample id."""
    return f'{image_name}#{face_id}'


class ExpwReader(BaseReader):
    """Reader of ExpW.

    Args:
        data_root: folder holding ``label/`` and ``image/``.
        split: ``'train'``, ``'val'``, ``'test'`` or ``'all'``.
        split_file: the split csv (``image_name,face_id,split``). Required unless
            ``split='all'``; when it is given, every face of ``label.lst`` must be in it and
            every row of it in ``label.lst``. Relative paths are taken from the current
            directory. Without it (``split='all'``), records get split ``'all'``.
        on_missing_image: ``'error'`` or ``'skip'`` (see :class:`BaseReader`).

    Records: ``sample_id`` = ``'<image>#<face_id>'``; ``box`` = ``(left, top, right, bottom)``
    in scene pixels (ints); ``extras`` = ``{'image_name', 'face_id', 'confidence'}``.
    """
    name = 'expw'
    splits = ('train', 'val', 'test', 'all')

    def __init__(self, data_root: str, split: str, split_file: Optional[str] = None,
                 on_missing_image: str = 'error'):
        super().__init__(data_root, split, on_missing_image)
        if split_file is None and split != 'all':
            raise ValueError(f"split={split!r} needs split_file (the csv made by "
                             "ferda.datasets.splits.make_group_split); only split='all' can "
                             'do without')
        self.split_file = None if split_file is None else os.fspath(split_file)

    def _read(self) -> list[SampleRecord]:
        label_path = osp.join(self.data_root, LABEL_FILE)
        faces, skipped = self._read_label_file(label_path)
        membership = (self._read_split_file(faces, label_path, skipped) if self.split_file
                      else None)
        records = []
        for sample_id, (image_name, face_id, box, confidence, label, lineno) in faces.items():
            split = 'all' if membership is None else membership[sample_id]
            if self.split != 'all' and split != self.split:
                continue
            img_path = osp.join(self.data_root, 'image', 'origin', image_name)
            if not self._image_exists(img_path, label_path, lineno):
                continue
            records.append(SampleRecord(
                sample_id, img_path, label, split, box=box,
                extras=dict(image_name=image_name, face_id=face_id, confidence=confidence),
                src=(label_path, lineno)))
        return records

    def _read_label_file(self, path: str) -> tuple[dict, set]:
        """``({sample_id: (image, face_id, box, confidence, label, line)}, skipped ids)``,
        every row checked; exact duplicate lines and degenerate boxes are counted skips."""
        faces, skipped, text_of = {}, set(), {}
        allowed = sorted(TO_CANONICAL_EXPW)
        layout = '8 fields: image_name face_id top left right bottom confidence label'
        for lineno, line in read_text_lines(path):
            fields = line.split()
            if len(fields) != 8:
                raise DatasetFormatError.at(path, lineno, layout, f'{len(fields)} in {line!r}')
            image_name = fields[0]
            try:
                face_id, top, left, right, bottom = (int(tok) for tok in fields[1:6])
                confidence = float(fields[6])
                code = int(fields[7])
            except ValueError:
                raise DatasetFormatError.at(path, lineno, f'{layout} (integers but the '
                                            'confidence)', repr(line)) from None
            if code not in TO_CANONICAL_EXPW:
                raise DatasetFormatError.at(path, lineno, f'a label code in {allowed}',
                                            repr(fields[7]))
            sample_id = expw_sample_id(image_name, face_id)
            if sample_id in text_of:
                first_fields, first_line = text_of[sample_id]
                if first_fields == fields:
                    count_skip(self, 'exact duplicate line (kept once)',
                               f'{path}:{lineno} (same as line {first_line})')
                    continue
                raise DatasetFormatError.at(path, lineno, 'each (image_name, face_id) once',
                                            f'{sample_id!r} again (first at line '
                                            f'{first_line})')
            text_of[sample_id] = (fields, lineno)
            if right <= left or bottom <= top:
                count_skip(self, 'degenerate box (right <= left or bottom <= top)',
                           f'{path}:{lineno} {sample_id} top={top} left={left} '
                           f'right={right} bottom={bottom}')
                skipped.add(sample_id)
                continue
            faces[sample_id] = (image_name, face_id, (left, top, right, bottom), confidence,
                                TO_CANONICAL_EXPW[code], lineno)
        return faces, skipped

    def _read_split_file(self, faces: dict, label_path: str, skipped: set = frozenset()) -> dict:
        """``{sample_id: split}`` from the split csv, checked against ``faces`` (rows of faces
        the reader skipped, ``skipped``, are allowed and ignored)."""
        path = self.split_file
        lines = read_csv_lines(path, SPLIT_HEADER)
        membership, first_line = {}, {}
        for lineno, line in lines:
            fields = [f.strip() for f in line.split(',')]
            if len(fields) != 3:
                raise DatasetFormatError.at(path, lineno, '3 comma-separated fields',
                                            repr(line))
            image_name, face_text, split = fields
            try:
                face_id = int(face_text)
            except ValueError:
                raise DatasetFormatError.at(path, lineno, 'an integer face_id',
                                            repr(face_text)) from None
            if split not in SPLIT_NAMES:
                raise DatasetFormatError.at(path, lineno, f'a split in {SPLIT_NAMES}',
                                            repr(split))
            sample_id = expw_sample_id(image_name, face_id)
            if sample_id in membership:
                raise DatasetFormatError.at(path, lineno, 'each face once',
                                            f'{sample_id!r} again (first at line '
                                            f'{first_line[sample_id]})')
            if sample_id in skipped:
                continue
            if sample_id not in faces:
                raise DatasetFormatError.at(path, lineno, f'a face listed in {label_path}',
                                            f'{sample_id!r}, which it does not list')
            membership[sample_id] = split
            first_line[sample_id] = lineno
        for sample_id, face in faces.items():
            if sample_id not in membership:
                raise DatasetFormatError.at(label_path, face[-1], f'every face in the split '
                                            f'file {path}', f'{sample_id!r} missing from it')
        return membership
