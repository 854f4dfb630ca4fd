import faiss
import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from torch.testing import assert_close

from basicda.ops import canonicalize_clusters, faiss_kmeans, kmeans, kmeans_plusplus

SPEC_X = np.array([[0, 0], [0, 1], [10, 10], [10, 11]], dtype=np.float32)


def blobs(n_per_blob=40, centres=((0, 0, 0), (8, 0, 0), (0, 8, 0)), scale=0.5, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.asarray(centres, dtype=np.float32)
    x = np.concatenate([c + scale * rng.standard_normal((n_per_blob, centres.shape[1]))
                        for c in centres]).astype(np.float32)
    order = rng.permutation(len(x))  # interleave the blobs
    truth = np.repeat(np.arange(len(centres)), n_per_blob)
    return x[order], truth[order]


@pytest.mark.parametrize('backend', ['faiss', 'sklearn'])
def test_kmeans_spec_example(backend):
    ids, centroids, inertia = kmeans(SPEC_X, 2, seed=1234, backend=backend, num_threads=1)
    assert_array_equal(ids, np.array([0, 0, 1, 1]))
    assert_allclose(inertia, 1.0, rtol=0, atol=1e-6)
    assert_allclose(centroids, np.array([[0, 0.5], [10, 10.5]]), rtol=0, atol=1e-6)
    assert ids.dtype == np.int64 and centroids.dtype == np.float32


def test_canonicalize_spec_example():
    assert_close(canonicalize_clusters(torch.tensor([2, 2, 0, 1, 0])),
                 torch.tensor([0, 0, 1, 2, 1]))
    assert_array_equal(canonicalize_clusters(np.array([2, 2, 0, 1, 0])), np.array([0, 0, 1, 2, 1]))


def test_canonicalize_is_invariant_to_renaming_and_idempotent():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 6, size=50)
    renamed = rng.permutation(6)[ids] * 10 + 3  # same partition, other names
    canonical = canonicalize_clusters(ids)
    assert_array_equal(canonicalize_clusters(renamed), canonical)
    assert_array_equal(canonicalize_clusters(canonical), canonical)
    first_seen = [canonical[np.flatnonzero(canonical == c)[0]] for c in range(6)]
    assert_array_equal(first_seen, np.arange(6))


def test_faiss_and_sklearn_give_the_same_canonical_partition():
    x, truth = blobs()
    ids_f, cent_f, inertia_f = kmeans(x, 3, seed=0, backend='faiss', num_threads=1)
    ids_s, cent_s, inertia_s = kmeans(x, 3, seed=0, backend='sklearn')
    assert_array_equal(ids_f, ids_s)
    assert_array_equal(ids_f, canonicalize_clusters(truth))
    assert_allclose(cent_f, cent_s, rtol=0, atol=1e-4)
    assert_allclose(inertia_f, inertia_s, rtol=1e-5, atol=0)


def test_inertia_equals_assignment_cost_and_centroids_are_permuted_with_ids():
    x, _ = blobs(seed=3)
    ids, centroids, inertia = kmeans(x, 5, seed=2, n_init=2, num_threads=1)
    expected = float(((x.astype(np.float64) - centroids[ids]) ** 2).sum())
    assert_allclose(inertia, expected, rtol=1e-6, atol=0)  # diffs taken in float32
    # every point sits at its nearest centroid
    dist = ((x[:, None, :] - centroids[None]) ** 2).sum(-1)
    assert_array_equal(ids, dist.argmin(1))


def test_more_restarts_never_increase_inertia():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 4)).astype(np.float32)  # no clear structure: many optima
    for seed in range(3):
        one = kmeans(x, 12, n_init=1, max_iter=50, seed=seed, num_threads=1)[2]
        ten = kmeans(x, 12, n_init=10, max_iter=50, seed=seed, num_threads=1)[2]
        assert ten <= one + 1e-6


def test_no_subsampling_when_n_exceeds_256_k():
    x, _ = blobs(n_per_blob=300, centres=((0, 0), (6, 0)), scale=1.0, seed=5)  # N = 600 > 512
    centroids, ids = faiss_kmeans(x, 2, niter=100, nredo=1, seed=0, num_threads=1)
    means = np.stack([x[ids == p].mean(0) for p in range(2)])
    # a Lloyd fixed point on *all* points: each centroid is the mean of its members
    assert_allclose(centroids, means, rtol=0, atol=1e-4)
    # control: faiss's default cap of 256 points per centroid trains on a subsample
    clustering = faiss.Clustering(2, 2)
    clustering.niter, clustering.seed, clustering.min_points_per_centroid = 100, 0, 1
    clustering.train(x, faiss.IndexFlatL2(2))
    sub = faiss.vector_to_array(clustering.centroids).reshape(2, 2)
    sub = sub[np.argsort(sub[:, 0])]
    full = means[np.argsort(means[:, 0])]
    assert np.abs(sub - full).max() > 1e-3


def test_deterministic_for_a_seed():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((400, 6)).astype(np.float32)
    first = kmeans(x, 15, n_init=3, max_iter=30, seed=7, num_threads=1)
    second = kmeans(x, 15, n_init=3, max_iter=30, seed=7, num_threads=1)
    assert_array_equal(first[0], second[0])
    assert_array_equal(first[1], second[1])
    assert first[2] == second[2]
    c1, a1 = faiss_kmeans(x, 15, niter=30, nredo=3, seed=7, num_threads=1)
    c2, a2 = faiss_kmeans(x, 15, niter=30, nredo=3, seed=7, num_threads=1)
    assert_array_equal(c1, c2)
    assert_array_equal(a1, a2)


