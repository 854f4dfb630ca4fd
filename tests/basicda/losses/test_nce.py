"""NCE and softmax-NCE losses (docs/dvscl.md §2; hand-worked numbers)."""
import math

import torch

from basicda.losses.nce import nce_loss, nce_normaliser, softmax_nce_loss


def test_nce_loss_worked_example():
    # P = 2/4, eps = 1e-7: -(log(1/(1.5+eps)) + log(.5/(1+eps)) + log(.5/(.75+eps)))
    eps = 1e-7
    expected = -(math.log(1 / (1.5 + eps)) + math.log(0.5 / (1.0 + eps))
                 + math.log(0.5 / (0.75 + eps)))
    got = nce_loss(torch.tensor([[1.0, 0.5, 0.25]], dtype=torch.float64), 4)
    assert abs(float(got) - expected) < 1e-12 and abs(expected - 1.50407770) < 1e-8


def test_softmax_nce_loss_worked_example():
    e = [math.exp(v / 0.1) for v in (0.5, 0.1, -0.2)]
    expected = -math.log(e[0] / sum(e))
    got = softmax_nce_loss(torch.tensor([[0.5, 0.1, -0.2]], dtype=torch.float64), 0.1)
    assert abs(float(got) - expected) < 1e-12 and abs(expected - 0.01904501) < 1e-8


def test_nce_normaliser_worked_example():
    z, o = nce_normaliser(torch.tensor([[0.0, 0.1]], dtype=torch.float64), 0.1, 4)
    assert abs(float(z) - 4 * (1 + math.e) / 2) < 1e-12 and abs(float(z) - 7.43656366) < 1e-8
    torch.testing.assert_close(o, torch.tensor([[1 / float(z), math.e / float(z)]],
                                               dtype=torch.float64))
    assert abs(float(o[0, 0]) - 0.13447071) < 1e-8
    # with all-reduced totals (DDP) Z is N * total / count
    z2, _ = nce_normaliser(torch.tensor([[0.0, 0.1]]), 0.1, 4, torch.tensor(10.0), 4)
    assert float(z2) == 10.0
