"""KDEF (Karolinska Directed Emotional Faces; datasets.md §3).

Files: ``<actor folder>/<name>.JPG`` with names matching
``^([AB])([FM])(\\d{2})(AF|AN|DI|HA|NE|SA|SU)(FL|HL|S|HR|FR)\\.(JPG|jpg)$``: session, gender,
actor number, expression, angle (full left, half left, straight, half right, full right).
The actor is gender + number (``F01``): sessions A and B photograph the same person, so the
seeded 80/20 actor split (``splits/kdef_actor_seed{S}.csv``, ``subject,split``) keeps both on
one side. 4,900 images, 70 actors (to confirm).

The official release has two misnamed files, ``AF31/AF31V.JPG`` and ``AM31/AM31H.JPG`` (no
expression code): by default (``strict=False``) they are counted skips named in
``skip_examples``, so the release reads as distributed. ``data_root`` is the ``KDEF/`` folder;
pointing at its parent (``KDEF_and_AKDEF/``) finds no image and is an error naming the folder.
Checked against the KDEF documentation (``ReadMe`` naming scheme: session, gender, actor,
expression, angle) and public KDEF loaders that parse the same 4-character actor folders.
"""
import os.path as osp
import re
from typing import Optional, Sequence

from ..labels import TO_CANONICAL_KDEF
from ..records import DatasetFormatError, SampleRecord
from ..subject_splits import SubjectSplit
from .base import BaseReader
from .common import count_skip, image_files, sorted_entries

NAME_PATTERN = re.compile(r'^([AB])([FM])(\d{2})(AF|AN|DI|HA|NE|SA|SU)(FL|HL|S|HR|FR)'
                          r'\.(JPG|jpg)$')
ANGLES = ('FL', 'HL', 'S', 'HR', 'FR')


class KdefReader(BaseReader):
    """Reader of KDEF.

    Args:
        data_root: folder holding one folder per actor session (``AF01/``, ``BM35/``, ...).
        split: ``'all'``, or ``'train'``/``'test'`` with ``split_file``.
        angles: the camera angles to keep (``'S'`` straight by default).
        strict: False (default): a file whose name does not match the pattern (or whose folder
            is not its first 4 characters) is a counted skip named in ``skip_examples``; True
            makes it an error.
        split_file: the actor split csv (``subject,split``), or None.

    Records: ``sample_id`` = the file stem (``AF01ANS``); ``extras`` = ``{'subject'`` (actor,
    e.g. ``'F01'``), ``'session'``, ``'angle'}``.
    """
    name = 'kdef'
    splits = ('train', 'test', 'all')

    def __init__(self, data_root: str, split: str = 'all', angles: Sequence[str] = ('S', ),
                 strict: bool = False, split_file: Optional[str] = None):
        super().__init__(data_root, split)
        angles = (angles, ) if isinstance(angles, str) else tuple(angles)
        if not angles or any(a not in ANGLES for a in angles):
            raise ValueError(f'angles must be a non-empty subset of {ANGLES}, got {angles!r}')
        self.angles = angles
        self.strict = bool(strict)
        self.actor_split = SubjectSplit(split_file, 'split', None, split, 'KDEF')

    def _read(self) -> list[SampleRecord]:
        records = []
        for folder in sorted_entries(self.data_root, dirs=True):
            for name in image_files(self, osp.join(self.data_root, folder)):
                path = osp.join(self.data_root, folder, name)
                match = NAME_PATTERN.match(name)
                if not match or name[:4] != folder:
                    if self.strict:
                        raise DatasetFormatError.at(path, None, f'a KDEF name '
                                                    f'{NAME_PATTERN.pattern} in folder '
                                                    '<its first 4 characters>', repr(name))
                    count_skip(self, 'file name not in KDEF naming (strict=False)', path)
                    continue
                session, gender, number, code, angle, _ = match.groups()
                if angle not in self.angles:
                    continue
                subject = f'{gender}{number}'
                split = self.actor_split.split_of(subject, path)
                if self.split != 'all' and split != self.split:
                    continue
                records.append(SampleRecord(osp.splitext(name)[0], path,
                                            TO_CANONICAL_KDEF[code], split,
                                            extras=dict(subject=subject, session=session,
                                                        angle=angle)))
        return records
