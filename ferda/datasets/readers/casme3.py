"""CAS(ME)^3 as the DVSCL reference ships it: per-subject RGB and depth list files of
apex-minus-onset difference images, paired into one two-view record per clip (docs/dvscl.md).

Layout (checked against the public ``MELABIPCAS/DVSCL`` repository: its ``data/v_depth/
spNO10_test.txt`` and ``data/v_rgb/subName.txt``, and its ``Datasets.py`` loader, which splits
each line on single spaces into path, label and dbtype and finds the depth image by replacing
``casme3_diff_imgs_all`` with ``casme3_diff_depth_all`` in the RGB path)::

    <data_root>/casme3_diff_imgs_all/<class>/<key>_diff.png          RGB differences
    <data_root>/casme3_diff_depth_all/<class>/<key>_diff_depth.png   depth differences
    <data_root>/<list_root>/v_rgb/<subject>_{train,test}.txt         e.g. spNO10_test.txt
    <data_root>/<list_root>/v_depth/<subject>_{train,test}.txt
    <data_root>/<list_root>/v_rgb/subName.txt                        one subject per line

A list line is ``<absolute path> <label> <dbtype>``: the path is from the authors' machine, so
its last 3 components (view folder/class/file) are joined to ``data_root``; the label is 0
negative, 1 others, 2 positive, 3 surprise (the class folders in alphabetical order) and must
match the class folder; dbtype is 0. The clip key is the file name without ``_diff.png`` or
``_diff_depth.png`` (``spNO.<s>-<task>-<A>-spNO.<s>-<task>-<B>``), the subject the integer after
``spNO.``. The reference pairs the two views by line order, which joins different clips in most
lines because the RGB and depth lists are ordered differently; :func:`pair_views` pairs by key.
"""
import logging
import os
import os.path as osp
import re
from dataclasses import dataclass
from typing import Optional, Sequence

from mmengine.logging import print_log

from ..records import DatasetFormatError, SampleRecord, format_location
from .base import BaseReader, read_text_lines
from .common import parse_int

#: The 4 classes of the shipped lists, in label order.
CASME3_CLASSES = ('negative', 'others', 'positive', 'surprise')
VIEW_SUFFIXES = {'rgb': '_diff.png', 'depth': '_diff_depth.png'}
VIEW_DIRS = {'rgb': 'v_rgb', 'depth': 'v_depth'}
PAIRINGS = ('key', 'line_order')
PATH_COMPONENTS = 3
_SUBJECT = re.compile(r'^spNO\.(\d+)-')


@dataclass(frozen=True)
class ListEntry:
    """One line of a list file: the listed path, its label and dbtype, and where it was read."""
    path: str
    label: int
    dbtype: int
    file: str
    line: int

    def where(self) -> str:
        return format_location(self.file, self.line)


@dataclass(frozen=True)
class ViewPair:
    """One clip: its key, subject, label and the list entry of each view."""
    key: str
    subject: int
    label: int
    rgb: ListEntry
    depth: ListEntry


def clip_key(path: str) -> tuple[str, int]:
    """``(key, subject)`` of a difference image path.

    Example:
        >>> clip_key('/x/negative/spNO.1-a-123-spNO.1-a-117_diff_depth.png')
        ('spNO.1-a-123-spNO.1-a-117', 1)

    Raises:
        ValueError: the name does not end with ``_diff.png``/``_diff_depth.png`` or does not
            start with ``spNO.<int>-``.
    """
    name = path.replace('\\', '/').rsplit('/', 1)[-1]
    for suffix in (VIEW_SUFFIXES['depth'], VIEW_SUFFIXES['rgb']):  # the longer one first
        if name.endswith(suffix):
            key = name[:-len(suffix)]
            break
    else:
        raise ValueError(f'{path!r}: expected a name ending with _diff.png or _diff_depth.png')
    match = _SUBJECT.match(key)
    if not match:
        raise ValueError(f'{path!r}: expected a clip key starting with spNO.<subject>-')
    return key, int(match.group(1))


