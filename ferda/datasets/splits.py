"""Seeded, reproducible split making: ExpW group split and stratified hold-outs.

Both functions are pure (inputs in, sorted rows out) and use
``np.random.Generator(np.random.PCG64(seed))``, so a split is a function of its inputs and
seed alone; the writers add a ``.sha256`` file so a committed split can be verified.
"""
import hashlib
import os.path as osp
from collections import Counter, defaultdict
from typing import Iterable, Sequence

import numpy as np

from basicda.fileio import atomic_write_bytes

from .records import SampleRecord

SPLIT_NAMES = ('train', 'val', 'test')


def _group_rows(rows) -> list[tuple[str, int, int]]:
    """Normalise records or ``(image_name, face_id, label)`` tuples to tuples."""
    out = []
    for row in rows:
        if isinstance(row, SampleRecord):
            if 'image_name' not in row.extras or 'face_id' not in row.extras:
                raise ValueError(f'record {row.sample_id!r} has no extras image_name/face_id; '
                                 'make_group_split needs ExpW-style records')
            row = (row.extras['image_name'], row.extras['face_id'], row.label)
        if len(row) != 3:
            raise ValueError(f'rows must be SampleRecords or (image_name, face_id, label), '
                             f'got {row!r}')
        out.append((str(row[0]), int(row[1]), int(row[2])))
    return out


def _groups(rows) -> dict:
    groups = defaultdict(list)  # image_name -> [(face_id, label)]
    for image_name, face_id, label in _group_rows(rows):
        if any(f == face_id for f, _ in groups[image_name]):
            raise ValueError(f'face ({image_name!r}, {face_id}) is listed twice')
        groups[image_name].append((face_id, label))
    return groups


def _strata(groups: dict) -> dict:
    strata = {}
    for image_name, faces in groups.items():
        counts = Counter(label for _, label in faces)
        top = max(counts.values())
        strata[image_name] = min(label for label, c in counts.items() if c == top)
    return strata


def image_strata(rows: Iterable) -> dict[str, int]:
    """The stratum of each image: its most frequent face label, ties to the lowest label id.

    Args:
        rows: as for :func:`make_group_split`.

    Returns:
        ``{image_name: stratum label}``.

    Example:
        >>> image_strata([('a.jpg', 0, 2), ('a.jpg', 1, 5), ('a.jpg', 2, 5), ('b.jpg', 0, 3),
        ...               ('b.jpg', 1, 1)])
        {'a.jpg': 5, 'b.jpg': 1}
    """
    return _strata(_groups(rows))


def make_group_split(rows: Iterable, seed: int,
                     ratios: Sequence[float] = (0.8, 0.1, 0.1)) -> list[tuple[str, int, str]]:
    """Split faces into train/val/test so that all faces of an image share one split.

    The ExpW algorithm of datasets.md §3:

    1. group the faces by image;
    2. give each group a stratum: its most frequent label, ties to the lowest label id;
    3. within each stratum (in ascending label order, all drawing from one
       ``Generator(PCG64(seed))``), sort the groups by image name and permute them;
    4. walk the permuted groups, and put a group in split ``k`` when the number of faces of the
       stratum *before* it has reached ``n * (r_0 + ... + r_{k-1})`` (``n`` = faces in the
       stratum) but not ``n * (r_0 + ... + r_k)``.

    Args:
        rows: ExpW :class:`SampleRecord` s (with ``extras['image_name']`` and
            ``extras['face_id']``) or ``(image_name, face_id, label)`` tuples.
        seed: the split seed ``S``.
        ratios: the train, val and test fractions; non-negative and summing to 1.

    Returns:
        list of ``(image_name, face_id, split)``, sorted by image name then face id.

    Example:
        Ten one-face images of one label split exactly 8/1/1:

        >>> rows = [(f'{i}.jpg', 0, 3) for i in range(10)]
        >>> [s for _, _, s in make_group_split(rows, seed=0)].count('val')
        1
    """
    ratios = tuple(float(r) for r in ratios)
    if len(ratios) != 3 or min(ratios) < 0 or abs(sum(ratios) - 1) > 1e-6:
        raise ValueError(f'ratios must be 3 non-negative fractions (train, val, test) summing '
                         f'to 1, got {ratios}')
    groups = _groups(rows)
    strata = defaultdict(list)  # stratum label -> [image_name]
    for image_name, stratum in _strata(groups).items():
        strata[stratum].append(image_name)

    rng = np.random.Generator(np.random.PCG64(seed))
    out = []
    for stratum in sorted(strata):
        names = sorted(strata[stratum])
        names = [names[i] for i in rng.permutation(len(names))]
        sizes = np.array([len(groups[name]) for name in names])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])  # faces before each group
        # A small tolerance keeps 0.8 + 0.1 = 0.9000000000000001 from moving a boundary.
        bounds = np.cumsum(ratios)[:-1] * sizes.sum() - 1e-9
        split_ids = np.searchsorted(bounds, starts, side='right')
        for name, split_id in zip(names, split_ids):
            out.extend((name, face_id, SPLIT_NAMES[split_id]) for face_id, _ in groups[name])
    return sorted(out)


