"""kl_divergence: hand-worked examples, scipy's rel_entr / entropy as oracles, zeros of p and q,
bad input."""
import numpy as np
import pytest
from scipy.special import rel_entr
from scipy.stats import entropy

from basicda.evaluation import kl_divergence


def test_worked_examples():
    # 0.7 ln(0.7 / 0.5) + 0.3 ln(0.3 / 0.5); the zero class of p contributes nothing
    assert kl_divergence([0.7, 0.3, 0.0], [0.5, 0.5, 0.0]) == pytest.approx(0.0822828785, abs=1e-9)
    # a zero of q under p's mass: 0.7 ln(0.7 / (1 + 1e-10)) + 0.3 ln(0.3 / 1e-10)
    assert kl_divergence([0.7, 0.3], [1.0, 0.0]) == pytest.approx(6.2968909769, abs=1e-9)
    # with eps = 0 it is infinite; p = q gives 0
    assert kl_divergence([0.7, 0.3], [1.0, 0.0], eps=0.0) == np.inf
    assert kl_divergence([[0.2, 0.8], [1.0, 0.0]], [[0.2, 0.8], [1.0, 0.0]], eps=0.0).tolist() == [
        0.0, 0.0]


def test_rows_against_scipy():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(7), size=5)
    q = rng.dirichlet(np.ones(7), size=5)
    p[0, 2] = 0.0  # a zero of p
    p[0] /= p[0].sum()
    q[1, 4] = 0.0  # a zero of q under p's mass (finite through eps)
    out = kl_divergence(p, q, eps=1e-6)
    assert out.shape == (5,)
    np.testing.assert_allclose(out, rel_entr(p, q + 1e-6).sum(1), rtol=1e-12, atol=1e-14)
    # eps = 0 and strictly positive q: scipy's entropy(p, q) (which renormalises; rows sum to 1)
    np.testing.assert_allclose(kl_divergence(p[2:], q[2:], eps=0.0), entropy(p[2:], q[2:], axis=1),
                               rtol=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match=r'must both be \(N, C\) or \(C,\), got \(2,\) and \(3,\)'):
        kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match='q must be finite and >= 0'):
        kl_divergence([0.5, 0.5], [1.5, -0.5])
    with pytest.raises(ValueError, match='eps must be >= 0, got -1'):
        kl_divergence([0.5, 0.5], [0.5, 0.5], eps=-1)
