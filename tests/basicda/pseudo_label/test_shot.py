import numpy as np
import pytest
import torch
from torch.testing import assert_close

from basicda.pseudo_label import (centroid_pseudo_labels, class_centroids, confidence_mask,
                                  prototype_labels, shot_prototypes)

FEAT = torch.tensor([[1., 0.], [.6, .8], [0., 1.]])
PROB = torch.tensor([[.9, .1], [.6, .4], [.2, .8]])


def test_shot_prototypes_spec_example():
    assert_close(class_centroids(FEAT, PROB),
                 torch.tensor([[0.741176, 0.4], [0.261538, 0.861538]]), rtol=0, atol=1e-6)
    prototypes, valid, labels = shot_prototypes(FEAT, PROB, return_labels=True)
    assert labels.tolist() == [0, 1, 1]
    assert_close(prototypes, torch.tensor([[1., 0.], [0.316228, 0.948683]]), rtol=0, atol=1e-6)
    assert valid.tolist() == [True, True]
    prototypes2, valid2 = shot_prototypes(FEAT, PROB)
    assert torch.equal(prototypes2, prototypes) and torch.equal(valid2, valid)


def _numpy_shot(feat, prob, thr):
    """Independent NumPy version of SHOT's obtain_label (active classes, two rounds)."""
    feat, prob = feat.numpy().astype(np.float64), prob.numpy().astype(np.float64)
    c = prob.shape[1]
    active = np.flatnonzero(np.bincount(prob.argmax(1), minlength=c) > thr)
    mu1 = prob.T @ feat / (1e-8 + prob.sum(0))[:, None]
    unit = feat / np.linalg.norm(feat, axis=1, keepdims=True)
    cos = unit @ (mu1 / np.linalg.norm(mu1, axis=1, keepdims=True)).T
    labels = active[np.argmax(cos[:, active], axis=1)]
    one_hot = np.eye(c)[labels]
    mu2 = one_hot.T @ feat / (1e-8 + one_hot.sum(0))[:, None]
    norms = np.maximum(np.linalg.norm(mu2, axis=1, keepdims=True), 1e-12)
    return mu2 / norms, one_hot.sum(0) > 0, labels


def test_shot_prototypes_match_numpy_with_inactive_classes():
    g = torch.Generator().manual_seed(0)
    feat = torch.nn.functional.normalize(torch.randn(60, 5, generator=g), dim=1)
    logits = torch.randn(60, 6, generator=g)
    logits[:, 4:] -= 10.0  # class 5 is never the argmax: inactive
    logits[:3, 4] += 30.0  # class 4 is the argmax of exactly 3 rows
    assert torch.bincount(logits.argmax(1), minlength=6)[4:].tolist() == [3, 0]
    prob = logits.softmax(dim=1)
    for thr in (0, 3):
        prototypes, valid, labels = shot_prototypes(feat, prob, thr=thr, return_labels=True)
        ref_proto, ref_valid, ref_labels = _numpy_shot(feat, prob, thr)
        np.testing.assert_array_equal(labels.numpy(), ref_labels)
        np.testing.assert_array_equal(valid.numpy(), ref_valid)
        assert_close(prototypes, torch.from_numpy(ref_proto).float(), rtol=0, atol=1e-6)
        assert not valid[5]
        assert not bool((labels == 5).any())
        if thr == 3:
            assert not bool((labels == 4).any())  # 3 argmax rows is not > 3
        assert_close(prototypes[~valid], torch.zeros(int((~valid).sum()), 5))


def test_round_one_equals_clups_centroid_labels_when_all_classes_are_active():
    g = torch.Generator().manual_seed(1)
    feat = torch.nn.functional.normalize(torch.randn(40, 4, generator=g), dim=1)
    prob = torch.randn(40, 3, generator=g).mul(3).softmax(dim=1)
    assert (torch.bincount(prob.argmax(1), minlength=3) > 0).all()
    _, _, labels = shot_prototypes(feat, prob, return_labels=True)
    assert torch.equal(labels, centroid_pseudo_labels(feat, prob)[0])


def test_round_one_ties_go_to_the_lowest_class():
    # both soft centroids are the same vector, so every cosine ties
    feat = torch.tensor([[1., 0.], [1., 0.]])
    prob = torch.tensor([[.6, .4], [.4, .6]])
    _, valid, labels = shot_prototypes(feat, prob, return_labels=True)
    assert labels.tolist() == [0, 0]
    assert valid.tolist() == [True, False]


def test_prototypes_carry_no_gradient():
    feat = FEAT.clone().requires_grad_()
    prototypes, _ = shot_prototypes(feat, PROB)
    assert not prototypes.requires_grad


def test_prototype_labels_spec_example_and_masking():
    prototypes = torch.tensor([[1., 0.], [0.316228, 0.948683]])
    feat = torch.tensor([[.8, .6]])
    assert prototype_labels(feat, prototypes, torch.tensor([True, True])).tolist() == [1]
    assert prototype_labels(feat, prototypes, torch.tensor([True, False])).tolist() == [0]
    # features are normalised inside: a scaled row gets the same label
    assert prototype_labels(5 * feat, prototypes, torch.tensor([True, True])).tolist() == [1]


def test_empty_prototype_zero_reproduces_the_reference():
    # every valid cosine is negative: the zero prototype (score 0) wins in 'zero' mode
    prototypes = torch.tensor([[1., 0.], [0., 0.]])
    valid = torch.tensor([True, False])
    feat = torch.tensor([[-1., .2], [1., 0.]])
    assert prototype_labels(feat, prototypes, valid).tolist() == [0, 0]
    assert prototype_labels(feat, prototypes, valid, empty_prototype='zero').tolist() == [1, 0]


def test_confidence_mask_spec_example():
    q = torch.tensor([[.96, .04], [.6, .4]])
    mask = confidence_mask(q, 0.95)
    assert_close(mask, torch.tensor([1., 0.]), rtol=0, atol=0)
    assert mask.dtype == q.dtype
    # the threshold itself counts as confident
    assert confidence_mask(torch.tensor([[.5, .5]]), 0.5).tolist() == [1.0]


def test_bad_arguments():
    with pytest.raises(ValueError, match='same N'):
        shot_prototypes(FEAT, PROB[:2])
    with pytest.raises(ValueError, match='lower thr'):
        shot_prototypes(FEAT, PROB, thr=3)
    with pytest.raises(ValueError, match='thr'):
        shot_prototypes(FEAT, PROB, thr=-1)
    prototypes = torch.eye(2)
    with pytest.raises(ValueError, match='no prototype is valid'):
        prototype_labels(FEAT, prototypes, torch.tensor([False, False]))
    with pytest.raises(ValueError, match='bool tensor of shape'):
        prototype_labels(FEAT, prototypes, torch.tensor([1, 1]))
    with pytest.raises(ValueError, match='empty_prototype'):
        prototype_labels(FEAT, prototypes, torch.tensor([True, True]), empty_prototype='skip')
    with pytest.raises(ValueError, match=r'\(B, C\)'):
        confidence_mask(torch.zeros(3), 0.5)