def test_thread_count_is_restored():
    before = faiss.omp_get_max_threads()
    faiss_kmeans(SPEC_X, 2, nredo=1, num_threads=1)
    assert faiss.omp_get_max_threads() == before


def test_tensor_in_tensor_out_and_spherical():
    x, _ = blobs(seed=4)
    ids, centroids, inertia = kmeans(torch.from_numpy(x), 3, seed=0, num_threads=1)
    assert isinstance(ids, torch.Tensor) and ids.dtype == torch.long
    assert isinstance(centroids, torch.Tensor) and centroids.shape == (3, 3)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    spherical, _ = faiss_kmeans(unit, 3, niter=20, nredo=1, seed=0, spherical=True, num_threads=1)
    assert_allclose(np.linalg.norm(spherical, axis=1), np.ones(3), rtol=0, atol=1e-5)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match=r'k = 5'):
        kmeans(SPEC_X, 5)
    with pytest.raises(ValueError, match=r'k = 5'):
        faiss_kmeans(SPEC_X, 5)
    with pytest.raises(ValueError, match='got 0'):
        faiss_kmeans(SPEC_X, 0)
    with pytest.raises(ValueError, match="'torch'"):
        kmeans(SPEC_X, 2, backend='torch')
    with pytest.raises(ValueError, match=r'\(4,\)'):
        kmeans(SPEC_X[:, 0], 2)
    with pytest.raises(ValueError, match='NaN'):
        kmeans(np.full((3, 2), np.nan, dtype=np.float32), 2)


def scaled_blobs(n, d, k, seed):
    """Issue 17's clustered data: centres scaled x10, unit noise."""
    rng = np.random.default_rng(seed)
    centres = 10 * rng.standard_normal((k, d))
    return (centres[rng.integers(0, k, size=n)] + rng.standard_normal((n, d))).astype(np.float32)


@pytest.mark.parametrize('n,d,k,seed', [(600, 8, 20, 0), (1000, 16, 40, 1)])
def test_default_inertia_within_5_percent_of_sklearn_kmeans_plusplus(n, d, k, seed):
    from sklearn.cluster import KMeans
    x = scaled_blobs(n, d, k, seed)
    reference = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(x).inertia_
    inertia = kmeans(x, k, n_init=10, seed=seed, num_threads=1)[2]
    assert inertia <= 1.05 * reference, (inertia, reference)


def test_random_sample_init_lands_in_worse_minima_on_blobs():
    """The control that motivates k-means++: faiss's own initialisation (the old
    default) is far above scikit-learn on the same blobs."""
    from sklearn.cluster import KMeans
    x = scaled_blobs(1000, 16, 40, 1)
    reference = KMeans(n_clusters=40, n_init=10, random_state=1).fit(x).inertia_
    assert kmeans(x, 40, n_init=10, seed=1, backend='faiss-random', num_threads=1)[2] \
        > 1.5 * reference


def test_kmeans_plusplus_draws_proportionally_to_squared_distance():
    # 1-D points 0, 1, 3: after a first seed at p, the second is q with probability
    # (x_q - x_p)^2 / sum_j (x_j - x_p)^2, the first being uniform (1/3).
    x = np.array([[0.0], [1.0], [3.0]], dtype=np.float32)
    d2 = (x - x.T) ** 2
    expected = d2 / d2.sum(1, keepdims=True) / 3  # (first, second)
    _, picked = kmeans_plusplus(x, 2, seed=0, n_local_trials=1, n_seedings=6000)
    counts = np.zeros((3, 3))
    np.add.at(counts, (picked[:, 0], picked[:, 1]), 1)
    assert_allclose(counts / 6000, expected, rtol=0, atol=0.02)
    assert (picked[:, 0] != picked[:, 1]).all()  # a seed is never drawn twice (D = 0)


def test_greedy_kmeans_plusplus_picks_the_candidate_of_lowest_potential():
    # two tight pairs far apart and one outlier: with 3 seeds and many candidates
    # per step, greedy seeding covers all three groups every time
    x = np.array([[0, 0], [0, 0.1], [5, 5], [5, 5.1], [-9, 4]], dtype=np.float32)
    groups = np.array([0, 0, 1, 1, 2])
    _, picked = kmeans_plusplus(x, 3, seed=3, n_local_trials=20, n_seedings=50)
    assert all(sorted(groups[row]) == [0, 1, 2] for row in picked)


def test_kmeans_plusplus_is_deterministic_and_returns_rows_of_x():
    x = scaled_blobs(300, 4, 10, 2)
    c1, i1 = kmeans_plusplus(x, 10, seed=5, n_seedings=3)
    c2, i2 = kmeans_plusplus(torch.from_numpy(x), 10, seed=5, n_seedings=3)
    assert_array_equal(i1, i2)
    assert c1.shape == (3, 10, 4) and i1.shape == (3, 10)
    assert_array_equal(c1, x[i1])
    assert_array_equal(c1, c2)
    assert not np.array_equal(i1, kmeans_plusplus(x, 10, seed=6, n_seedings=3)[1])


def test_kmeans_plusplus_bad_arguments_raise():
    with pytest.raises(ValueError, match='n_local_trials'):
        kmeans_plusplus(SPEC_X, 2, n_local_trials=0)
    with pytest.raises(ValueError, match='n_seedings'):
        kmeans_plusplus(SPEC_X, 2, n_seedings=0)
    with pytest.raises(ValueError, match=r'k = 5'):
        kmeans_plusplus(SPEC_X, 5)
    with pytest.raises(ValueError, match="'kmeans'"):
        faiss_kmeans(SPEC_X, 2, init='kmeans')
