"""Strategies: the worked examples and ties of docs/active-learning.md §3, checked
against independent oracles (scipy, brute-force numpy, torch)."""
import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist
from scipy.stats import entropy as scipy_entropy

from basicda.active import (AL_STRATEGIES, badge_embedding, bald_scores, dropout_keep_mask,
                            entropy_scores, kcenter_greedy, kmeanspp_seed,
                            least_confidence_scores, margin_scores, mc_dropout_probs,
                            reference_pass_seed, select, top_b)

P = [[0.5, 0.5, 0], [0.9, 0.05, 0.05], [1 / 3, 1 / 3, 1 / 3]]


class Stub:
    """An rng whose ``random()`` returns fixed values in turn."""

    def __init__(self, *values):
        self.values = list(values)

    def random(self):
        return self.values.pop(0)


def test_registry_has_the_seven_strategies():
    assert sorted(AL_STRATEGIES.module_dict) == [
        'badge', 'bald', 'coreset', 'entropy', 'least_confidence', 'margin', 'random']


def test_uncertainty_scores_doc_example():
    np.testing.assert_allclose(entropy_scores(P), [0.69314718, 0.39439769, 1.09861229],
                               atol=1e-8)
    np.testing.assert_allclose(margin_scores(P), [0, -0.85, 0], atol=1e-12)
    np.testing.assert_allclose(least_confidence_scores(P), [-0.5, -0.9, -1 / 3], atol=1e-12)
    assert top_b(entropy_scores(P), 2).tolist() == [2, 0]
    assert top_b(margin_scores(P), 2).tolist() == [0, 2]  # tie -> lower position
    assert top_b(least_confidence_scores(P), 2).tolist() == [2, 0]


def test_ties_go_to_the_lower_position():
    assert top_b([1.0, 3.0, 3.0, 1.0, 3.0], 4).tolist() == [1, 2, 4, 0]
    assert top_b([0.0, -0.0, 0.0], 3).tolist() == [0, 1, 2]
    uniform = np.full((4, 3), 1 / 3)
    assert select('entropy', dict(prob=uniform, unlabelled=np.arange(4)), 2, 0)[0].tolist() \
        == [0, 1]


def test_entropy_matches_scipy():
    p = np.random.default_rng(0).dirichlet(np.ones(5), size=50)
    p[3, :2] = [0, p[3, :2].sum()]  # a zero probability: 0 log 0 = 0
    np.testing.assert_allclose(entropy_scores(p), scipy_entropy(p, axis=1), rtol=1e-12)


def test_bald_doc_example():
    np.testing.assert_allclose(bald_scores([[[1, 0]], [[0, 1]]]), [np.log(2)], rtol=1e-12)
    np.testing.assert_allclose(bald_scores([[[.5, .5]], [[.5, .5]]]), [0], atol=1e-15)


def test_kcenter_doc_example_and_ties():
    pos, delta = kcenter_greedy([[1], [2], [5], [6]], [[0]], 2)
    assert pos.tolist() == [3, 1]
    np.testing.assert_allclose(delta, [6, 2])
    # equal distances -> lower position; empty L -> position 0 first
    assert kcenter_greedy([[-2], [2], [1]], [[0]], 1)[0].tolist() == [0]
    assert kcenter_greedy([[4], [0], [9]], np.zeros((0, 1)), 2)[0].tolist() == [0, 2]


def test_kcenter_matches_brute_force():
    rng = np.random.default_rng(1)
    hu, hl = rng.normal(size=(40, 6)), rng.normal(size=(5, 6))
    expect, delta = [], cdist(hu, hl).min(axis=1)
    for _ in range(8):
        u = int(np.argmax(delta))
        expect.append(u)
        delta = np.minimum(delta, cdist(hu, hu[u:u + 1])[:, 0])
    assert kcenter_greedy(hu, hl, 8)[0].tolist() == expect


def test_badge_embedding_doc_example_and_layout():
    np.testing.assert_allclose(badge_embedding([0.7, 0.3], [1, 2]), [-0.3, -0.6, 0.3, 0.6])
    p = np.array([[0.2, 0.5, 0.3]])
    h = np.array([[1.0, -1.0]])
    logits = torch.tensor(np.log(p), requires_grad=False)
    w = torch.zeros(3, 2, dtype=torch.float64, requires_grad=True)
    # oracle: autograd of CE at the predicted label for logits = log p + W h (W = 0)
    out = logits + torch.tensor(h) @ w.T
    torch.nn.functional.cross_entropy(out, out.argmax(1)).backward()
    np.testing.assert_allclose(badge_embedding(p, h)[0], w.grad.reshape(-1).numpy(),
                               atol=1e-12)