def read_casme3_list(path: str) -> list[ListEntry]:
    """The entries of one list file (``path label dbtype`` per line).

    Raises:
        DatasetFormatError: a line without exactly 3 columns, a non-integer label or dbtype, a
            label outside 0..3 (``file:line: expected ...``), or a missing file.
    """
    entries = []
    for lineno, line in read_text_lines(path):
        fields = line.split()
        if len(fields) != 3:
            raise DatasetFormatError.at(path, lineno, '3 columns (path label dbtype)',
                                        f'{len(fields)} in {line!r}')
        label = parse_int(fields[1], path, lineno, 'label')
        if not 0 <= label < len(CASME3_CLASSES):
            raise DatasetFormatError.at(path, lineno, f'a label in 0..{len(CASME3_CLASSES) - 1}',
                                        repr(fields[1]))
        dbtype = parse_int(fields[2], path, lineno, 'dbtype')
        entries.append(ListEntry(fields[0], label, dbtype, path, lineno))
    return entries


def _keyed(entries: Sequence[ListEntry], view: str) -> dict:
    out = {}
    for e in entries:
        try:
            key, _ = clip_key(e.path)
        except ValueError as err:
            raise DatasetFormatError(f'{e.where()}: {err}') from None
        if not e.path.endswith(VIEW_SUFFIXES[view]) or (
                view == 'rgb' and e.path.endswith(VIEW_SUFFIXES['depth'])):
            raise DatasetFormatError.at(e.file, e.line, f'a {view} image (*{VIEW_SUFFIXES[view]})',
                                        repr(e.path))
        if key in out:
            raise DatasetFormatError.at(e.file, e.line, f'each clip once per {view} list',
                                        f'{key!r} again (first at {out[key].where()})')
        out[key] = e
    return out


def pair_views(rgb: Sequence[ListEntry], depth: Sequence[ListEntry]) -> list[ViewPair]:
    """Pair the two views' entries by clip key, in sorted key order (docs/dvscl.md §1).

    Raises:
        DatasetFormatError: a key twice in one view, a key in one view only (naming the key and
            the file and line it is listed at), or views that disagree on the label (naming both
            files and lines).
    """
    by_rgb, by_depth = _keyed(rgb, 'rgb'), _keyed(depth, 'depth')
    only = [(k, e, 'depth') for k, e in by_rgb.items() if k not in by_depth] + [
        (k, e, 'rgb') for k, e in by_depth.items() if k not in by_rgb]
    if only:
        lines = '; '.join(f'{k!r} at {e.where()} has no {other} entry'
                          for k, e, other in sorted(only, key=lambda t: t[0]))
        raise DatasetFormatError(f'RGB and depth lists list different clips: {lines}')
    bad = [k for k in sorted(by_rgb) if by_rgb[k].label != by_depth[k].label]
    if bad:
        raise DatasetFormatError('RGB and depth labels disagree: ' + '; '.join(
            f'{k!r}: {by_rgb[k].where()} says {by_rgb[k].label}, {by_depth[k].where()} says '
            f'{by_depth[k].label}' for k in bad))
    return [ViewPair(k, clip_key(by_rgb[k].path)[1], by_rgb[k].label, by_rgb[k], by_depth[k])
            for k in sorted(by_rgb)]


def pair_by_line_order(rgb: Sequence[ListEntry], depth: Sequence[ListEntry]) -> list[ViewPair]:
    """The reference's pairing: line i of the RGB list with line i of the depth list.

    Kept only to reproduce the reference (docs/dvscl.md §1); logs a warning with the number of
    pairs that join different clips. Key, subject and label are the RGB entry's.
    """
    if len(rgb) != len(depth):
        raise DatasetFormatError(f'{rgb[0].file if rgb else "RGB list"} has {len(rgb)} lines '
                                 f'but {depth[0].file if depth else "depth list"} has '
                                 f'{len(depth)}: line-order pairing needs equal lengths')
    pairs = []
    wrong = 0
    for r, d in zip(rgb, depth):
        key, subject = clip_key(r.path)
        wrong += clip_key(d.path)[0] != key
        pairs.append(ViewPair(key, subject, r.label, r, d))
    print_log(f"pairing='line_order' reproduces the DVSCL reference: {wrong} of {len(pairs)} "
              f'pairs in {rgb[0].file if rgb else "?"} join DIFFERENT clips (use '
              "pairing='key')", logger='current', level=logging.WARNING)
    return pairs


