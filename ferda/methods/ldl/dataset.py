"""LDL's training set: each anchor with its K neighbours (``docs/ldl.md`` §2.1, §2.4)."""
import hashlib
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.logging import print_log
from torch.utils.data import Dataset

from basicda.datasets.multi_view import _seeded, _single_image, _split_key
from basicda.datasets.transforms import build_pipeline
from basicda.losses.label_distribution import va_kernel
from ferda.datasets.knn_column import remap_knn_column
from ferda.registry import DATASETS

from .neighbours import array_sha256, check_va, read_va_file, va_neighbours

__all__ = ['LDLNeighbourDataset', 'NEIGHBOUR_TABLES']

NEIGHBOUR_TABLES = ('auto', 'knn_column', 'va')


def _strings_sha256(values: Sequence[str]) -> str:
    return hashlib.sha256('\n'.join(values).encode()).hexdigest()


@DATASETS.register_module()
class LDLNeighbourDataset(Dataset):
    """A labelled face dataset whose items are the anchor view and its K neighbours'.

    The neighbour table (N, K) comes from the records' ``knn`` column (LDL CSVs,
    mapped through ``row_id``) or from an exact search in VA space (records'
    ``valence``/``arousal`` extras, e.g. ``ExtrasCsvReader`` on SynFER's
    ``synfer_meta.csv``); the VA kernel (N, K) is computed here.

    Args:
        dataset (dict | Dataset): the base dataset, built with no pipeline; its records
            need ``valence`` and ``arousal`` extras (and ``knn``, ``row_id`` for the
            column).
        anchor_pipeline (list[dict]): the anchor's transforms.
        neighbour_pipeline (list[dict]): each neighbour's (the anchor's without erasing).
        num_neighbours (int): K. Default: 8.
        neighbours (str): ``'auto'`` (the column when every record has one, else VA),
            ``'knn_column'`` or ``'va'``. Default: ``'auto'``.
        knn_metric (str): ``'l1'`` or ``'l2'`` for the VA search. Default: ``'l1'``.
        knn_backend (str): ``'faiss'`` or ``'torch'``. Default: ``'faiss'``.
        bandwidth (float): the kernel's h. Default: 0.5.
        neighbour_views (bool): load the K neighbour images (online mode); False for
            bank mode, where items hold the anchor only. Default: True.
        va_file (str | None): a CSV ``sample_id,valence,arousal`` giving every training
            record's VA (for datasets without VA; :func:`read_va_file`); it replaces the
            records' ``valence``/``arousal`` extras. Default: None.

    Items: ``dict(inputs=(1 + K, 3, H, W), data_samples=<base item's>)`` ((1, 3, H, W)
    without ``neighbour_views``); with a
    ``SeededAugSampler`` key the views are drawn under the key's seed (exact resume).
    Attributes for the model: ``labels`` (N,), ``neighbours`` (N, K), ``kernel``
    (N, K) float32, ``fingerprint`` (hashes checked on resume), ``knn_meta``.
    """

    def __init__(self, dataset: Union[dict, Dataset], anchor_pipeline: Sequence[dict],
                 neighbour_pipeline: Sequence[dict], num_neighbours: int = 8,
                 neighbours: str = 'auto', knn_metric: str = 'l1', knn_backend: str = 'faiss',
                 bandwidth: float = 0.5, neighbour_views: bool = True,
                 va_file: Optional[str] = None) -> None:
        if neighbours not in NEIGHBOUR_TABLES:
            raise ValueError(f'neighbours must be one of {NEIGHBOUR_TABLES}, got {neighbours!r}')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.neighbour_views = bool(neighbour_views)
        self.anchor = build_pipeline(anchor_pipeline)
        self.neighbour = build_pipeline(neighbour_pipeline)
        records = self.dataset.records
        if self.dataset.labels is None:
            raise ValueError('LDLNeighbourDataset needs a labelled dataset (with_label=True)')
        k = int(num_neighbours)
        ids = [r.sample_id for r in records]
        missing = next((r for r in records if 'valence' not in r.extras
                        or 'arousal' not in r.extras), None)
        if va_file is not None:
            va = check_va(read_va_file(va_file, ids), ids)
        elif missing is not None:
            raise ValueError(f'{missing.where()}: LDL needs valence and arousal for every '
                             'training record (an LDL CSV, AffectNet, or ExtrasCsvReader with '
                             'a valence-arousal file, or va_file=CSV); none for sample '
                             f'{missing.sample_id!r}')
        else:
            va = check_va([(r.extras['valence'], r.extras['arousal']) for r in records], ids)
        if neighbours == 'auto':
            neighbours = 'knn_column' if all('knn' in r.extras for r in records) else 'va'
        if neighbours == 'knn_column':
            row_to_index = {r.extras['row_id']: i for i, r in enumerate(records)}
            self.neighbours, n_self = remap_knn_column(records, row_to_index, k)
            print_log(f'LDL: neighbours from the knn column (K={k}); {n_self} self-entries '
                      'kept', logger='current')
        else:
            self.neighbours = va_neighbours(va, k, knn_metric, knn_backend)
        self.kernel = va_kernel(torch.from_numpy(va),
                                torch.from_numpy(va[self.neighbours]), bandwidth).float()
        self.labels = np.asarray(self.dataset.labels, dtype=np.int64)
        self.knn_meta = dict(k=k, source=neighbours,
                             metric=knn_metric if neighbours == 'va' else None,
                             va_sha256=array_sha256(va))
        self.fingerprint = dict(sample_ids_sha256=_strings_sha256(ids),
                                labels_sha256=array_sha256(self.labels),
                                va_sha256=self.knn_meta['va_sha256'],
                                knn_sha256=array_sha256(self.neighbours))

    @property
    def metainfo(self) -> dict:
        return getattr(self.dataset, 'metainfo', {})

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key) -> dict:
        index, seed = _split_key(key)
        item = self.dataset[index]
        with _seeded(seed):
            views = [self.anchor(_single_image(item))]
            if self.neighbour_views:
                views += [self.neighbour(_single_image(self.dataset[int(j)]))
                          for j in self.neighbours[index]]
        return dict(inputs=torch.stack(views), data_samples=item['data_samples'])
