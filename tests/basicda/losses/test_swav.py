import math

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from basicda.losses import sinkhorn, sinkhorn_knopp, swav_loss
from tests.dist_utils import spawn_gloo

SCORES = torch.tensor([[1., 0.], [1., 0.], [0., 0.]])


def test_sinkhorn_spec_examples():
    assert_close(sinkhorn_knopp(SCORES, epsilon=1.0, n_iters=3),
                 torch.tensor([[0.581009, 0.418991], [0.581009, 0.418991],
                               [0.337806, 0.662194]]), rtol=0, atol=1e-6)
    assert_close(sinkhorn(SCORES, 1.0, 1),
                 torch.tensor([[0.558880, 0.441120], [0.558880, 0.441120],
                               [0.317912, 0.682088]]), rtol=0, atol=1e-6)


def _reference_sinkhorn(scores, eps, n_iters):
    # plain float64 re-statement of the recipe (softmax form of step 1-2)
    q = torch.exp(scores.double() / eps).t()
    q = q / q.sum()
    p, m = q.shape
    for _ in range(n_iters):
        q = q / q.sum(1, keepdim=True) / p
        q = q / q.sum(0, keepdim=True) / m
    return (q * m).t()


def test_sinkhorn_marginals_and_oracle():
    g = torch.Generator().manual_seed(0)
    scores = F.normalize(torch.randn(24, 8, generator=g), dim=1) * 0.5
    codes = sinkhorn_knopp(scores, epsilon=0.05, n_iters=3)
    assert codes.dtype == torch.float32 and codes.shape == (24, 8)
    assert_close(codes.sum(1), torch.ones(24))  # every row sums to 1
    assert_close(codes.double(), _reference_sinkhorn(scores, 0.05, 3), rtol=1e-4, atol=1e-6)
    # with enough iterations the prototypes are equipartitioned: columns sum to M / P
    balanced = sinkhorn_knopp(scores, epsilon=0.5, n_iters=200)
    assert_close(balanced.sum(0), torch.full((8,), 24 / 8), rtol=0, atol=1e-4)
    assert_close(balanced.sum(1), torch.ones(24))


def test_sinkhorn_is_shift_invariant_no_grad_and_float32():
    g = torch.Generator().manual_seed(1)
    scores = torch.randn(5, 4, generator=g, dtype=torch.float64, requires_grad=True)
    codes = sinkhorn_knopp(scores, epsilon=0.1)
    assert not codes.requires_grad and codes.dtype == torch.float32
    assert_close(sinkhorn_knopp(scores + 3.0, epsilon=0.1), codes)
    # row permutation permutes the codes
    perm = torch.randperm(5, generator=g)
    assert_close(sinkhorn_knopp(scores[perm], epsilon=0.1), codes[perm])


def test_sinkhorn_bad_arguments():
    for kwargs, match in ((dict(epsilon=0.0), 'epsilon'), (dict(n_iters=0), 'n_iters'),
                          (dict(world_size=0), 'world_size')):
        with pytest.raises(ValueError, match=match):
            sinkhorn_knopp(SCORES, **kwargs)
    with pytest.raises(ValueError, match=r'\(3,\)'):
        sinkhorn_knopp(torch.zeros(3))


def _sinkhorn_worker(rank, world_size, out):
    scores = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    rows = slice(0, 2) if rank == 0 else slice(2, 3)  # uneven on purpose: 2 + 1
    codes = sinkhorn_knopp(scores[rows], epsilon=0.05, n_iters=3, world_size=world_size)
    torch.save(codes, f'{out}.{rank}')


@pytest.mark.slow
def test_two_gloo_ranks_match_one_process(tmp_path):
    scores = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    expected = sinkhorn_knopp(scores, epsilon=0.05, n_iters=3)
    out = str(tmp_path / 'codes')
    spawn_gloo(_sinkhorn_worker, 2, out)
    gathered = torch.cat([torch.load(f'{out}.{r}', weights_only=True) for r in range(2)])
    assert_close(gathered, expected, rtol=0, atol=1e-6)


V0, V1 = torch.tensor([[0.1, 0.]]), torch.tensor([[0., 0.1]])
Q0, Q1 = torch.tensor([[1., 0.]]), torch.tensor([[.5, .5]])


def test_swav_loss_spec_example():
    assert_close(swav_loss([V0, V1], [Q0, Q1], [0, 1], temperature=0.1),
                 torch.tensor(1.063262), rtol=0, atol=1e-6)
    # the per-assignment terms
    assert_close(swav_loss([V0, V1], [Q0], [0]), torch.tensor(1.313262), rtol=0, atol=1e-6)
    assert_close(swav_loss([V0, V1], [Q1], [1]), torch.tensor(0.813262), rtol=0, atol=1e-6)
    # by hand: -log softmax([0, 1])_0 = log(1 + e); 0.5 [log(1 + e^-1) + log(1 + e)]
    by_hand = 0.5 * (math.log1p(math.e) + 0.5 * (math.log1p(math.exp(-1)) + math.log1p(math.e)))
    assert_close(swav_loss([V0, V1], [Q0, Q1], [0, 1]), torch.tensor(by_hand, dtype=torch.float32))


def test_swav_loss_matches_soft_cross_entropy_oracle():
    g = torch.Generator().manual_seed(2)
    scores = [torch.randn(4, 6, generator=g, dtype=torch.float64) for _ in range(5)]
    codes = [torch.softmax(torch.randn(4, 6, generator=g, dtype=torch.float64), 1)
             for _ in range(2)]
    expected = sum(
        sum(F.cross_entropy(scores[v] / 0.1, codes[i]) for v in range(5) if v != a) / 4
        for i, a in enumerate((0, 1))) / 2
    assert_close(swav_loss(scores, codes, (0, 1)), expected)


def test_swav_loss_gradient_reaches_scores_only():
    scores = [V0.clone().requires_grad_(), V1.clone().requires_grad_()]
    codes = [Q0.clone().requires_grad_(), Q1.clone()]
    swav_loss(scores, codes, [0, 1]).backward()
    # d/dS_1 of (1/2) CE(S_1 / tau, Q_0) = (softmax(S_1 / tau) - Q_0) / (2 tau)
    expected = (torch.softmax(V1 / 0.1, 1) - Q0) / (2 * 0.1)
    assert_close(scores[1].grad, expected)
    assert scores[0].grad is not None
    assert codes[0].grad is None  # codes are targets


def test_swav_loss_bad_arguments():
    with pytest.raises(ValueError, match='temperature'):
        swav_loss([V0, V1], [Q0], [0], temperature=0)
    with pytest.raises(ValueError, match='at least 2 crops'):
        swav_loss([V0], [Q0], [0])
    with pytest.raises(ValueError, match='one tensor per'):
        swav_loss([V0, V1], [Q0], [0, 1])
    with pytest.raises(ValueError, match=r'\[0, 2\)'):
        swav_loss([V0, V1], [Q0], [2])
    with pytest.raises(ValueError, match='same shape'):
        swav_loss([V0, torch.zeros(2, 2)], [Q0], [0])