def list_path(list_root: str, view: str, subject: str, split: str) -> str:
    """``<list_root>/v_<view>/<subject>_<split>.txt``."""
    return osp.join(list_root, VIEW_DIRS[view], f'{subject}_{split}.txt')


def read_subjects(list_root: str) -> list[str]:
    """The subject names of ``<list_root>/v_rgb/subName.txt`` (e.g. ``spNO10``), in file order.

    Raises:
        DatasetFormatError: a line with more than one field or a name listed twice.
    """
    path = osp.join(list_root, VIEW_DIRS['rgb'], 'subName.txt')
    names, seen = [], {}
    for lineno, line in read_text_lines(path):
        if len(line.split()) != 1 or not re.fullmatch(r'spNO\d+', line):
            raise DatasetFormatError.at(path, lineno, 'one subject name spNO<int> per line',
                                        repr(line))
        if line in seen:
            raise DatasetFormatError.at(path, lineno, 'each subject once',
                                        f'{line!r} again (first at line {seen[line]})')
        seen[line] = lineno
        names.append(line)
    return names


def read_pairs(list_root: str, subject: str, split: str, pairing: str = 'key'
               ) -> list[ViewPair]:
    """The paired clips of one subject's ``split`` (``'train'`` or ``'test'``) lists."""
    if pairing not in PAIRINGS:
        raise ValueError(f'pairing must be one of {PAIRINGS}, got {pairing!r}')
    rgb = read_casme3_list(list_path(list_root, 'rgb', subject, split))
    depth = read_casme3_list(list_path(list_root, 'depth', subject, split))
    pairs = (pair_views if pairing == 'key' else pair_by_line_order)(rgb, depth)
    if split == 'test' and pairing == 'key':
        number = int(subject[len('spNO'):])
        wrong = [p for p in pairs if p.subject != number]
        if wrong:
            raise DatasetFormatError('; '.join(
                f'{p.rgb.where()}: expected a clip of subject {subject}, found {p.key!r}'
                for p in wrong))
    return pairs


def check_casme3_lists(list_root: str) -> dict:
    """Check the per-subject lists of both views against each other (docs/dvscl.md §1).

    Checks: every subject of ``subName.txt`` has the 4 list files; each list pairs by key
    (same clips and labels in both views); a test list holds only its subject's clips; no
    subject's clip is in its own train list; each train list is exactly the other subjects'
    test clips.

    Returns:
        dict with ``num_samples``, ``class_counts`` (per class of :data:`CASME3_CLASSES`),
        ``num_folds``, ``subjects`` and ``test_sizes`` (``{subject: n}``).

    Raises:
        DatasetFormatError: naming the file and line (or the key) of the first problem found.
    """
    subjects = read_subjects(list_root)
    tests = {s: read_pairs(list_root, s, 'test') for s in subjects}
    owner = {}
    for s, pairs in tests.items():
        for p in pairs:
            if p.key in owner:
                raise DatasetFormatError(f'{p.rgb.where()}: clip {p.key!r} is in the test lists '
                                         f'of both {owner[p.key]} and {s}')
            owner[p.key] = s
    for s in subjects:
        train = read_pairs(list_root, s, 'train')
        own = [p for p in train if owner.get(p.key) == s or p.subject == int(s[4:])]
        if own:
            raise DatasetFormatError(f'{own[0].rgb.where()}: subject {s} clip {own[0].key!r} '
                                     f'is in its own train list (leakage)')
        expected = {k for k, o in owner.items() if o != s}
        got = {p.key for p in train}
        if got != expected:
            missing, extra = sorted(expected - got), sorted(got - expected)
            raise DatasetFormatError(
                f'{list_path(list_root, "rgb", s, "train")}: expected every other subject\'s '
                f'test clips, missing {missing[:3]} ({len(missing)}), extra {extra[:3]} '
                f'({len(extra)})')
    labels = [p.label for pairs in tests.values() for p in pairs]
    return dict(num_samples=len(labels), num_folds=len(subjects), subjects=subjects,
                class_counts=[labels.count(c) for c in range(len(CASME3_CLASSES))],
                test_sizes={s: len(tests[s]) for s in subjects})


