"""Sampler adjustments the fold and round loops need.

mmengine's ``DefaultSampler`` caches its per-rank length (``num_samples``,
``total_size``) from ``len(dataset)`` and the process group in ``__init__``. The
round loop changes the training set's length in place; the fold loop trains a
fold on one rank only, so its sampler must cover the whole fold.
"""
import math

from mmengine.dataset import DefaultSampler

__all__ = ['update_sampler_length', 'make_single_process']


def _check(sampler, why: str) -> None:
    if not isinstance(sampler, DefaultSampler):
        raise TypeError(f'{why}, and a {type(sampler).__name__} cannot be updated in place: use '
                        "sampler=dict(type='DefaultSampler', shuffle=...)")


def update_sampler_length(sampler) -> int:
    """Recompute the per-rank length a sampler cached from ``len(sampler.dataset)``.

    The same rule as ``DefaultSampler.__init__`` (round-up or not, this rank's
    share); the shuffle seed and epoch are kept.

    Returns:
        int: the new ``len(sampler)``.

    Raises:
        TypeError: any other sampler type (its cached length cannot be updated).
    """
    _check(sampler, 'the training set length changed')
    n = len(sampler.dataset)
    if sampler.round_up:
        sampler.num_samples = math.ceil(n / sampler.world_size)
        sampler.total_size = sampler.num_samples * sampler.world_size
    else:
        sampler.num_samples = math.ceil((n - sampler.rank) / sampler.world_size)
        sampler.total_size = n
    return sampler.num_samples


def make_single_process(sampler) -> DefaultSampler:
    """Make ``sampler`` yield the whole dataset on this rank (rank 0 of 1),
    whatever the process group: the fold loop trains each fold on one rank."""
    _check(sampler, 'a fold is sampled by one process')
    sampler.rank, sampler.world_size = 0, 1
    update_sampler_length(sampler)
    return sampler
