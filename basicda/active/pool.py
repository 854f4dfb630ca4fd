"""The pool's bookkeeping: budget schedule, round seeds, the seeded initial set and
``LabelPool`` (``docs/active-learning.md`` §2)."""
from fractions import Fraction
from typing import List, Sequence

import numpy as np

__all__ = ['al_schedule', 'round_seed', 'initial_set', 'LabelPool']


def al_schedule(n: int, init_frac: float = 0.1, step_frac: float = 0.05,
                points: int = 7) -> List[int]:
    """Labelled-set sizes at the ``points`` evaluation points: n0 = floor(init_frac N),
    then + floor(step_frac N) per round (the fractions read as exact decimals).

    Example: 28709 -> [2870, 4305, 5740, 7175, 8610, 10045, 11480].
    """
    if n < 1 or points < 1:
        raise ValueError(f'al_schedule needs a pool of N >= 1 and points >= 1, got N={n}, '
                         f'points={points}')
    # exact decimal fractions: 0.1 * N in floats can round below an integer
    n0 = int(Fraction(str(init_frac)) * n)
    step = int(Fraction(str(step_frac)) * n)
    sizes = [n0 + r * step for r in range(points)]
    if n0 < 1 or step < 1 or sizes[-1] > n:
        raise ValueError(f'a pool of {n} cannot follow the schedule init_frac={init_frac}, '
                         f'step_frac={step_frac}, points={points}: sizes {sizes}')
    return sizes


def round_seed(seed: int, r: int) -> int:
    """seed_r = hash(seed, r): the first uint32 of ``SeedSequence([seed, r])``; every
    random choice of round r (head init, random strategy, BADGE, BALD masks) derives
    from it, so no global RNG state is needed to continue a run."""
    return int(np.random.SeedSequence([seed, r]).generate_state(1, np.uint32)[0])


def initial_set(n: int, n0: int, seed: int) -> np.ndarray:
    """The seed set: n0 pool indices drawn uniformly without replacement (not
    stratified) by ``Generator(PCG64(seed))``, sorted: () -> (n0,) int64."""
    if not 0 <= n0 <= n:
        raise ValueError(f'cannot draw an initial set of {n0} from a pool of {n}')
    rng = np.random.Generator(np.random.PCG64(seed))
    return np.sort(rng.choice(n, size=n0, replace=False)).astype(np.int64)


class LabelPool:
    """Which pool indices are labelled (L) and which are not (U), both sorted.

    Strategies work on positions in U; :meth:`select` maps them back to pool
    indices. L and U stay disjoint and cover ``range(n)``.

    Example: n = 10, L = {2, 5}: U = [0, 1, 3, 4, 6, 7, 8, 9]; selecting positions
    [1, 4] labels pool indices [1, 6].
    """

    def __init__(self, n: int, labelled: Sequence[int] = ()):
        self.n = int(n)
        self._mask = np.zeros(self.n, bool)
        self.add(labelled)

    @property
    def labelled(self) -> np.ndarray:
        """(|L|,) sorted pool indices."""
        return np.flatnonzero(self._mask)

    @property
    def unlabelled(self) -> np.ndarray:
        """(|U|,) sorted pool indices; position i of a strategy means ``unlabelled[i]``."""
        return np.flatnonzero(~self._mask)

    def add(self, indices: Sequence[int]) -> None:
        """Label the pool ``indices``; an index out of range or already labelled is an error."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        if ((idx < 0) | (idx >= self.n)).any():
            raise ValueError(f'pool indices out of range [0, {self.n}): '
                             f'{idx[(idx < 0) | (idx >= self.n)].tolist()}')
        if len(np.unique(idx)) != len(idx) or self._mask[idx].any():
            raise ValueError('pool indices selected twice or already labelled: '
                             f'{sorted(set(idx[self._mask[idx]].tolist()))}')
        self._mask[idx] = True

    def select(self, positions: Sequence[int]) -> np.ndarray:
        """Label the items at ``positions`` of U (in that order); returns their pool
        indices in the same order."""
        pos = np.asarray(positions, dtype=np.int64).reshape(-1)
        unl = self.unlabelled
        if ((pos < 0) | (pos >= len(unl))).any():
            raise ValueError(f'positions out of range [0, {len(unl)}): {pos.tolist()}')
        chosen = unl[pos]
        self.add(chosen)
        return chosen