def test_kmeanspp_doc_example():
    g = [[3, 0], [0, 0], [0, 1]]
    assert kmeanspp_seed(g, 2, Stub(0.5))[0].tolist() == [0, 2]
    assert kmeanspp_seed(g, 2, Stub(0.3))[0].tolist() == [0, 1]
    # u exactly on a cumulative value: strictly greater wins, so 9/19 -> index 2
    assert kmeanspp_seed(g, 2, Stub(9 / 19))[0].tolist() == [0, 2]
    # u = 0 never draws the zero-probability point 0
    assert kmeanspp_seed(g, 2, Stub(0.0))[0].tolist() == [0, 1]


def test_kmeanspp_ties_and_zero_distances():
    # equal norms: the first centre is the lower position
    assert kmeanspp_seed([[0, 1], [1, 0], [0, 0]], 1, Stub())[0].tolist() == [0]
    # all rows equal: after the first, the lowest unchosen positions (with a warning)
    pos, d2 = kmeanspp_seed(np.ones((4, 2)), 3, Stub())
    assert pos.tolist() == [0, 1, 2] and d2[1:].tolist() == [0, 0]


def test_kmeanspp_never_repeats_and_is_seeded():
    g = np.random.default_rng(2).normal(size=(30, 4))
    a = kmeanspp_seed(g, 12, np.random.default_rng(5))[0]
    b = kmeanspp_seed(g, 12, np.random.default_rng(5))[0]
    assert len(set(a.tolist())) == 12 and a.tolist() == b.tolist()


def test_dropout_masks_rate_and_keys():
    m = dropout_keep_mask(7, np.arange(2000), 3, 64, 0.5)
    assert abs(m.mean() - 0.5) < 0.01
    # each row depends on its own pool index only, not on which rows are asked with it
    np.testing.assert_array_equal(dropout_keep_mask(7, [5, 1999], 3, 64, 0.5), m[[5, 1999]])
    assert not np.array_equal(dropout_keep_mask(7, [5], 4, 64, 0.5), m[[5]])
    with pytest.raises(ValueError, match='BALD needs a dropout probability'):
        dropout_keep_mask(7, [0], 0, 4, 0.0)


def test_reference_pass_seed_keys():
    """bald_compat='reference': one torch seed per (round seed, pass, rank), a uint32
    from numpy's SeedSequence (the same construction as round_seed)."""
    seeds = {reference_pass_seed(1234, t, rank) for t in range(10) for rank in range(2)}
    assert len(seeds) == 20 and all(0 <= s < 2 ** 32 for s in seeds)
    assert reference_pass_seed(1234, 3, 1) == reference_pass_seed(1234, 3, 1)
    assert reference_pass_seed(1234, 3, 1) == int(
        np.random.SeedSequence([1234, 3, 1]).generate_state(1, np.uint32)[0])
    with pytest.raises(ValueError, match='must be >= 0'):
        reference_pass_seed(1234, -1, 0)


def test_mc_dropout_independent_of_batching_and_matches_torch():
    rng = np.random.default_rng(3)
    h, w, b = rng.normal(size=(37, 8)), rng.normal(size=(4, 8)), rng.normal(size=4)
    index = rng.permutation(100)[:37]
    full = mc_dropout_probs(h, w, b, index, seed=11, passes=5, p=0.5)
    np.testing.assert_array_equal(full, mc_dropout_probs(h, w, b, index, 11, 5, 0.5, chunk=4))
    # a shard (e.g. one process's rows) gives the same rows
    np.testing.assert_array_equal(full[:, 20:],
                                  mc_dropout_probs(h[20:], w, b, index[20:], 11, 5, 0.5))
    t = 2
    mask = torch.tensor(dropout_keep_mask(11, index, t, 8, 0.5), dtype=torch.float64)
    oracle = torch.softmax(torch.nn.functional.linear(torch.tensor(h) * mask * 2,
                                                      torch.tensor(w), torch.tensor(b)), dim=1)
    np.testing.assert_allclose(full[t], oracle.numpy(), rtol=1e-12)


def test_random_strategy_is_the_seeded_permutation():
    pos, _ = select('random', dict(unlabelled=np.arange(50)), 5, 42)
    assert pos.tolist() == np.random.default_rng(42).permutation(50)[:5].tolist()


def test_select_checks_inputs():
    with pytest.raises(KeyError, match=r"strategy 'coreset' needs inputs \['feat_labelled'\]"):
        select('coreset', dict(feat=np.zeros((3, 2)), unlabelled=np.arange(3)), 1, 0)
    with pytest.raises(ValueError, match=r"inputs\['prob'\] has 2 rows for 3 unlabelled"):
        select('margin', dict(prob=np.full((2, 2), .5), unlabelled=np.arange(3)), 1, 0)
    with pytest.raises(KeyError, match="unknown active-learning strategy 'glister'"):
        select('glister', {}, 1, 0)
    with pytest.raises(ValueError, match='cannot select b=4 of 3'):
        select('entropy', dict(prob=np.full((3, 2), .5), unlabelled=np.arange(3)), 4, 0)
    with pytest.raises(ValueError, match='prob has NaN'):
        entropy_scores([[np.nan, 1.0]])
