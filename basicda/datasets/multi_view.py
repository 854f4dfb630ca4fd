"""Several augmented views of one image, with augmentation seeded per sample.

Methods such as FixMatch, CRCo/EERCL and SwAV train on a weak and one or more
strong views of the *same* image. :class:`MultiViewDataset` wraps a dataset
whose items are ``dict(inputs=(3, H, W) uint8, data_samples=dict(...))`` (built
with no pipeline of its own) and applies one pipeline per view, returning the
views stacked as ``inputs`` (V, 3, H, W) with the base item's ``data_samples``
(``sample_idx`` is the dataset index banks are keyed by).

Exact resume. Data-loader workers draw their random streams from a seed taken
when an iterator is created, so a run resumed in the middle of an epoch cannot
reproduce the augmentations of an uninterrupted one. :class:`SeededAugSampler`
therefore yields ``(index, seed)`` keys, the seed a pure function of
(sampler seed, epoch, index), and :class:`MultiViewDataset` draws the views of
that key under that seed (torch, numpy and ``random`` forked, so the caller's
generators do not move). The views of a sample then depend only on
(seed, epoch, index): not on workers, batch position or restarts. Plain integer
keys (any other sampler) use the ambient generators.
"""
import random
from contextlib import contextmanager
from typing import Iterator, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.dataset import DefaultSampler
from torch.utils.data import Dataset

from basicda.datasets.transforms import build_pipeline
from basicda.registry import DATA_SAMPLERS, DATASETS

__all__ = ['MultiViewDataset', 'PipelineView', 'SeededAugSampler', 'sample_seed']

_MASK63 = (1 << 63) - 1


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A 63-bit augmentation seed, a pure function of (seed, epoch, index).

    SplitMix64-style mixing, so neighbouring indices or epochs get unrelated seeds.
    """
    x = (int(seed) * 0x9E3779B97F4A7C15 + int(epoch) * 0xBF58476D1CE4E5B9
         + int(index) * 0x94D049BB133111EB) & ((1 << 64) - 1)
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & ((1 << 64) - 1)
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & ((1 << 64) - 1)
    x ^= x >> 31
    return x & _MASK63


@contextmanager
def _seeded(seed: Optional[int]):
    """Run the body under ``seed`` for torch (CPU), numpy and ``random``, then
    restore the caller's states; ``None`` leaves the generators alone."""
    if seed is None:
        yield
        return
    py_state, np_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        random.seed(seed)
        np.random.seed(seed % 2**32)
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


def _single_image(item: dict) -> torch.Tensor:
    """The item's (3, H, W) image; a base dataset with named views is refused, because its
    view pipelines would see a dict (torchvision v2 then transforms only one tensor of it)."""
    inputs = item['inputs']
    if isinstance(inputs, dict):
        raise TypeError(f'MultiViewDataset/PipelineView need a base dataset with one image per '
                        f'sample; this one gives named views {sorted(inputs)} (built with '
                        'views=...): use its own pipeline with PerView instead')
    return inputs


def _split_key(key: Union[int, Tuple[int, int]]) -> Tuple[int, Optional[int]]:
    if isinstance(key, (tuple, list)):
        index, seed = key
        return int(index), int(seed)
    return int(key), None


@DATA_SAMPLERS.register_module()
class SeededAugSampler(DefaultSampler):
    """mmengine ``DefaultSampler`` whose keys carry a per-sample augmentation seed.

    Same arguments and order as ``DefaultSampler`` (``shuffle``, ``seed``,
    ``round_up``; ``set_epoch``); each yielded key is
    ``(index, sample_seed(seed, epoch, index))`` for :class:`MultiViewDataset`.
    """

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        for index in super().__iter__():
            yield index, sample_seed(self.seed, self.epoch, index)


class PipelineView(Dataset):
    """The base dataset of a :class:`MultiViewDataset` through one pipeline.

    Shares the base dataset (and its image cache). Items are
    ``dict(inputs=(3, H, W), data_samples=...)`` like the base dataset's.
    """

    def __init__(self, dataset: Dataset, pipeline) -> None:
        self.dataset = dataset
        self.pipeline = pipeline

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key) -> dict:
        index, seed = _split_key(key)
        item = self.dataset[index]
        with _seeded(seed):
            inputs = self.pipeline(_single_image(item))
        return dict(inputs=inputs, data_samples=item['data_samples'])


@DATASETS.register_module()
class MultiViewDataset(Dataset):
    """V augmented views of every item of a dataset.

    Args:
        dataset (dict | Dataset): the base dataset (config or object), built
            with no pipeline: its items' ``inputs`` are the raw (3, H, W) uint8
            images every view starts from.
        views (Sequence[Sequence[dict]]): one transform pipeline per view.
        view_names (Sequence[str], optional): a name per view (e.g.
            ``('strong1', 'strong2', 'weak')``), for :meth:`single_view`.
            Default: ``view0``, ``view1``, ...

    Items: ``dict(inputs=(V, 3, H, W), data_samples=<base item's>)``; every view
    must have the same output size so that the views stack.
    """

    def __init__(self, dataset: Union[dict, Dataset], views: Sequence[Sequence[dict]],
                 view_names: Optional[Sequence[str]] = None) -> None:
        if not views:
            raise ValueError('MultiViewDataset: views must list at least one pipeline')
        if view_names is None:
            view_names = [f'view{i}' for i in range(len(views))]
        if len(view_names) != len(views) or len(set(view_names)) != len(view_names):
            raise ValueError(f'MultiViewDataset: view_names must be {len(views)} distinct names, '
                             f'got {list(view_names)}')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.view_names = list(view_names)
        self.view_cfgs = [list(v) for v in views]
        self.views = [build_pipeline(v) for v in views]

    @property
    def metainfo(self) -> dict:
        return getattr(self.dataset, 'metainfo', {})

    def __len__(self) -> int:
        return len(self.dataset)

    def single_view(self, pipeline: Union[str, Sequence[dict]]) -> PipelineView:
        """The base dataset through one pipeline: a view's name or transform configs."""
        if isinstance(pipeline, str):
            if pipeline not in self.view_names:
                raise KeyError(f'MultiViewDataset has no view {pipeline!r}; views: '
                               f'{self.view_names}')
            return PipelineView(self.dataset, self.views[self.view_names.index(pipeline)])
        return PipelineView(self.dataset, build_pipeline(pipeline))

    def __getitem__(self, key) -> dict:
        index, seed = _split_key(key)
        item = self.dataset[index]
        image = _single_image(item)
        with _seeded(seed):
            views = [view(image) for view in self.views]
        shapes = {tuple(v.shape) for v in views}
        if len(shapes) != 1:
            raise ValueError(f'MultiViewDataset: views {self.view_names} give different shapes '
                             f'{[tuple(v.shape) for v in views]}; they must stack')
        return dict(inputs=torch.stack(views), data_samples=item['data_samples'])
