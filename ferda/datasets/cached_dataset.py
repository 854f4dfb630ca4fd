"""``CachedFaceDataset``: the faces of a prepared cache (:mod:`ferda.datasets.prepare`).

Same item contract as :class:`~ferda.datasets.face_dataset.FaceDataset`, but the faces are
already decoded, cropped and resized, and are read from memory-mapped ``.npy`` shards.
"""
import csv
import json
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from torch.utils.data import Dataset

from basicda.datasets import build_pipeline, to_chw_uint8
from ferda.registry import DATASETS

from .cache_format import FORMAT_VERSION, INDEX_FILE, META_FILE, SPLITS_DIR, sha256_file
from .face_dataset import record_metadata
from .records import SampleRecord


def check_cache(cache_dir: str, verify: bool = False) -> dict:
    """Check a cache against its ``meta.json`` and return the meta.

    Always: the sha256 of ``index.csv`` and the byte size of every shard. With ``verify``, also
    the sha256 of every shard and split file.

    Raises:
        FileNotFoundError: ``meta.json``, the index or a shard is missing.
        ValueError: a file does not match ``meta.json`` (the message names it).
    """
    meta_path = osp.join(cache_dir, META_FILE)
    if not osp.isfile(meta_path):
        raise FileNotFoundError(f'{meta_path} not found: {cache_dir} is not a prepared cache '
                                '(run `ferda prepare` first)')
    with open(meta_path, encoding='utf-8') as f:
        meta = json.load(f)
    if meta.get('format_version') != FORMAT_VERSION:
        raise ValueError(f'{meta_path}: format_version {meta.get("format_version")!r}, this code '
                         f'reads {FORMAT_VERSION}; prepare the cache again')
    rerun = 'prepare the cache again (ferda prepare skips the files that are still intact)'
    index_path = osp.join(cache_dir, INDEX_FILE)
    if not osp.isfile(index_path):
        raise FileNotFoundError(f'{index_path} not found; {rerun}')
    if sha256_file(index_path) != meta['sha256']['index']:
        raise ValueError(f'{index_path}: sha256 differs from meta.json; {rerun}')
    for shard in meta['shards']:
        path = osp.join(cache_dir, shard['file'])
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} not found; {rerun}')
        if osp.getsize(path) != shard['bytes']:
            raise ValueError(f'{path}: {osp.getsize(path)} bytes, meta.json says '
                             f'{shard["bytes"]}; {rerun}')
    if verify:
        expected = dict(meta['sha256']['shards'])
        expected.update({f'{SPLITS_DIR}/{name}': digest
                         for name, digest in meta['sha256']['splits'].items()})
        for name, digest in sorted(expected.items()):
            path = osp.join(cache_dir, *name.split('/'))
            if not osp.isfile(path) or sha256_file(path) != digest:
                raise ValueError(f'{path}: sha256 differs from meta.json (or the file is '
                                 f'missing); {rerun}')
    return meta


