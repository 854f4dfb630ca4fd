import numpy as np
import pytest
import torch
import torch.nn.functional as F

from basicda.ops import KNN_BACKENDS, knn_indices

BANK = torch.tensor([[1., 0.], [.6, .8], [0., 1.], [.6, .8]])
DUPLICATES = torch.tensor([[1., 0.], [1., 0.], [0., 1.]])


def _oracle(query, bank, k, exclude=None):
    """NumPy: scores in float64, own row -inf, lexsort by (-score, index)."""
    scores = (query.double() @ bank.double().t()).numpy()
    if exclude is not None:
        scores[np.arange(len(scores)), exclude.numpy()] = -np.inf
    return np.stack([np.lexsort((np.arange(len(row)), -row))[:k] for row in scores])


@pytest.mark.parametrize('backend', KNN_BACKENDS)
def test_spec_examples(backend):
    own = torch.tensor([0])
    assert knn_indices(BANK[:1], BANK, 2, exclude=own, backend=backend).tolist() == [[1, 3]]
    # rows 1 and 3 tie: the lower index wins
    assert knn_indices(BANK[:1], BANK, 1, exclude=own, backend=backend).tolist() == [[1]]
    assert knn_indices(DUPLICATES[1:2], DUPLICATES, 1, exclude=torch.tensor([1]),
                       backend=backend).tolist() == [[0]]


@pytest.mark.parametrize('backend', KNN_BACKENDS)
def test_tie_to_lower_index_when_duplicates_come_first(backend):
    # 6 identical rows: topk would be free to return any 2 of them
    bank = torch.cat([torch.ones(6, 2), torch.zeros(3, 2)])
    query = torch.ones(2, 2)
    out = knn_indices(query, bank, 2, exclude=torch.tensor([0, 4]), backend=backend)
    assert out.tolist() == [[1, 2], [0, 1]]


@pytest.mark.parametrize('backend', KNN_BACKENDS)
def test_matches_numpy_oracle_with_many_ties(backend):
    g = torch.Generator().manual_seed(0)
    for _ in range(40):
        n = int(torch.randint(3, 50, (1,), generator=g))
        q = int(torch.randint(1, 12, (1,), generator=g))
        k = int(torch.randint(1, n, (1,), generator=g))
        bank = torch.randint(-2, 3, (n, 3), generator=g).float()  # small integers: exact ties
        own = torch.randint(0, n, (q,), generator=g)
        query = bank[own]
        got = knn_indices(query, bank, k, exclude=own, backend=backend, chunk_size=5)
        np.testing.assert_array_equal(got.numpy(), _oracle(query, bank, k, own))
        got = knn_indices(query, bank, k + 1, backend=backend)
        np.testing.assert_array_equal(got.numpy(), _oracle(query, bank, k + 1))


def test_backends_agree_on_normalised_features_and_order_by_score():
    g = torch.Generator().manual_seed(1)
    bank = F.normalize(torch.randn(2000, 16, generator=g), dim=1)
    own = torch.randint(0, 2000, (64,), generator=g)
    query = bank[own]
    torch_out = knn_indices(query, bank, 4, exclude=own)
    assert torch.equal(torch_out, knn_indices(query, bank, 4, exclude=own, backend='faiss'))
    assert not (torch_out == own[:, None]).any()
    scores = (query @ bank.t()).gather(1, torch_out)  # (Q, k), must be descending
    assert bool((scores[:, :-1] >= scores[:, 1:]).all())
    np.testing.assert_array_equal(torch_out.numpy(), _oracle(query, bank, 4, own))


def test_chunking_does_not_change_the_result():
    g = torch.Generator().manual_seed(2)
    bank = torch.randint(-1, 2, (30, 2), generator=g).float()
    own = torch.arange(30)
    whole = knn_indices(bank, bank, 3, exclude=own)
    assert torch.equal(whole, knn_indices(bank, bank, 3, exclude=own, chunk_size=1))
    assert torch.equal(whole, knn_indices(bank, bank, 3, exclude=own, chunk_size=7))


def test_no_gradient_and_shapes():
    query = torch.randn(5, 3, requires_grad=True)
    out = knn_indices(query, torch.randn(10, 3), 4)
    assert out.shape == (5, 4) and out.dtype == torch.long and not out.requires_grad
    assert knn_indices(torch.zeros(0, 3), torch.randn(10, 3), 2).shape == (0, 2)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r'k must be in \[1, 3\]'):
        knn_indices(BANK[:1], BANK, 4, exclude=torch.tensor([0]))
    with pytest.raises(ValueError, match='same D'):
        knn_indices(torch.zeros(1, 3), BANK, 1)
    with pytest.raises(ValueError, match='exclude must hold bank indices'):
        knn_indices(BANK[:1], BANK, 1, exclude=torch.tensor([4]))
    with pytest.raises(ValueError, match=r'shape \(1,\)'):
        knn_indices(BANK[:1], BANK, 1, exclude=torch.tensor([0, 1]))
    with pytest.raises(ValueError, match='backend'):
        knn_indices(BANK[:1], BANK, 1, backend='annoy')
    with pytest.raises(TypeError, match='k must be an int'):
        knn_indices(BANK[:1], BANK, 1.0)
