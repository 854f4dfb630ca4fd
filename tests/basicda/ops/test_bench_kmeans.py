import math

from basicda.ops.bench_kmeans import bench_clustering


def test_bench_clustering_tiny_returns_sane_keys():
    out = bench_clustering(n=120, d=6, k=6, seed=0, sklearn_n_init=2, n_init=2, max_iter=20,
                           num_threads=1)
    expected = {'n', 'd', 'k', 'faiss_seconds', 'sklearn_seconds', 'ratio', 'faiss_inertia',
                'sklearn_inertia', 'faiss_selected', 'sklearn_selected'}
    assert set(out) == expected
    assert (out['n'], out['d'], out['k']) == (120, 6, 6)
    assert out['faiss_seconds'] > 0 and out['sklearn_seconds'] > 0
    assert math.isclose(out['ratio'], out['sklearn_seconds'] / out['faiss_seconds'],
                        rel_tol=1e-12)
    assert out['faiss_inertia'] > 0 and out['sklearn_inertia'] > 0
    # r = 0.1 of 120 samples spread over 7 classes: at most 12, at least 0
    assert 0 <= out['faiss_selected'] <= 12 and 0 <= out['sklearn_selected'] <= 12
