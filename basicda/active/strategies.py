"""The acquisition strategies behind one registry, ``AL_STRATEGIES``
(``docs/active-learning.md`` §3).

A strategy is a pure function ``fn(inputs, b, seed) -> (positions, scores)``:

* ``inputs``: what the round's pass over the pool produced, in U order (position i
  is the i-th unlabelled pool index): ``prob`` (U, C) softmax probabilities,
  ``feat`` (U, D) pooled features, ``feat_labelled`` (L, D) features of the
  labelled set, ``mc_prob`` (T, U, C) MC-dropout probabilities;
* ``b``: how many to select; ``seed``: the round seed (``round_seed(seed, r)``);
* returns (b,) int64 positions into U in selection order and (b,) float64 scores
  (the value each item was picked by, written to ``round_{r}_selected.txt``).

``fn.requires`` names the inputs it reads, so the run computes only those.
"""
from typing import Dict, Tuple

import numpy as np

from basicda.registry import AL_STRATEGIES

from .badge import badge_embedding, kmeanspp_seed
from .coreset import kcenter_greedy
from .scores import (bald_scores, entropy_scores, least_confidence_scores,
                     margin_scores, top_b)

__all__ = ['AL_STRATEGIES', 'build_strategy', 'select']

Selection = Tuple[np.ndarray, np.ndarray]


def _requires(*keys):
    def wrap(fn):
        fn.requires = keys
        return fn
    return wrap


def _by_score(score: np.ndarray, b: int) -> Selection:
    pos = top_b(score, b)
    return pos, score[pos]


@AL_STRATEGIES.register_module(name='random')
@_requires()
def random_strategy(inputs: Dict, b: int, seed: int) -> Selection:
    """``Generator(PCG64(seed)).permutation(U)[:b]``; scores are 0. U is the
    length of ``inputs['unlabelled']`` (pool indices of U)."""
    u = len(inputs['unlabelled'])
    if not 0 <= b <= u:
        raise ValueError(f'cannot select b={b} of {u} unlabelled items')
    pos = np.random.Generator(np.random.PCG64(seed)).permutation(u)[:b].astype(np.int64)
    return pos, np.zeros(b)


@AL_STRATEGIES.register_module(name='entropy')
@_requires('prob')
def entropy_strategy(inputs: Dict, b: int, seed: int) -> Selection:
    """top_b of H(p)."""
    return _by_score(entropy_scores(inputs['prob']), b)


@AL_STRATEGIES.register_module(name='margin')
@_requires('prob')
def margin_strategy(inputs: Dict, b: int, seed: int) -> Selection:
    """top_b of p_(2) - p_(1)."""
    return _by_score(margin_scores(inputs['prob']), b)


@AL_STRATEGIES.register_module(name='least_confidence')
@_requires('prob')
def least_confidence_strategy(inputs: Dict, b: int, seed: int) -> Selection:
    """top_b of -max p."""
    return _by_score(least_confidence_scores(inputs['prob']), b)


@AL_STRATEGIES.register_module(name='coreset')
@_requires('feat', 'feat_labelled')
def coreset_strategy(inputs: Dict, b: int, seed: int) -> Selection:
    """Greedy k-centre on the features (faiss for the initial distances)."""
    return kcenter_greedy(inputs['feat'], inputs['feat_labelled'], b)


@AL_STRATEGIES.register_module(name='badge')
@_requires('prob', 'feat')
def badge_strategy(inputs: Dict, b: int, seed: int, rng=None) -> Selection:
    """k-means++ seeding on gradient embeddings; ``rng`` defaults to
    ``Generator(PCG64(seed))``."""
    rng = np.random.Generator(np.random.PCG64(seed)) if rng is None else rng
    return kmeanspp_seed(badge_embedding(inputs['prob'], inputs['feat']), b, rng)


@AL_STRATEGIES.register_module(name='bald')
@_requires('mc_prob')
def bald_strategy(inputs: Dict, b: int, seed: int) -> Selection:
    """top_b of the mutual information of the MC-dropout passes."""
    return _by_score(bald_scores(inputs['mc_prob']), b)


def build_strategy(name: str):
    """The registered strategy ``name``; a clear error listing the known ones."""
    fn = AL_STRATEGIES.get(name)
    if fn is None:
        raise KeyError(f'unknown active-learning strategy {name!r}; registered: '
                       f'{sorted(AL_STRATEGIES.module_dict)}')
    return fn


def select(name: str, inputs: Dict, b: int, seed: int) -> Selection:
    """Run strategy ``name`` after checking that ``inputs`` has what it reads and
    that every input has one row per unlabelled item."""
    fn = build_strategy(name)
    missing = [k for k in fn.requires + ('unlabelled',) if k not in inputs]
    if missing:
        raise KeyError(f'strategy {name!r} needs inputs {missing} (has {sorted(inputs)})')
    u = len(inputs['unlabelled'])
    for key in fn.requires:
        rows = np.shape(inputs[key])[1 if key == 'mc_prob' else 0]
        if key != 'feat_labelled' and rows != u:
            raise ValueError(f'inputs[{key!r}] has {rows} rows for {u} unlabelled items')
    pos, scores = fn(inputs, b, seed)
    return np.asarray(pos, np.int64), np.asarray(scores, np.float64)
