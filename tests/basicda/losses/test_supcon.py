"""supcon_loss / supcon_anchor_losses: the spec's worked examples (docs/active-learning.md
§7.1) and a numpy oracle written from the formula with explicit loops."""
import numpy as np
import pytest
import torch

from basicda.losses import supcon_anchor_losses, supcon_loss

Z_AXES = torch.tensor([[1., 0], [0, 1], [1, 0], [0, 1]], dtype=torch.float64)
IDS = torch.tensor([0, 1, 0, 1])


@pytest.mark.parametrize('z, tau, base_tau, expected', [
    (Z_AXES, 0.5, 0.5, 0.23954477),
    (Z_AXES, 0.5, 0.07, 1.71103404),
    (torch.tensor([[1., 0], [0.6, 0.8], [0.8, 0.6], [0, 1]], dtype=torch.float64), 0.5, 0.5,
     0.87071376),
])
def test_worked_examples(z, tau, base_tau, expected):
    assert float(supcon_loss(z, IDS, tau, base_tau)) == pytest.approx(expected, abs=1e-8)


def numpy_supcon(z, ids, tau, base_tau):
    """ℓ_i = -(τ/τ_b) mean_{p in P(i)} log(exp(z_i.z_p/τ) / sum_{a != i} exp(z_i.z_a/τ))."""
    z = np.asarray(z, dtype=np.float64)
    losses = []
    for i in range(len(z)):
        denom = sum(np.exp(z[i] @ z[a] / tau) for a in range(len(z)) if a != i)
        pos = [p for p in range(len(z)) if p != i and ids[p] == ids[i]]
        losses.append(-(tau / base_tau) * np.mean(
            [np.log(np.exp(z[i] @ z[p] / tau) / denom) for p in pos]))
    return np.array(losses)


@pytest.mark.parametrize('labels', [False, True])
def test_matches_numpy_oracle(labels):
    gen = torch.Generator().manual_seed(0)
    z = torch.nn.functional.normalize(torch.randn(12, 5, generator=gen, dtype=torch.float64),
                                      dim=1)
    # SimCLR: image ids (one positive each); SupCon: labels (several positives)
    ids = torch.tensor([0, 1, 2, 0, 1, 2] * 2) if labels else torch.arange(6).repeat(2)
    expected = numpy_supcon(z.numpy(), ids.numpy(), 0.1, 0.07)
    pos = torch.arange(12)
    got = supcon_anchor_losses(z, ids, pos, z, ids, 0.1, 0.07)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)
    assert float(supcon_loss(z, ids, 0.1, 0.07)) == pytest.approx(expected.mean(), rel=1e-10)
    # a subset of anchors against all rows gives those anchors' losses (one rank's share)
    sub = supcon_anchor_losses(z[4:8], ids[4:8], pos[4:8], z, ids, 0.1, 0.07)
    np.testing.assert_allclose(sub.numpy(), expected[4:8], rtol=1e-10)


def test_bad_input_raises():
    with pytest.raises(ValueError, match='no positive'):
        supcon_loss(Z_AXES, torch.tensor([0, 1, 2, 1]))
    with pytest.raises(ValueError, match='tau and base_tau must be > 0'):
        supcon_loss(Z_AXES, IDS, tau=0.0)
