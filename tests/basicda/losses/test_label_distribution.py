"""LDL's pure functions against the worked examples of docs/ldl.md (float64, 1e-7)
and autograd against the closed-form gradients (random inputs, 1e-8)."""
import numpy as np
import pytest
import torch

from basicda.losses import (balanced_class_weights, centre_loss, centre_update,
                            label_distribution_target, lambda_grad_closed_form,
                            scoring_grad_closed_form, soft_cross_entropy, va_kernel)

TOL = dict(rtol=0, atol=1e-7)


def _f64(values):
    return torch.tensor(values, dtype=torch.float64)


def _example():
    y = torch.tensor([0])
    q = _f64([[[0.2, 0.5, 0.3], [0.6, 0.2, 0.2]]])
    a, s = _f64([[1.0, 0.5]]), _f64([[0.5, 1.0]])
    return y, q, a, s


def test_va_kernel_worked_example():
    out = va_kernel(torch.zeros(1, 2), _f64([[[0.1, -0.2], [0.5, 0.5]]]))
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, _f64([[0.54881164, 0.13533528]]), **TOL)
    with pytest.raises(ValueError, match=r'va_neigh \(N, K, 2\)'):
        va_kernel(torch.zeros(2, 2), torch.zeros(1, 3, 2))


def test_target_worked_example_and_invariants():
    y, q, a, s = _example()
    t, d = label_distribution_target(y, q, a, s, _f64([0.6]))
    torch.testing.assert_close(d, _f64([[0.4, 0.35, 0.25]]), **TOL)
    torch.testing.assert_close(t, _f64([[0.76, 0.14, 0.10]]), **TOL)
    t, _ = label_distribution_target(y, q, a, s, torch.sigmoid(_f64([0.5])))
    torch.testing.assert_close(t, _f64([[0.77347560, 0.13213923, 0.09438517]]), **TOL)
    # invariants on random data: rows sum to 1, lambda = 1 is one-hot, row rescaling is inert
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 5, (4,), generator=g)
    q = torch.rand(4, 3, 5, generator=g, dtype=torch.float64).softmax(-1)
    a, s = torch.rand(4, 3, generator=g, dtype=torch.float64) + 0.1, torch.rand(4, 3, generator=g, dtype=torch.float64) + 0.2
    lam = torch.rand(4, generator=g, dtype=torch.float64)
    t, _ = label_distribution_target(y, q, a, s, lam)
    torch.testing.assert_close(t.sum(1), torch.ones(4, dtype=torch.float64), rtol=0, atol=1e-12)
    t1, _ = label_distribution_target(y, q, a, s, torch.ones(4, dtype=torch.float64))
    torch.testing.assert_close(t1, torch.nn.functional.one_hot(y, 5).double())
    scale = _f64([[3.0], [0.5], [7.0], [1.0]])
    t_a, _ = label_distribution_target(y, q, a * scale, s, lam)
    t_s, _ = label_distribution_target(y, q, a, s * scale, lam)
    torch.testing.assert_close(t_a, t, rtol=0, atol=1e-12)
    torch.testing.assert_close(t_s, t, rtol=0, atol=1e-12)


def test_soft_cross_entropy_worked_example_and_weight():
    t, p = _f64([[0.76, 0.14, 0.10]]), _f64([[0.7, 0.2, 0.1]])
    torch.testing.assert_close(soft_cross_entropy(t, p), _f64(0.72665277), **TOL)
    # divided by B, not by the weight sum
    two = soft_cross_entropy(t.repeat(2, 1), p.repeat(2, 1), weight=_f64([3.0, 0.0]))
    torch.testing.assert_close(two, _f64(1.5 * 0.72665277), **TOL)


def test_lambda_grad_worked_example_equals_autograd():
    y, q, a, s = _example()
    p = _f64([[0.7, 0.2, 0.1]])
    lam_hat = _f64([0.5]).requires_grad_()
    t, d = label_distribution_target(y, q, a, s, torch.sigmoid(lam_hat))
    soft_cross_entropy(t, p).backward()
    g = lambda_grad_closed_form(_f64([0.5]), y, p, d.detach(), None, 1)
    # sigma' = 0.23500371, bracket = -0.92494458: lambda grows
    torch.testing.assert_close(g, _f64([0.23500371 * -0.92494458]), **TOL)
    torch.testing.assert_close(g, _f64([-0.21736541]), **TOL)
    torch.testing.assert_close(lam_hat.grad, g, rtol=0, atol=1e-12)


