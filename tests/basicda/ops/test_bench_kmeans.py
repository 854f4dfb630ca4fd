from sklearn.cluster import KMeans

from basicda.ops.bench_kmeans import _synthetic_features, bench_clustering


def test_bench_clustering_tiny_compares_like_with_like():
    out = bench_clustering(n=120, d=6, k=6, seed=0, sklearn_n_init=2, n_init=2, max_iter=20,
                           num_threads=1)
    assert set(out) == {'n', 'd', 'k', 'faiss_seconds', 'sklearn_seconds', 'ratio',
                        'faiss_inertia', 'sklearn_inertia', 'faiss_selected',
                        'sklearn_selected'}
    assert (out['n'], out['d'], out['k']) == (120, 6, 6)
    assert out['faiss_seconds'] > 0 and out['sklearn_seconds'] > 0
    # the sklearn path is sklearn's KMeans on the same features (independent run)
    z, _ = _synthetic_features(120, 6, 6, 7, 0)
    reference = KMeans(6, n_init=2, max_iter=20, random_state=0).fit(z).inertia_
    assert abs(out['sklearn_inertia'] - reference) <= 1e-4 * reference
    # and faiss finds a clustering as tight as sklearn's (within 5 %)
    assert out['faiss_inertia'] <= 1.05 * out['sklearn_inertia']
    # r = 0.1 of 120 samples spread over 7 classes: at most 12, at least 0
    assert 0 <= out['faiss_selected'] <= 12 and 0 <= out['sklearn_selected'] <= 12
