import pytest
import torch
from torch.testing import assert_close

from basicda.losses import aad_dispersion_weight, aad_loss

# docs/eercl.md §5
P = torch.tensor([[0.8, 0.2], [0.4, 0.6]], dtype=torch.float64)
SCORES = torch.tensor([[[0.5, 0.5]], [[0.0, 1.0]]], dtype=torch.float64)  # K = 1


def test_dispersion_weight_spec_examples():
    # (1 + 10 * 7500 / 15000) ** -5 = 6 ** -5 = 1 / 7776
    assert aad_dispersion_weight(7500, 15000, 5) == pytest.approx(1.286008e-4, rel=1e-6, abs=0)
    assert aad_dispersion_weight(7500, 15000, 5) == pytest.approx(1 / 7776, rel=1e-12, abs=0)
    for t in (0, 1, 7500, 15000):
        assert aad_dispersion_weight(t, 15000, 0) == 1.0
    assert aad_dispersion_weight(0, 15000, 5) == 1.0
    assert aad_dispersion_weight(15000, 15000, 5) == pytest.approx(11.0 ** -5, rel=1e-12, abs=0)


def test_dispersion_weight_decreases_with_iteration():
    weights = [aad_dispersion_weight(t, 100, 5) for t in range(0, 101, 10)]
    assert all(a > b for a, b in zip(weights, weights[1:]))


def test_dispersion_weight_bad_arguments():
    for args, match in (((0, 0, 5), 'max_iters'), ((-1, 10, 5), 'iteration'),
                        ((0, 10, -1), 'beta')):
        with pytest.raises(ValueError, match=match):
            aad_dispersion_weight(*args)


def test_aad_loss_spec_example_values():
    loss, att, dis, att_ref = aad_loss(P, SCORES, 1.0)
    # att = -(0.8*0.5 + 0.2*0.5 + 0.6*1) / 2
    assert_close(att, torch.tensor(-0.55, dtype=torch.float64))
    # att_ref = ((log .5 - .5) + (0 - .6)) / 2, with 0 log 0 = 0
    assert_close(att_ref, torch.tensor(-0.896574, dtype=torch.float64), rtol=0, atol=1e-6)
    # dis = (p0.p1 + p1.p0) / 2 = 0.32 + 0.12
    assert_close(dis, torch.tensor(0.44, dtype=torch.float64))
    assert_close(loss, torch.tensor(-0.11, dtype=torch.float64))


def test_aad_loss_spec_example_gradient():
    p = P.clone().requires_grad_(True)
    loss, *_ = aad_loss(p, SCORES, 1.0)
    (grad,) = torch.autograd.grad(loss, p)
    assert_close(grad, torch.tensor([[0.15, 0.35], [0.8, -0.3]], dtype=torch.float64))


def test_aad_loss_weight_and_world_scale():
    loss, att, dis, _ = aad_loss(P, SCORES, 0.25, world_scale=2)
    assert_close(loss, 2 * (att + 0.25 * dis))
    assert_close(loss, torch.tensor(2 * (-0.55 + 0.25 * 0.44), dtype=torch.float64))


def test_aad_autograd_matches_analytic_and_att_ref_gradient():
    g = torch.Generator().manual_seed(0)
    n, k, c, weight = 6, 3, 5, 0.3
    p = torch.softmax(torch.randn(n, c, generator=g, dtype=torch.float64), 1).requires_grad_(True)
    scores = torch.softmax(torch.randn(n, k, c, generator=g, dtype=torch.float64), 2)
    scores[0, 0] = torch.tensor([1.0, 0, 0, 0, 0], dtype=torch.float64)  # exercise 0 log 0
    loss, att, dis, att_ref = aad_loss(p, scores, weight, world_scale=3)
    grad_att, = torch.autograd.grad(att, p, retain_graph=True)
    grad_ref, = torch.autograd.grad(att_ref, p, retain_graph=True)
    grad_dis, = torch.autograd.grad(dis, p, retain_graph=True)
    grad_loss, = torch.autograd.grad(loss, p)
    pd = p.detach()
    analytic_att = -scores.sum(1) / n
    analytic_dis = 2.0 / n * (pd.sum(0, keepdim=True) - pd)  # (2/N) sum_{j != i} p_j
    assert_close(grad_att, analytic_att)
    assert_close(grad_ref, analytic_att)
    assert_close(grad_dis, analytic_dis)
    assert_close(grad_loss, 3 * (analytic_att + weight * analytic_dis))
    # att_ref - att is the constant (1/N) sum s log s
    assert_close(att_ref - att, torch.xlogy(scores, scores).sum() / n)
    assert torch.isfinite(att_ref)


def test_aad_loss_detaches_scores_and_leaves_inputs_alone():
    p = P.clone().requires_grad_(True)
    scores = SCORES.clone().requires_grad_(True)
    p_before, s_before = p.detach().clone(), scores.detach().clone()
    loss, *_ = aad_loss(p, scores, 1.0)
    loss.backward()
    assert scores.grad is None
    assert_close(p.detach(), p_before)
    assert_close(scores.detach(), s_before)


def test_aad_loss_bad_arguments():
    with pytest.raises(ValueError, match=r'\(2, K, 2\)'):
        aad_loss(P, SCORES[:, 0], 1.0)
    with pytest.raises(ValueError, match='p must have shape'):
        aad_loss(P[0], SCORES, 1.0)
    with pytest.raises(ValueError, match='world_scale'):
        aad_loss(P, SCORES, 1.0, world_scale=0)