def test_scoring_grad_worked_example_equals_autograd():
    y, q, a, s = _example()
    p = _f64([[0.7, 0.2, 0.1]])
    s = s.clone().requires_grad_()
    t, _ = label_distribution_target(y, q, a, s, _f64([0.6]))
    soft_cross_entropy(t, p).backward()
    closed = scoring_grad_closed_form(_f64([0.6]), p, q, a, s.detach(), None, 1)
    torch.testing.assert_close(closed, _f64([[0.11408398, -0.05704199]]), **TOL)
    torch.testing.assert_close(s.grad, closed, rtol=0, atol=1e-12)


def test_closed_forms_match_autograd_on_random_inputs():
    g = torch.Generator().manual_seed(3)
    b, k, c = 3, 4, 7
    y = torch.randint(0, c, (b,), generator=g)
    p = torch.rand(b, c, generator=g, dtype=torch.float64).softmax(-1)
    q = torch.rand(b, k, c, generator=g, dtype=torch.float64).softmax(-1)
    a = torch.rand(b, k, generator=g, dtype=torch.float64) + 0.05
    s = (torch.rand(b, k, generator=g, dtype=torch.float64) * 0.7 + 0.22).requires_grad_()
    lam_hat = torch.randn(b, generator=g, dtype=torch.float64).requires_grad_()
    weight = torch.rand(b, generator=g, dtype=torch.float64) + 0.5  # c_{y_i}
    t, d = label_distribution_target(y, q, a, s, torch.sigmoid(lam_hat))
    soft_cross_entropy(t, p, weight).backward()
    torch.testing.assert_close(lam_hat.grad, lambda_grad_closed_form(
        lam_hat, y, p, d, weight, b), rtol=0, atol=1e-8)
    torch.testing.assert_close(s.grad, scoring_grad_closed_form(
        torch.sigmoid(lam_hat.detach()), p, q, a, s.detach(), weight, b), rtol=0, atol=1e-8)


def test_centre_loss_and_update_worked_example():
    x, y = _f64([[1, 0], [0, 2], [3, 0]]), torch.tensor([0, 1, 0])
    centres, lam = torch.zeros(2, 2, dtype=torch.float64), _f64([1, 0.5, 1])
    torch.testing.assert_close(centre_loss(x, y, centres, lam), _f64(2.0), **TOL)
    # attraction only (repulsion 0): [[0.22222222, 0], [0, 0.08333333]]
    attracted = centre_update(x, y, lam, centres, lr=0.5, repulsion=0.0)
    torch.testing.assert_close(attracted, _f64([[0.22222222, 0], [0, 0.08333333]]), **TOL)
    factor = np.exp(-((0.22222222 ** 2) + (0.08333333 ** 2)) / 2)
    assert abs(factor - 0.97222932) < 1e-7
    out = centre_update(x, y, lam, centres, lr=0.5, repulsion=0.1, temperature=2)
    torch.testing.assert_close(out, _f64([[0.23302477, -0.00405096],
                                          [-0.01080255, 0.08738429]]), **TOL)
    # temperature defaults to D = 2
    torch.testing.assert_close(centre_update(x, y, lam, centres), out, rtol=0, atol=1e-15)


def test_centre_repulsion_is_zero_while_centres_are_equal():
    centres = torch.ones(3, 4, dtype=torch.float64)
    out = centre_update(torch.ones(2, 4, dtype=torch.float64), torch.tensor([0, 2]),
                        torch.ones(2, dtype=torch.float64), centres)
    torch.testing.assert_close(out, centres, rtol=0, atol=0)


def test_centre_update_all_reduce_of_two_halves_equals_the_whole():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(6, 3, generator=g, dtype=torch.float64)
    y, lam = torch.tensor([0, 1, 2, 0, 1, 1]), torch.rand(6, generator=g, dtype=torch.float64)
    centres = torch.randn(3, 3, generator=g, dtype=torch.float64)
    whole = centre_update(x, y, lam, centres)
    from basicda.losses.label_distribution import centre_statistics
    other = centre_statistics(x[3:], y[3:], lam[3:], centres)
    other_flat = torch.cat([other[0].reshape(-1), other[1], _f64([other[2]])])
    half = centre_update(x[:3], y[:3], lam[:3], centres, all_reduce=lambda t: t + other_flat)
    torch.testing.assert_close(half, whole, rtol=0, atol=1e-14)


def test_balanced_class_weights():
    torch.testing.assert_close(balanced_class_weights([0, 0, 0, 1], 2), _f64([0.66666667, 2.0]),
                               **TOL)
    with pytest.warns(UserWarning, match=r'classes \[1\] have no sample'):
        w = balanced_class_weights([0, 2, 2], 3)
    torch.testing.assert_close(w, _f64([1.0, 0.0, 0.5]), **TOL)
    with pytest.raises(ValueError, match=r'labels must lie in \[0, 2\)'):
        balanced_class_weights([0, 2], 2)