class Casme3Reader(BaseReader):
    """Two-view (RGB + depth difference image) records of the DVSCL CAS(ME)^3 lists.

    Args:
        data_root: the folder holding ``casme3_diff_imgs_all/`` and ``casme3_diff_depth_all/``.
        list_root: the folder holding ``v_rgb/`` and ``v_depth/`` (relative to ``data_root``).
        split: ``'all'`` (every subject's test list: the whole labelled set, for pre-training
            and for a LOSO fold loop), or ``'train'``/``'test'`` of one ``subject``.
        subject: e.g. ``'spNO10'``; required for ``'train'``/``'test'``.
        pairing: ``'key'`` (default) or ``'line_order'`` (the reference's bug, with a warning).
        drop_classes: class names to leave out (``['others']`` gives the 3-class task); the
            remaining classes keep their order and are renumbered 0..C-1.
        on_missing_image: ``'error'`` or ``'skip'``.

    Records: ``sample_id`` = clip key, ``views = {'rgb': ..., 'depth': ...}``, ``img_path`` the
    RGB image, ``extras['subject']`` the subject number, ``src`` the RGB list line.
    """
    name = 'casme3'
    splits = ('train', 'test', 'all')

    def __init__(self, data_root: str, list_root: str = 'data', split: str = 'all',
                 subject: Optional[str] = None, pairing: str = 'key',
                 drop_classes: Sequence[str] = (), on_missing_image: str = 'error'):
        super().__init__(data_root, split, on_missing_image)
        if pairing not in PAIRINGS:
            raise ValueError(f'pairing must be one of {PAIRINGS}, got {pairing!r}')
        if (split == 'all') != (subject is None):
            raise ValueError("give subject for split 'train'/'test' and none for 'all', got "
                             f'split={split!r}, subject={subject!r}')
        unknown = [c for c in drop_classes if c not in CASME3_CLASSES]
        if unknown:
            raise ValueError(f'drop_classes must name classes of {CASME3_CLASSES}, got {unknown}')
        self.list_root = osp.join(self.data_root, os.fspath(list_root))
        self.subject = subject
        self.pairing = pairing
        kept = [c for c in CASME3_CLASSES if c not in drop_classes]
        self.class_names = tuple(kept)
        self._label_map = {CASME3_CLASSES.index(c): i for i, c in enumerate(kept)}

    def _image(self, entry: ListEntry, view: str) -> Optional[str]:
        parts = [p for p in entry.path.replace('\\', '/').split('/') if p]
        if len(parts) < PATH_COMPONENTS:
            raise DatasetFormatError.at(entry.file, entry.line, 'a path with view folder/class/'
                                        'file', repr(entry.path))
        folder, cls, _ = parts[-PATH_COMPONENTS:]
        if cls != CASME3_CLASSES[entry.label]:
            raise DatasetFormatError.at(entry.file, entry.line, f'the class folder '
                                        f'{CASME3_CLASSES[entry.label]!r} of label {entry.label}',
                                        repr(cls))
        path = osp.join(self.data_root, *parts[-PATH_COMPONENTS:])
        return path if self._image_exists(path, entry.file, entry.line) else None

    def _read(self) -> list[SampleRecord]:
        if self.split == 'all':
            pairs = [p for s in read_subjects(self.list_root)
                     for p in read_pairs(self.list_root, s, 'test', self.pairing)]
        else:
            pairs = read_pairs(self.list_root, self.subject, self.split, self.pairing)
        records = []
        for p in pairs:
            if p.label not in self._label_map:
                continue
            rgb, depth = self._image(p.rgb, 'rgb'), self._image(p.depth, 'depth')
            if rgb is None or depth is None:
                continue
            records.append(SampleRecord(p.key, rgb, self._label_map[p.label], self.split,
                                        extras=dict(subject=p.subject),
                                        src=(p.rgb.file, p.rgb.line),
                                        views=dict(rgb=rgb, depth=depth)))
        return records
