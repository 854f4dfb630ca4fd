"""basicda.ops.knn on both backends against NumPy and scikit-learn oracles: the tie
rule (lower index), the three metrics, and the two self-exclusion modes."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose, assert_array_equal

from basicda.ops import KNN_BACKENDS, KNN_METRICS, knn

BANK = torch.tensor([[1., 0.], [.6, .8], [0., 1.], [.6, .8]])
DUPLICATES = torch.tensor([[1., 0.], [1., 0.], [0., 1.]])


def _oracle(query, bank, k, exclude=None, metric='ip'):
    """NumPy in float64: ranking scores, own row -inf, lexsort by (-score, index)."""
    q, b = np.asarray(query, dtype=np.float64), np.asarray(bank, dtype=np.float64)
    if metric == 'cosine':
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
        b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    if metric == 'l2':
        scores = -((q[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    else:
        scores = q @ b.T
    if exclude is not None:
        scores[np.arange(len(scores)), np.asarray(exclude)] = -np.inf
    return np.stack([np.lexsort((np.arange(len(row)), -row))[:k] for row in scores])


def _idx(*args, **kwargs):
    return knn(*args, **kwargs)[1]


@pytest.mark.parametrize('backend', KNN_BACKENDS)
def test_spec_examples(backend):
    own = torch.tensor([0])
    assert _idx(BANK[:1], BANK, 2, exclude=own, self_exclusion='index',
                backend=backend).tolist() == [[1, 3]]
    # rows 1 and 3 tie: the lower index wins
    assert _idx(BANK[:1], BANK, 1, exclude=own, self_exclusion='index',
                backend=backend).tolist() == [[1]]
    assert _idx(DUPLICATES[1:2], DUPLICATES, 1, exclude=torch.tensor([1]),
                self_exclusion='index', backend=backend).tolist() == [[0]]


@pytest.mark.parametrize('backend', KNN_BACKENDS)
def test_tie_to_lower_index_when_duplicates_come_first(backend):
    # 6 identical rows: topk would be free to return any 2 of them
    bank = torch.cat([torch.ones(6, 2), torch.zeros(3, 2)])
    query = torch.ones(2, 2)
    out = _idx(query, bank, 2, exclude=torch.tensor([0, 4]), self_exclusion='index',
               backend=backend)
    assert out.tolist() == [[1, 2], [0, 1]]


@pytest.mark.parametrize('backend', KNN_BACKENDS)
@pytest.mark.parametrize('metric', KNN_METRICS)
def test_matches_numpy_oracle_with_many_ties(backend, metric):
    g = torch.Generator().manual_seed(0)
    for _ in range(40):
        n = int(torch.randint(3, 50, (1,), generator=g))
        q = int(torch.randint(1, 12, (1,), generator=g))
        k = int(torch.randint(1, n, (1,), generator=g))
        if metric == 'cosine':
            # signed one-hot rows scaled by 1, 2 or 4: normalised exactly, so the
            # ties are exact, and the scale changes 'ip' but not 'cosine'
            axis = torch.randint(0, 3, (n,), generator=g)
            scale = 2.0 ** torch.randint(0, 3, (n,), generator=g)
            sign = torch.randint(0, 2, (n,), generator=g) * 2.0 - 1.0
            bank = F.one_hot(axis, 3).float() * (scale * sign)[:, None]
        else:
            bank = torch.randint(-2, 3, (n, 3), generator=g).float()  # small integers: exact ties
        own = torch.randint(0, n, (q,), generator=g)
        query = bank[own]
        got = _idx(query, bank, k, metric=metric, exclude=own, self_exclusion='index',
                   backend=backend, chunk_size=5)
        assert_array_equal(got.numpy(), _oracle(query, bank, k, own, metric))
        got = _idx(query, bank, k + 1, metric=metric, backend=backend)
        assert_array_equal(got.numpy(), _oracle(query, bank, k + 1, metric=metric))


@pytest.mark.parametrize('backend', KNN_BACKENDS)
def test_drop_first_and_index_differ_where_the_own_row_is_not_first(backend):
    # Row 2 duplicates row 0; row 3 is row 1 scaled by 2 (larger inner products).
    bank = torch.tensor([[1., 0.], [0., 1.], [1., 0.], [0., 2.], [1., 1.]])
    own = torch.tensor([2, 1, 4])
    query = bank[own]
    index_mode = _idx(query, bank, 2, exclude=own, self_exclusion='index', backend=backend)
    drop_first = _idx(query, bank, 2, self_exclusion='drop_first', backend=backend)
    # hand-worked, ip scores of the queries against rows 0..4:
    #   q = row 2 (1, 0): [1, 0, 1, 0, 1] -> order 0, 2, 4 (ties by index)
    #   q = row 1 (0, 1): [0, 1, 0, 2, 1] -> order 3, 1, 4
    #   q = row 4 (1, 1): [1, 1, 1, 2, 2] -> order 3, 4, 0
    assert index_mode.tolist() == [[0, 4], [3, 4], [3, 0]]
    # drop_first drops the best row, which is not the own row here: the own row
    # (2, 1) stays a neighbour of itself, and for row 4 the larger row 3 is dropped
    assert drop_first.tolist() == [[2, 4], [1, 4], [4, 0]]
    assert_array_equal(index_mode.numpy(), _oracle(query, bank, 2, own))
    assert_array_equal(drop_first.numpy(), _oracle(query, bank, 3)[:, 1:])
    # on distinct unit rows the own row is first and the modes agree
    unit = F.normalize(torch.randn(30, 4, generator=torch.Generator().manual_seed(3)), dim=1)
    rows = torch.arange(30)
    assert torch.equal(_idx(unit, unit, 3, exclude=rows, self_exclusion='index', backend=backend),
                       _idx(unit, unit, 3, self_exclusion='drop_first', backend=backend))


@pytest.mark.parametrize('backend', KNN_BACKENDS)
def test_continuous_data_against_scikit_learn(backend):
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(0)
    bank = rng.standard_normal((300, 8)).astype(np.float32)
    query = rng.standard_normal((20, 8)).astype(np.float32)
    for metric, sk_metric in (('l2', 'euclidean'), ('cosine', 'cosine')):
        distance, expected = NearestNeighbors(n_neighbors=5, algorithm='brute',
                                              metric=sk_metric).fit(bank).kneighbors(query)
        scores, idx = knn(query, bank, 5, metric=metric, backend=backend, num_threads=1)
        assert isinstance(idx, np.ndarray) and idx.dtype == np.int64  # NumPy in, NumPy out
        assert_array_equal(idx, expected)
        reference = distance ** 2 if metric == 'l2' else 1 - distance
        assert_allclose(scores, reference, rtol=1e-4, atol=1e-4)


def test_backends_agree_on_normalised_features_and_order_by_score():
    g = torch.Generator().manual_seed(1)
    bank = F.normalize(torch.randn(2000, 16, generator=g), dim=1)
    own = torch.randint(0, 2000, (64,), generator=g)
    query = bank[own]
    torch_scores, torch_out = knn(query, bank, 4, exclude=own, self_exclusion='index')
    faiss_scores, faiss_out = knn(query, bank, 4, exclude=own, self_exclusion='index',
                                  backend='faiss')
    assert torch.equal(torch_out, faiss_out)
    torch.testing.assert_close(torch_scores, faiss_scores, rtol=0, atol=1e-5)
    assert not (torch_out == own[:, None]).any()
    scores = (query @ bank.t()).gather(1, torch_out)  # (Q, k), must be descending
    torch.testing.assert_close(torch_scores, scores, rtol=0, atol=0)
    assert bool((scores[:, :-1] >= scores[:, 1:]).all())
    assert_array_equal(torch_out.numpy(), _oracle(query, bank, 4, own))


def test_chunking_does_not_change_the_result():
    g = torch.Generator().manual_seed(2)
    bank = torch.randint(-1, 2, (30, 2), generator=g).float()
    own = torch.arange(30)
    whole = _idx(bank, bank, 3, exclude=own, self_exclusion='index')
    assert torch.equal(whole, _idx(bank, bank, 3, exclude=own, self_exclusion='index',
                                   chunk_size=1))
    assert torch.equal(whole, _idx(bank, bank, 3, exclude=own, self_exclusion='index',
                                   chunk_size=7))


@pytest.mark.parametrize('backend', KNN_BACKENDS)
def test_no_gradient_and_shapes(backend):
    query = torch.randn(5, 3, requires_grad=True)
    scores, out = knn(query, torch.randn(10, 3), 4, backend=backend)
    assert out.shape == (5, 4) and out.dtype == torch.long and not out.requires_grad
    assert scores.shape == (5, 4) and not scores.requires_grad
    empty_scores, empty = knn(torch.zeros(0, 3), torch.randn(10, 3), 2, backend=backend)
    assert empty.shape == (0, 2) and empty_scores.shape == (0, 2)


def test_bad_arguments():
    own = torch.tensor([0])
    with pytest.raises(ValueError, match=r'k must be in \[1, 3\] .* with self-exclusion'):
        knn(BANK[:1], BANK, 4, exclude=own, self_exclusion='index')
    with pytest.raises(ValueError, match=r'k must be in \[1, 3\]'):
        knn(BANK[:1], BANK, 4, self_exclusion='drop_first')
    with pytest.raises(ValueError, match='same D'):
        knn(torch.zeros(1, 3), BANK, 1)
    with pytest.raises(ValueError, match='exclude must hold bank indices'):
        knn(BANK[:1], BANK, 1, exclude=torch.tensor([4]), self_exclusion='index')
    with pytest.raises(ValueError, match=r'shape \(1,\)'):
        knn(BANK[:1], BANK, 1, exclude=torch.tensor([0, 1]), self_exclusion='index')
    with pytest.raises(ValueError, match="required by self_exclusion='index'"):
        knn(BANK[:1], BANK, 1, self_exclusion='index')
    with pytest.raises(ValueError, match="self_exclusion='drop_first' and exclude given"):
        knn(BANK[:1], BANK, 1, exclude=own, self_exclusion='drop_first')
    with pytest.raises(ValueError, match="self_exclusion must be None or one of"):
        knn(BANK[:1], BANK, 1, self_exclusion='own')
    with pytest.raises(ValueError, match='backend'):
        knn(BANK[:1], BANK, 1, backend='annoy')
    with pytest.raises(ValueError, match="metric must be one of .* got 'dot'"):
        knn(BANK[:1], BANK, 1, metric='dot')
    with pytest.raises(TypeError, match='k must be an int'):
        knn(BANK[:1], BANK, 1.0)
    with pytest.raises(ValueError, match='finite'):
        knn(BANK[:1], torch.full((3, 2), float('nan')), 1)