@DATASETS.register_module()
class CachedFaceDataset(Dataset):
    """Faces of one split of a prepared cache.

    Args:
        cache_dir: folder written by ``ferda prepare``.
        split: a split of the cache (``'train'``, ``'val'``, ``'test'``, ...) or ``'all'``.
        pipeline: transform configs applied to the (3, S, S) uint8 face tensor.
        num_classes: when given, must equal the cache's; a mismatch fails here.
        verify: rehash every shard and split file against ``meta.json`` (slow on big caches);
            the index checksum and shard sizes are always checked.
        with_label: False drops the labels (an unlabelled pool), as in ``FaceDataset``.
        meta_keys: record ``extras`` stored in the index (or ``'sample_id'``) to pass to
            ``data_samples``, as in ``FaceDataset``.

    Each item is ``dict(inputs=(3, S, S) uint8 tensor, data_samples=dict(gt_label=int,
    sample_idx=int, **metadata))``; samples keep the reader's order.
    """

    def __init__(self, cache_dir: str, split: str, pipeline: Sequence[dict] = (),
                 num_classes: Optional[int] = None, verify: bool = False,
                 with_label: bool = True, meta_keys: Sequence[str] = ()) -> None:
        self.cache_dir = cache_dir
        self.meta = check_cache(cache_dir, verify=verify)
        splits = sorted(self.meta['class_histograms'])
        if split != 'all' and split not in splits:
            raise ValueError(f'split {split!r} is not in the cache {cache_dir}; it has '
                             f'{splits + ["all"]}')
        if num_classes is not None and num_classes != self.meta['num_classes']:
            raise ValueError(f'num_classes={num_classes} in the config but the cache '
                             f'{cache_dir} has {self.meta["num_classes"]} classes '
                             f'{tuple(self.meta["classes"])}')
        self.split = split
        self.meta_keys = tuple(meta_keys)
        rows = self._read_index(split)
        if not rows:
            raise ValueError(f'split {split!r} of the cache {cache_dir} is empty')
        self.sample_ids = [record.sample_id for _, record in rows]
        self._labels = np.array([record.label for _, record in rows], dtype=np.int64)
        self.has_labels = bool(with_label)
        self._meta = record_metadata([record for _, record in rows], self.meta_keys,
                                     f'the cache {cache_dir}')
        self._global_idx = np.array([idx for idx, _ in rows], dtype=np.int64)
        starts = [shard['start'] for shard in self.meta['shards']]
        self._shard_of = np.searchsorted(starts, self._global_idx, side='right') - 1
        self._shards = None  # opened lazily, so each DataLoader worker maps its own
        # torchvision's Compose refuses an empty list, so no transforms means no Compose.
        self.pipeline = build_pipeline(pipeline)
        summary = (f'class histogram {self.class_histogram()}' if self.has_labels
                   else 'unlabelled')
        print_log(f'{self.meta["dataset"]} cache {split}: {len(self)} faces, {summary}',
                  logger='current')

    def _read_index(self, split: str) -> list[tuple[int, SampleRecord]]:
        """``(cache index, record)`` of the split's rows; the records' extras are parsed
        only when metadata is asked for."""
        path = osp.join(self.cache_dir, INDEX_FILE)
        with open(path, encoding='utf-8', newline='') as f:
            return [(int(row['idx']),
                     SampleRecord(row['sample_id'], None, int(row['label']), row['split'],
                                  extras=json.loads(row['extras']) if self.meta_keys else {},
                                  src=(path, line)))
                    for line, row in enumerate(csv.DictReader(f), 2)
                    if split == 'all' or row['split'] == split]

    @property
    def metainfo(self) -> dict:
        return dict(classes=tuple(self.meta['classes']), dataset=self.meta['dataset'])

    @property
    def labels(self) -> Optional[np.ndarray]:
        """(N,) int64 canonical labels in dataset order; None when unlabelled."""
        return self._labels.copy() if self.has_labels else None

    def class_histogram(self) -> Optional[list]:
        """Samples per class; None when unlabelled."""
        if not self.has_labels:
            return None
        return np.bincount(self._labels, minlength=self.meta['num_classes']).tolist()

    def __len__(self) -> int:
        return len(self._labels)

    def face(self, idx: int) -> np.ndarray:
        """The stored (S, S, 3) uint8 RGB face of item ``idx`` (a copy)."""
        if self._shards is None:
            self._shards = [np.load(osp.join(self.cache_dir, shard['file']), mmap_mode='r')
                            for shard in self.meta['shards']]
        k = int(self._shard_of[idx])
        local = int(self._global_idx[idx]) - self.meta['shards'][k]['start']
        return np.array(self._shards[k][local])

    def __getitem__(self, idx: int) -> dict:
        inputs = self.pipeline(to_chw_uint8(self.face(idx)))
        samples = dict(self._meta[idx], sample_idx=idx)
        if self.has_labels:
            samples['gt_label'] = int(self._labels[idx])
        return dict(inputs=inputs, data_samples=samples)