def stratified_holdout(ids: Sequence[str], labels: Sequence[int], fraction: float,
                       seed: int) -> list[str]:
    """Seeded stratified carve-out, e.g. RAF-DB's 10 % source-validation list.

    For each label in ascending order, the ids with that label are sorted, permuted with one
    ``Generator(PCG64(seed))`` shared by all labels, and the first ``floor(fraction * n_c + 0.5)``
    are held out (``n_c`` = ids with the label).

    Args:
        ids: unique sample ids (or image names).
        labels: one label per id.
        fraction: held-out fraction per class, in [0, 1].
        seed: the split seed.

    Returns:
        the held-out ids, sorted.

    Example:
        >>> held = stratified_holdout([f'train_{i:05d}.jpg' for i in range(20)], [0] * 10 + [1] * 10,
        ...                           0.1, seed=0)
        >>> len(held)
        2
    """
    ids, labels = list(ids), [int(x) for x in labels]
    if len(ids) != len(labels):
        raise ValueError(f'ids and labels must have the same length, got {len(ids)} and '
                         f'{len(labels)}')
    if len(set(ids)) != len(ids):
        dup = next(i for i, c in Counter(ids).items() if c > 1)
        raise ValueError(f'ids must be unique, got {dup!r} more than once')
    if not 0 <= fraction <= 1:
        raise ValueError(f'fraction must be in [0, 1], got {fraction}')
    by_label = defaultdict(list)
    for sample_id, label in zip(ids, labels):
        by_label[label].append(sample_id)
    rng = np.random.Generator(np.random.PCG64(seed))
    held = []
    for label in sorted(by_label):
        members = sorted(by_label[label])
        order = rng.permutation(len(members))
        count = int(np.floor(fraction * len(members) + 0.5))
        held.extend(members[i] for i in order[:count])
    return sorted(held)


def _write_with_checksum(text: str, path: str) -> str:
    data = text.encode('utf-8')
    atomic_write_bytes(data, path)
    digest = hashlib.sha256(data).hexdigest()
    atomic_write_bytes(f'{digest}  {osp.basename(path)}\n'.encode('utf-8'), f'{path}.sha256')
    return digest


def write_split_csv(rows: Iterable[tuple[str, int, str]], path: str) -> str:
    """Write ``image_name,face_id,split`` rows (``\\n`` line ends) and ``path + '.sha256'``.

    The checksum file has ``sha256sum`` format (``<hex>  <file name>``), so
    ``sha256sum -c`` verifies it from the csv's folder.

    Returns:
        the hex sha256 of the csv.
    """
    lines = ['image_name,face_id,split']
    for image_name, face_id, split in rows:
        if split not in SPLIT_NAMES:
            raise ValueError(f'split must be one of {SPLIT_NAMES}, got {split!r} for '
                             f'({image_name!r}, {face_id})')
        if ',' in image_name:
            raise ValueError(f'image names in a split csv cannot contain a comma, got '
                             f'{image_name!r}')
        lines.append(f'{image_name},{int(face_id)},{split}')
    return _write_with_checksum('\n'.join(lines) + '\n', path)


def write_id_list(ids: Iterable[str], path: str) -> str:
    """Write one id per line (``\\n`` line ends) and ``path + '.sha256'``; return the hex sha256.

    This is the format of RAF-DB's ``val_split_file``.
    """
    return _write_with_checksum(''.join(f'{sample_id}\n' for sample_id in ids), path)
