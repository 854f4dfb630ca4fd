"""Alias sampler and contrast indices (docs/dvscl.md §2; worked examples by hand)."""
import numpy as np
import pytest
import torch
from scipy.stats import chisquare

from basicda.ops.alias import AliasSampler, draw_contrast_indices


def test_alias_table_worked_example():
    # q = [1.5, .75, .75]; LIFO: small 2 with large 0 (q0 -> 1.25), small 1 with 0 (q0 -> 1)
    s = AliasSampler(torch.tensor([0.5, 0.25, 0.25]))
    assert s.prob.tolist() == [1.0, 0.75, 0.75]
    assert s.alias.tolist() == [0, 0, 0]
    assert AliasSampler(torch.ones(5)).prob.tolist() == [1.0] * 5


@pytest.mark.parametrize('seed', [0, 1])
def test_alias_invariant(seed):
    p = torch.rand(37, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    p[3] = 0
    p = p / p.sum()
    s = AliasSampler(p)
    n = len(p)
    mass = s.prob.clone()
    for k in range(n):
        if s.alias[k] != k:
            mass[s.alias[k]] += 1 - s.prob[k]
    torch.testing.assert_close(mass / n, p, atol=1e-12, rtol=0)


def test_alias_chi_square():
    p = np.array([0.4, 0.1, 0.05, 0.2, 0.25])
    draws = AliasSampler(torch.tensor(p)).draw((100000,), torch.Generator().manual_seed(0))
    counts = np.bincount(draws.numpy(), minlength=5)
    assert chisquare(counts, 100000 * p).pvalue > 0.001
    # a wrong table (the raw probs as acceptance, no alias) must be rejected by the same test
    wrong = AliasSampler(torch.ones(5))
    counts = np.bincount(wrong.draw((100000,), torch.Generator().manual_seed(0)).numpy(),
                         minlength=5)
    assert chisquare(counts, 100000 * p).pvalue < 0.001


def test_bad_probs():
    with pytest.raises(ValueError, match='non-negative probabilities with a positive sum'):
        AliasSampler(torch.tensor([0.5, -0.1]))


def test_draw_contrast_indices():
    s = AliasSampler(torch.ones(10))
    y = torch.tensor([3, 7, 1])
    a = draw_contrast_indices(s, y, 6, torch.Generator().manual_seed(4))
    b = draw_contrast_indices(s, y, 6, torch.Generator().manual_seed(4))
    assert a.shape == (3, 7) and torch.equal(a, b) and a[:, 0].tolist() == [3, 7, 1]
    c = draw_contrast_indices(s, y, 6, torch.Generator().manual_seed(5))
    assert not torch.equal(a, c)
    small = AliasSampler(torch.ones(2))
    d = draw_contrast_indices(small, torch.tensor([0, 1]), 50, torch.Generator().manual_seed(0),
                              exclude_positive=True)
    assert (d[0, 1:] == 1).all() and (d[1, 1:] == 0).all()
    d = draw_contrast_indices(small, torch.tensor([0, 1]), 50, torch.Generator().manual_seed(0))
    assert (d[0, 1:] == 0).any()  # the reference lets the positive reappear
