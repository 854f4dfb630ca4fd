from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from basicda.ops import kmeans
from basicda.pseudo_label import (LABELED_SAMPLES_MODES, centroid_pseudo_labels,
                                  cluster_pseudo_labels, cluster_table, drop_outliers,
                                  iterative_cluster_selection, pseudo_labels_by_mode,
                                  select_purest, shot_normalize)

# docs/clup.md §5
CLUSTERS = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 3])
PREDICTIONS = torch.tensor([2, 1, 1, 3, 3, 5, 0, 0, 5, 6])
LABELS = torch.tensor([1, 1, 1, 3, 3, 0, 0, 0, 0, 6])
PURITY = torch.tensor([2 / 3, 2 / 3, 2 / 3, 1, 1, .5, .5, .5, .5, 1])
DROPPED = torch.tensor([0, 2 / 3, 2 / 3, 1, 1, 0, .5, .5, 0, 1])


def test_shot_normalize_spec_example():
    z = shot_normalize(torch.tensor([[3., 0.], [0., 0.]]))
    assert_close(z, torch.tensor([[0.948683, 0, 0.316228], [0, 0, 1]]), rtol=0, atol=1e-6)


def test_shot_normalize_properties():
    h = torch.randn(20, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    z = shot_normalize(h)
    assert z.shape == (20, 6) and z.dtype == torch.float64
    assert_close(z.norm(dim=1), torch.ones(20, dtype=torch.float64))
    norm = torch.sqrt((h ** 2).sum(1) + 1)
    assert_close(z[:, -1], 1 / norm)
    assert_close(z[:, :-1], h / norm[:, None])
    with pytest.raises(ValueError, match=r'\(3,\)'):
        shot_normalize(torch.zeros(3))


def test_cluster_pseudo_labels_spec_example():
    labels, purity, soft = cluster_pseudo_labels(CLUSTERS, PREDICTIONS, 7, num_clusters=5)
    assert_close(labels, LABELS)
    assert_close(purity, PURITY, rtol=0, atol=1e-6)
    assert_close(soft[0], torch.tensor([0, 2 / 3, 1 / 3, 0, 0, 0, 0]), rtol=0, atol=1e-6)
    assert_close(soft[5], torch.tensor([.5, 0, 0, 0, 0, .5, 0]), rtol=0, atol=1e-6)  # cluster 2
    assert labels.dtype == torch.long and purity.dtype == torch.float32


def test_cluster_table_spec_example_with_empty_cluster():
    labels, purity, soft = cluster_table(CLUSTERS, PREDICTIONS, 7, num_clusters=5)
    assert_close(labels, torch.tensor([1, 3, 0, 6, -1]))
    assert_close(purity, torch.tensor([2 / 3, 1, .5, 1, 0]), rtol=0, atol=1e-6)
    assert_close(soft[4], torch.zeros(7))  # never NaN
    assert not torch.isnan(soft).any()
    assert_close(soft.sum(1), torch.tensor([1., 1., 1., 1., 0.]))


def test_cluster_table_matches_counter_oracle():
    g = torch.Generator().manual_seed(0)
    clusters = torch.randint(0, 9, (200,), generator=g)
    predictions = torch.randint(0, 4, (200,), generator=g)
    labels, purity, soft = cluster_table(clusters, predictions, 4, num_clusters=10)
    for p in range(10):
        members = predictions[clusters == p].tolist()
        if not members:
            assert labels[p] == -1 and purity[p] == 0
            continue
        counts = Counter(members)
        top = max(counts.values())
        assert labels[p] == min(c for c, n in counts.items() if n == top)
        assert_close(purity[p], torch.tensor(top / len(members)))
        assert_close(soft[p], torch.tensor([counts[c] / len(members) for c in range(4)]))


def test_tie_order_decides_ties():
    labels, _, _ = cluster_table(CLUSTERS, PREDICTIONS, 7, 5, tie_order=[6, 5, 4, 3, 2, 1, 0])
    assert_close(labels, torch.tensor([1, 3, 5, 6, -1]))  # cluster 2: tie 0/5 -> 5 now
    with pytest.raises(ValueError, match='permutation'):
        cluster_table(CLUSTERS, PREDICTIONS, 7, 5, tie_order=[0, 0, 1, 2, 3, 4, 5])


def test_cluster_inputs_are_checked():
    with pytest.raises(ValueError, match=r'\[0, 7\)'):
        cluster_table(CLUSTERS, PREDICTIONS + 1, 7)
    with pytest.raises(ValueError, match=r'\[0, 3\)'):
        cluster_table(CLUSTERS, PREDICTIONS, 7, num_clusters=3)
    with pytest.raises(TypeError, match='float32'):
        cluster_table(CLUSTERS.float(), PREDICTIONS, 7)


def test_drop_outliers_spec_example():
    out = drop_outliers(LABELS, PREDICTIONS, PURITY)
    assert_close(out, DROPPED, rtol=0, atol=1e-6)
    assert_close(PURITY[0], torch.tensor(2 / 3))  # input not modified


@pytest.mark.parametrize('confidence, fraction, expected', [
    (PURITY, 0.5, [0, 3, 5, 6]),
    (PURITY, 0.75, [0, 1, 3, 5, 6, 7]),
    (DROPPED, 0.5, [1, 3, 6, 7]),
    (DROPPED, 0.75, [1, 2, 3, 5, 6, 7]),
])
def test_select_purest_spec_examples(confidence, fraction, expected):
    selected = select_purest(LABELS, confidence, fraction, 7)
    assert_close(selected, torch.tensor(expected))


def test_select_purest_quota_is_a_float64_floor():
    labels = torch.zeros(100, dtype=torch.long)
    conf = torch.linspace(0, 1, 100)
    # 0.29 * 100 = 28.999999999999996 in float64: 28, not 29
    assert select_purest(labels, conf, 0.29, 1).numel() == 28
    assert select_purest(labels, conf, 0.3, 1).numel() == 30
    # a class with |S_c| < 1/r contributes nothing; min_per_class floors it
    small = torch.tensor([0, 0, 0, 1])
    assert_close(select_purest(small, torch.ones(4), 0.5, 2), torch.tensor([0]))
    assert_close(select_purest(small, torch.ones(4), 0.5, 2, min_per_class=1),
                 torch.tensor([0, 3]))
    assert_close(select_purest(small, torch.ones(4), 0.5, 2, min_per_class=5),
                 torch.tensor([0, 1, 2, 3]))


def test_select_purest_candidates_and_tie_order():
    conf = torch.tensor([.5, .9, .5, .5, .9, .5])
    labels = torch.zeros(6, dtype=torch.long)
    # ties broken by ascending index, whatever order the candidates come in
    assert_close(select_purest(labels, conf, 0.5, 1, candidates=torch.tensor([5, 3, 2, 0])),
                 torch.tensor([0, 2]))
    assert_close(select_purest(labels, conf, 0.5, 1), torch.tensor([1, 4, 0]).sort().values)
    with pytest.raises(ValueError, match='duplicates'):
        select_purest(labels, conf, 0.5, 1, candidates=torch.tensor([0, 0]))


def test_select_purest_matches_sorting_oracle():
    g = torch.Generator().manual_seed(1)
    labels = torch.randint(0, 5, (300,), generator=g)
    conf = torch.randint(0, 4, (300,), generator=g).float() / 4  # many ties
    fraction = 0.37
    expected = []
    for c in range(5):
        members = sorted((-float(conf[i]), i) for i in range(300) if labels[i] == c)
        expected += [i for _, i in members[:int(np.floor(fraction * len(members)))]]
    assert_close(select_purest(labels, conf, fraction, 5), torch.tensor(sorted(expected)))


def test_select_purest_bad_arguments():
    with pytest.raises(ValueError, match='1.5'):
        select_purest(LABELS, PURITY, 1.5, 7)
    with pytest.raises(ValueError, match=r'\[0, 5\)'):
        select_purest(LABELS, PURITY, 0.5, 5)
    with pytest.raises(ValueError, match='NaN'):
        select_purest(LABELS, torch.full((10,), float('nan')), 0.5, 7)


Z = torch.tensor([[1., 0.], [.6, .8], [0., 1.]])
PROBS = torch.tensor([[.9, .1], [.6, .4], [.2, .8]])


def test_centroid_pseudo_labels_spec_example():
    labels, conf = centroid_pseudo_labels(Z, PROBS)
    assert_close(labels, torch.tensor([0, 1, 1]))
    assert_close(conf, torch.tensor([0.643260, 0.507958, 0.618208]), rtol=0, atol=1e-6)
    # the same confidences from the centroids of docs/clup.md §5, computed independently in NumPy
    mu = np.array([[0.741176, 0.4], [0.261538, 0.861538]])
    cos = Z.numpy() @ (mu / np.linalg.norm(mu, axis=1, keepdims=True)).T
    e = np.exp(-(1 - cos))
    assert_close(conf.double(), torch.from_numpy((e / e.sum(1, keepdims=True)).max(1)),
                 rtol=0, atol=1e-6)


def _numpy_centroid_labels(z, probs, cycles):
    unit = z / np.linalg.norm(z, axis=1, keepdims=True)

    def assign(w):
        mu = w.T @ z / (1e-8 + w.sum(0))[:, None]
        mu = mu / np.maximum(np.linalg.norm(mu, axis=1, keepdims=True), 1e-12)
        return 1 - unit @ mu.T

    d = assign(probs)
    labels = d.argmin(1)
    e = np.exp(-d)
    conf = (e / e.sum(1, keepdims=True)).max(1)
    for _ in range(cycles):
        labels = assign(np.eye(probs.shape[1])[labels]).argmin(1)
    return labels, conf


def test_centroid_cycles_match_numpy():
    g = torch.Generator().manual_seed(2)
    z = torch.randn(40, 3, generator=g, dtype=torch.float64)
    probs = torch.softmax(torch.randn(40, 4, generator=g, dtype=torch.float64), 1)
    for cycles in (0, 1, 3):
        labels, conf = centroid_pseudo_labels(z, probs, cycles=cycles)
        ref_labels, ref_conf = _numpy_centroid_labels(z.numpy(), probs.numpy(), cycles)
        assert_close(labels, torch.from_numpy(ref_labels))
        assert_close(conf, torch.from_numpy(ref_conf))  # kappa keeps the first pass


def test_pseudo_labels_by_mode():
    logits = torch.log(torch.tensor([[.7, .2, .1], [.1, .3, .6], [.4, .4, .2], [.2, .5, .3]]))
    clusters = torch.tensor([0, 0, 1, 1])
    labels, conf, soft = pseudo_labels_by_mode('normal', logits)
    assert_close(labels, torch.tensor([0, 2, 0, 1]))  # tie .4/.4 -> lowest index
    assert_close(conf, torch.tensor([.7, .6, .4, .5]))
    assert_close(soft, F.one_hot(labels, 3).float())
    for mode in ('purity', 'soft-purity'):
        labels, conf, soft = pseudo_labels_by_mode(mode, logits, cluster_ids=clusters)
        ref = cluster_pseudo_labels(clusters, torch.tensor([0, 2, 0, 1]), 3)
        for got, want in zip((labels, conf, soft), ref):
            assert_close(got, want)
    labels, conf, _ = pseudo_labels_by_mode('purity', logits, cluster_ids=clusters,
                                            drop_outliers=True)
    assert_close(conf, torch.tensor([.5, 0., .5, 0.]))
    z = shot_normalize(torch.randn(4, 2, generator=torch.Generator().manual_seed(0)))
    labels, conf, _ = pseudo_labels_by_mode('centroid', logits, features=z, ssl_cycles=1)
    ref_labels, ref_conf = centroid_pseudo_labels(z, torch.softmax(logits, 1), cycles=1)
    assert_close(labels, ref_labels)
    assert_close(conf, ref_conf)
    assert LABELED_SAMPLES_MODES['soft-purity'] == 'soft'
    with pytest.raises(ValueError, match="'hard'"):
        pseudo_labels_by_mode('hard', logits)
    with pytest.raises(ValueError, match='cluster_ids'):
        pseudo_labels_by_mode('purity', logits)
    with pytest.raises(ValueError, match='features'):
        pseudo_labels_by_mode('centroid', logits)


def test_iterative_cluster_selection_spec_example():
    rounds = [torch.tensor([0, 0, 1, 1, 2, 2, 3, 3]), torch.tensor([0, 1, 1, 1])]
    calls = []

    def cluster_fn(x, k, seed):
        calls.append((x.shape[0], k, seed))
        return rounds[len(calls) - 1]

    z = torch.arange(16.).view(8, 2)
    labels, conf, selected, details = iterative_cluster_selection(
        z, torch.tensor([0, 0, 0, 0, 1, 1, 1, 1]), 4, 0.5, 2, cluster_fn, num_classes=2,
        seed=10, return_details=True)
    assert_close(selected, torch.tensor([0, 1, 3, 4, 5]))
    assert_close(labels, torch.tensor([0, 0, 0, 1, 1, 1, 1, 1]))  # sample 3 relabelled 0 -> 1
    assert_close(conf, torch.tensor([1, 1, 1, 2 / 3, 1, 1, 2 / 3, 2 / 3]), rtol=0, atol=1e-6)
    assert calls == [(8, 4, 10), (4, 4, 11)]  # K_t = min(K, |R|), seed + t - 1
    assert_close(details['candidates'][1], torch.tensor([2, 3, 6, 7]))
    assert_close(details['selected'][0], torch.tensor([0, 1, 4, 5]))
    assert_close(details['selected'][1], torch.tensor([3]))
    assert_close(details['soft'][3], torch.tensor([1 / 3, 2 / 3]), rtol=0, atol=1e-6)


def test_one_round_equals_cluster_then_select_with_real_kmeans():
    g = torch.Generator().manual_seed(3)
    z = shot_normalize(torch.randn(60, 4, generator=g))
    predictions = torch.randint(0, 3, (60,), generator=g)

    def cluster_fn(x, k, seed):
        return torch.from_numpy(kmeans(x.numpy(), k, n_init=2, max_iter=20, seed=seed,
                                       num_threads=1)[0])

    labels, conf, selected = iterative_cluster_selection(z, predictions, 6, 0.3, 1, cluster_fn,
                                                         num_classes=3, drop_outliers=True)
    ids = cluster_fn(z, 6, 1234)
    ref_labels, ref_conf, _ = cluster_pseudo_labels(ids, predictions, 3, 6)
    ref_conf = drop_outliers(ref_labels, predictions, ref_conf)
    assert_close(labels, ref_labels)
    assert_close(conf, ref_conf)
    assert_close(selected, select_purest(ref_labels, ref_conf, 0.3, 3))
    again = iterative_cluster_selection(z, predictions, 6, 0.3, 1, cluster_fn, num_classes=3,
                                        drop_outliers=True)
    for a, b in zip((labels, conf, selected), again):
        assert torch.equal(a, b)


def test_iterative_cluster_selection_checks_cluster_fn_output():
    with pytest.raises(ValueError, match='4 cluster ids'):
        iterative_cluster_selection(torch.zeros(4, 2), torch.zeros(4, dtype=torch.long), 2, 0.5,
                                    1, lambda x, k, s: torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match=r'\[0, 2\)'):
        iterative_cluster_selection(torch.zeros(4, 2), torch.zeros(4, dtype=torch.long), 2, 0.5,
                                    1, lambda x, k, s: torch.full((4,), 2))


# Two identical faces A and two identical faces B; class 2's soft centroid lies halfway,
# so the first pass labels nobody 2 and the hard re-centring meets an empty class.
EMPTY_Z = torch.tensor([[1., 0.], [1., 0.], [0., 1.], [0., 1.]], dtype=torch.float64)
EMPTY_P = torch.tensor([[.9, 0., .1], [.9, 0., .1], [0., .9, .1], [0., .9, .1]],
                       dtype=torch.float64)


def test_centroid_mode_gives_an_empty_class_distance_one_not_nan():
    """Reference difference 1 (docs/clup.md): the reference's zero centroid of an empty
    class gives NaN cosine distances and argmin sends every sample to that class; FERDA
    gives it distance 1 (cosine 0), a fixed reference bug."""
    first, conf = centroid_pseudo_labels(EMPTY_Z, EMPTY_P, cycles=0)
    assert_close(first, torch.tensor([0, 0, 1, 1]))  # class 2 is empty after the first pass
    # hand-worked: d = (0, 1, 1 - 1/sqrt 2) for every sample, kappa = max softmax(-d)
    d = np.array([0.0, 1.0, 1 - 2 ** -0.5])
    assert_close(conf, torch.full((4,), float(np.exp(-d).max() / np.exp(-d).sum()),
                                  dtype=torch.float64))
    labels, _ = centroid_pseudo_labels(EMPTY_Z, EMPTY_P, cycles=1)
    assert_close(labels, torch.tensor([0, 0, 1, 1]))
    # the reference's step (scipy cosine distance to a zero centroid, then argmin)
    from scipy.spatial.distance import cdist
    onehot = np.eye(3)[first.numpy()]
    centroids = onehot.T @ EMPTY_Z.numpy() / (1e-8 + onehot.sum(0))[:, None]
    with np.errstate(invalid='ignore', divide='ignore'):
        reference = cdist(EMPTY_Z.numpy(), centroids, 'cosine').argmin(1)
    assert reference.tolist() == [2, 2, 2, 2]


def test_drop_outliers_applies_in_the_purity_modes_only():
    """Reference difference 2 (docs/clup.md): the reference zeroes the confidence of
    samples whose prediction disagrees with their pseudo-label only in the purity
    modes; in centroid mode drop_outliers changes nothing."""
    # sample 1 sits on face A (centroid label 0) but the source model predicts class 1
    logits = torch.log(torch.tensor([[.8, .1, .1], [.3, .6, .1], [.1, .8, .1], [.1, .8, .1]]))
    z = EMPTY_Z.float()
    kept = pseudo_labels_by_mode('centroid', logits, features=z, drop_outliers=False)
    dropped = pseudo_labels_by_mode('centroid', logits, features=z, drop_outliers=True)
    assert_close(kept[0], torch.tensor([0, 0, 1, 1]))  # sample 1 disagrees with its prediction
    for got, want in zip(dropped, kept):
        assert_close(got, want)
    assert float(dropped[1][1]) > 0
    # the purity modes still drop: clusters {0, 1} and {2, 3}, sample 1 predicts 1 in a 0-cluster
    clusters = torch.tensor([0, 0, 1, 1])
    _, conf, _ = pseudo_labels_by_mode('purity', logits, cluster_ids=clusters,
                                       drop_outliers=True)
    assert_close(conf, torch.tensor([.5, 0., 1., 1.]))
