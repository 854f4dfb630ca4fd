from sklearn.cluster import KMeans

import numpy as np
import torch

from basicda.ops.bench_kmeans import bench_clustering, bench_on_features, blob_features
from basicda.pseudo_label.cluster import shot_normalize


def test_bench_clustering_tiny_reports_every_backend():
    out = bench_clustering(n=300, d=6, k=12, seed=0, n_init=2, max_iter=20, num_threads=1)
    assert (out['n'], out['d'], out['k']) == (300, 6, 12)
    for backend in ('faiss', 'faiss-random', 'sklearn'):
        row = out[backend]
        assert row['seconds'] > 0 and row['inertia'] > 0
        # r = 0.1 of 300 samples spread over 7 classes: at most 30
        assert 0 < row['selected'] <= 30
        assert 0 <= row['purity'] <= 1 and 0 < row['cluster_purity'] <= 1
    # independent oracle: scikit-learn's KMeans on the same (CluP-normalised) blob features;
    # the default backend's objective is as low (within 5 %)
    h, _, _ = blob_features(300, 6, 12, 7, 0)
    z = shot_normalize(torch.from_numpy(h.astype(np.float32))).numpy()
    reference = KMeans(12, n_init=2, max_iter=20, random_state=0).fit(z).inertia_
    assert out['faiss']['inertia'] <= 1.05 * reference


def test_purity_is_the_precision_of_the_selected_pseudo_labels():
    # two far-apart blobs of true classes 0 and 1; every prediction is class 0, so the
    # blob of class 1 is labelled 0 and half the selection is wrong: purity 1/2
    rng = np.random.default_rng(0)
    centres = np.repeat([[30.0, 0, 0], [0, 30.0, 0]], 50, axis=0)  # apart after normalising
    h = centres + rng.standard_normal((100, 3))
    truth = np.repeat([0, 1], 50)
    out = bench_on_features(h.astype(np.float32), truth, np.zeros(100, dtype=np.int64), k=2,
                            num_classes=2, backends=('faiss',), fraction=1.0, num_threads=1)
    assert out['faiss']['selected'] == 100
    assert out['faiss']['purity'] == 0.5
    assert out['faiss']['cluster_purity'] == 1.0


def test_blob_features_have_real_structure():
    h, truth, predictions = blob_features(400, 5, 4, 3, seed=1, noise=0.0)
    assert h.shape == (400, 5) and (predictions == truth).all()
    assert truth.min() >= 0 and truth.max() < 3
