import math

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from basicda.losses import (relation_infonce, relation_matrix, relation_pseudo_label_loss,
                            relation_similarity)

R = math.sqrt(0.5)  # 0.707107
# docs/eercl.md §5
WEIGHT_V = torch.tensor([[1., 0.], [1., 1.], [0., 2.]], dtype=torch.float64)
S3 = torch.tensor([[1., R, 0.], [R, 1., R], [0., R, 1.]], dtype=torch.float64)
S2 = torch.tensor([[1., .5], [.5, 1.]], dtype=torch.float64)
QUEUE = torch.tensor([[0., 1.], [1., 0.]], dtype=torch.float64)


def test_relation_matrix_spec_examples():
    assert_close(relation_matrix(WEIGHT_V, 1.0), S3)
    half = torch.tensor([[1., .353553, 0.], [.353553, 1., .353553], [0., .353553, 1.]],
                        dtype=torch.float64)
    assert_close(relation_matrix(WEIGHT_V, 0.5), half, rtol=0, atol=1e-6)


def test_relation_matrix_properties():
    g = torch.Generator().manual_seed(0)
    weight = torch.randn(7, 16, generator=g, dtype=torch.float64, requires_grad=True)
    s = relation_matrix(weight, 0.7)
    assert not s.requires_grad
    assert_close(s, s.t())
    assert_close(s.diagonal(), torch.ones(7, dtype=torch.float64))
    # off-diagonal = alpha * cosine, independent of the row norms (weight-norm g)
    cos = F.cosine_similarity(weight.detach()[:, None], weight.detach()[None], dim=2)
    off = ~torch.eye(7, dtype=torch.bool)
    assert_close(s[off], 0.7 * cos[off])
    rescaled = weight.detach() * torch.rand(7, 1, generator=g, dtype=torch.float64).add(0.1)
    assert_close(relation_matrix(rescaled, 0.7), s)
    assert (s[off] < 0).any()  # negative entries are kept


def test_relation_similarity_spec_examples():
    a = torch.tensor([.5, .5, 0.], dtype=torch.float64)
    b = torch.tensor([0., .5, .5], dtype=torch.float64)
    assert_close(relation_similarity(a, b, S3), torch.tensor(0.603553, dtype=torch.float64),
                 rtol=0, atol=1e-6)
    e = torch.eye(3, dtype=torch.float64)
    assert_close(relation_similarity(e[0], e[1], S3), torch.tensor(R, dtype=torch.float64))
    # row by row, and pairwise = a S b^T
    assert_close(relation_similarity(e, e, S3), torch.ones(3, dtype=torch.float64))
    assert_close(relation_similarity(e, e, S3, pairwise=True), S3)
    ab = torch.stack([a, b])
    assert_close(relation_similarity(ab, ab, S3, pairwise=True),
                 # a S a^T = b S b^T = (1 + 2R + 1) / 4 = 0.853553
                 torch.tensor([[.853553, .603553], [.603553, .853553]],
                              dtype=torch.float64), rtol=0, atol=1e-6)


def test_relation_similarity_bad_arguments():
    with pytest.raises(ValueError, match='C = 3'):
        relation_similarity(torch.ones(2), torch.ones(3), torch.eye(3))
    with pytest.raises(ValueError, match='pairwise'):
        relation_similarity(torch.ones(3), torch.ones(3), torch.eye(3), pairwise=True)


PL_P = torch.tensor([[1., 0., 0.], [0., 0., 1.]], dtype=torch.float64)
PL_LABELS = torch.tensor([0, 1])
PL_MASK = torch.tensor([1., 0.], dtype=torch.float64)


def test_relation_pseudo_label_loss_spec_examples():
    # tau = 0.5: row 0 logits [2, 1.414214, 0]; (log(e^2 + e^1.414214 + 1) - 2) / 2
    expected = (math.log(math.exp(2) + math.exp(2 * R) + 1) - 2) / 2
    assert expected == pytest.approx(0.262957, abs=1e-6)
    loss = relation_pseudo_label_loss(PL_P, PL_LABELS, PL_MASK, S3, 0.5)
    assert_close(loss, torch.tensor(expected, dtype=torch.float64))
    assert_close(loss, torch.tensor(0.262957, dtype=torch.float64), rtol=0, atol=1e-6)
    loss = relation_pseudo_label_loss(PL_P, PL_LABELS, PL_MASK, S3, 0.07)
    assert_close(loss, torch.tensor(0.007560, dtype=torch.float64), rtol=0, atol=1e-6)
    # bool mask, and mean over all B rows: an empty mask gives 0
    assert_close(relation_pseudo_label_loss(PL_P, PL_LABELS, PL_MASK.bool(), S3, 0.5),
                 torch.tensor(expected, dtype=torch.float64))
    assert_close(relation_pseudo_label_loss(PL_P, PL_LABELS, torch.zeros(2), S3, 0.5),
                 torch.tensor(0., dtype=torch.float64))


def test_relation_pseudo_label_loss_identity_is_plain_ce():
    g = torch.Generator().manual_seed(0)
    p = torch.softmax(torch.randn(8, 5, generator=g, dtype=torch.float64), 1).requires_grad_(True)
    labels = torch.randint(0, 5, (8,), generator=g)
    mask = torch.rand(8, generator=g) > 0.4
    loss = relation_pseudo_label_loss(p, labels, mask, torch.eye(5, dtype=torch.float64), 0.07)
    ce = F.cross_entropy(p / 0.07, labels, reduction='none')
    assert_close(loss, (ce * mask).sum() / 8)
    # gradient only through p, and only from masked rows
    (grad,) = torch.autograd.grad(loss, p)
    assert_close(grad[~mask], torch.zeros_like(grad[~mask]))
    assert (grad[mask].abs().sum(1) > 0).all()


def test_relation_pseudo_label_loss_bad_arguments():
    with pytest.raises(ValueError, match='tau'):
        relation_pseudo_label_loss(PL_P, PL_LABELS, PL_MASK, S3, 0.0)
    with pytest.raises(ValueError, match=r'\(3, 3\)'):
        relation_pseudo_label_loss(PL_P, PL_LABELS, PL_MASK, S2, 0.5)
    with pytest.raises(ValueError, match=r'\(2,\)'):
        relation_pseudo_label_loss(PL_P, PL_LABELS[:1], PL_MASK, S3, 0.5)
    with pytest.raises(TypeError, match='int64'):
        relation_pseudo_label_loss(PL_P, PL_LABELS.float(), PL_MASK, S3, 0.5)


NCE_QUERY = torch.tensor([[1., 0.]], dtype=torch.float64)
NCE_KEY = torch.tensor([[.5, .5]], dtype=torch.float64)


def test_relation_infonce_spec_examples():
    # kappa / tau = 1, logits [0.75, 0.5, 1.0]; 0.5 * (log(e^.75 + e^.5 + e) - .75)
    expected = 0.5 * (math.log(math.exp(.75) + math.exp(.5) + math.e) - .75)
    assert expected == pytest.approx(0.559669, abs=1e-6)
    loss = relation_infonce(NCE_QUERY, NCE_KEY, QUEUE, S2, 0.5)
    assert_close(loss, torch.tensor(expected, dtype=torch.float64))
    assert_close(loss, torch.tensor(0.559669, dtype=torch.float64), rtol=0, atol=1e-6)
    for valid in (0, torch.tensor(0), torch.zeros(2, dtype=torch.bool)):
        assert_close(relation_infonce(NCE_QUERY, NCE_KEY, QUEUE, S2, 0.5, queue_valid=valid),
                     torch.tensor(0., dtype=torch.float64))


def test_relation_infonce_masks_unfilled_rows():
    # count 1 keeps row 0 only: logits [0.75, 0.5]
    only_first = 0.5 * (math.log(math.exp(.75) + math.exp(.5)) - .75)
    garbage = torch.cat([QUEUE[:1], torch.full((3, 2), 50.)])  # unfilled rows hold noise
    for valid in (1, torch.tensor([True, False, False, False])):
        loss = relation_infonce(NCE_QUERY, NCE_KEY, garbage, S2, 0.5, queue_valid=valid)
        assert_close(loss, torch.tensor(only_first, dtype=torch.float64))
    # full count equals no mask
    assert_close(relation_infonce(NCE_QUERY, NCE_KEY, QUEUE, S2, 0.5, queue_valid=2),
                 relation_infonce(NCE_QUERY, NCE_KEY, QUEUE, S2, 0.5))
    # bool mask with a hole in the middle: rows 0 and 2 of [Q0, noise, Q1]
    holed = torch.stack([QUEUE[0], torch.full((2,), 50., dtype=torch.float64), QUEUE[1]])
    loss = relation_infonce(NCE_QUERY, NCE_KEY, holed, S2, 0.5,
                            queue_valid=torch.tensor([True, False, True]))
    assert_close(loss, torch.tensor(0.559669, dtype=torch.float64), rtol=0, atol=1e-6)


def test_relation_infonce_identity_is_standard_infonce():
    g = torch.Generator().manual_seed(0)
    b, m, c, tau = 6, 10, 4, 0.07
    query = torch.softmax(torch.randn(b, c, generator=g, dtype=torch.float64), 1)
    query.requires_grad_(True)
    key = torch.softmax(torch.randn(b, c, generator=g, dtype=torch.float64), 1)
    queue = torch.softmax(torch.randn(m, c, generator=g, dtype=torch.float64), 1)
    loss = relation_infonce(query, key, queue, torch.eye(c, dtype=torch.float64), tau,
                            logit_scale=1.0, loss_scale=1.0)
    # -log exp(a.b / tau) / (exp(a.b / tau) + sum_j exp(a.Q_j / tau)), written out
    pos = torch.exp((query * key).sum(1) / tau)
    neg = torch.exp(query @ queue.t() / tau).sum(1)
    assert_close(loss, (-torch.log(pos / (pos + neg))).mean())
    # key and queue are teacher constants; masked rows give no NaN gradients
    key.requires_grad_(True)
    queue.requires_grad_(True)
    loss = relation_infonce(query, key, queue, torch.eye(c, dtype=torch.float64), tau,
                            queue_valid=3)
    loss.backward()
    assert key.grad is None and queue.grad is None
    assert torch.isfinite(query.grad).all()


def test_relation_infonce_leaves_inputs_alone():
    queue = QUEUE.clone()
    relation_infonce(NCE_QUERY, NCE_KEY, queue, S2, 0.5, queue_valid=1)
    assert_close(queue, QUEUE)


def test_relation_infonce_bad_arguments():
    with pytest.raises(ValueError, match='tau'):
        relation_infonce(NCE_QUERY, NCE_KEY, QUEUE, S2, 0.0)
    with pytest.raises(ValueError, match=r'\[0, 2\]'):
        relation_infonce(NCE_QUERY, NCE_KEY, QUEUE, S2, 0.5, queue_valid=3)
    with pytest.raises(ValueError, match=r'\(2,\)'):
        relation_infonce(NCE_QUERY, NCE_KEY, QUEUE, S2, 0.5,
                         queue_valid=torch.ones(3, dtype=torch.bool))
    with pytest.raises(ValueError, match=r'\(M, 2\)'):
        relation_infonce(NCE_QUERY, NCE_KEY, QUEUE[:, :1], S2, 0.5)
