"""LDLModel.train_step against an independent re-computation on a BN-free toy network:
SGD-updated parameters (Adam would amplify last-bit differences of near-zero gradients), the trust by autograd through the target, centres, and the
method-state round trip with its fingerprint check."""
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper

import ferda.methods  # noqa: F401  (registers LDLModel)
from basicda.losses.label_distribution import (centre_loss, centre_update,
                                               label_distribution_target, soft_cross_entropy)
from ferda.registry import MODELS
from tests.ferda.methods.eercl.toy import IN_DIM, NUM_CLASSES  # registers EerclToyBackbone

N, K = 8, 2


def _model(**kwargs):
    torch.manual_seed(0)
    kwargs.setdefault('scoring', dict(hidden=(8, 4), norm='none'))
    cfg = dict(type='LDLModel',
               classifier=dict(type='ImageClassifier', num_classes=NUM_CLASSES,
                               backbone=dict(type='EerclToyBackbone'),
                               head=dict(type='LinearClsHead')),
               gamma=0.5, lamb_lr=10.0, **kwargs)
    model = MODELS.build(cfg)
    g = torch.Generator().manual_seed(2)
    labels = torch.randint(0, NUM_CLASSES, (N,), generator=g)
    neighbours = torch.stack([(torch.arange(N) + 1) % N, (torch.arange(N) + 3) % N], 1)
    kernel = torch.rand(N, K, generator=g) + 0.1
    model.init_state(labels, neighbours, kernel, dict(labels_sha256='abc', knn_sha256='def'))
    return model


def _batch(model, x, index):
    index = torch.tensor(index)
    nidx = model.neighbours[index]
    inputs = torch.cat([x[index][:, None], x[nidx]], 1)  # (B, 1 + K, IN_DIM)
    if model.neighbour_source == 'bank':
        inputs = inputs[:, :1]
    return dict(inputs=inputs, data_samples=dict(sample_idx=index,
                                                 gt_label=model.labels[index])), index, nidx


def _fill_bank(model, x):
    """refresh_bank over a two-batch loader; checked against eval-mode features."""
    loader = [dict(inputs=x[i:i + 5], data_samples=dict(sample_idx=torch.arange(i, min(i + 5, N))))
              for i in (0, 5)]
    model.refresh_bank(loader)
    with torch.no_grad():
        h, logits = model.eval()(x, mode='features')
    model.train()
    torch.testing.assert_close(model.bank_feat, h)
    torch.testing.assert_close(model.bank_prob, logits.softmax(1))


@pytest.mark.parametrize('source', ['online', 'bank'])
def test_train_step_matches_an_independent_recomputation(source):
    model = _model(lamb_momentum=0.0, neighbour_source=source)
    with torch.no_grad():
        model.centres.normal_()  # non-zero centres so the centre loss has a gradient
    x = torch.randn(N, IN_DIM, generator=torch.Generator().manual_seed(5))
    if source == 'bank':
        _fill_bank(model, x)
        # the bank is read, not recomputed: make it differ from the current network
        model.bank_feat += 0.5
        model.bank_prob = (model.bank_prob + 0.2) / (1 + 0.2 * NUM_CLASSES)
    ref = copy.deepcopy(model)
    data, index, nidx = _batch(model, x, [0, 3, 5])
    opt = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    log = model.train_step(data, opt)

    # the same step written out: autograd gives the trust gradient
    ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1)
    if source == 'bank':
        hn, qn = ref.bank_feat[nidx], ref.bank_prob[nidx]
    else:
        with torch.no_grad():
            hn, ln = ref(x[nidx].reshape(-1, IN_DIM), mode='features')
        hn, qn = hn.reshape(3, K, -1), ln.softmax(1).reshape(3, K, -1)
    h, logits = ref(x[index], mode='features')
    lam_leaf = ref.lam_hat[index, 0].clone().requires_grad_()
    y = ref.labels[index]
    t, _ = label_distribution_target(y, qn, ref.kernel[index], ref.scoring(h, hn),
                                     torch.sigmoid(lam_leaf))
    feats = torch.cat([h, hn.reshape(3 * K, -1)])
    cls = torch.cat([y, ref.labels[nidx].reshape(-1)])
    lam_rows = torch.sigmoid(ref.lam_hat[torch.cat([index, nidx.reshape(-1)]), 0])
    loss_ce = soft_cross_entropy(t, logits.softmax(1))
    loss = loss_ce + 0.5 * centre_loss(feats, cls, ref.centres, lam_rows)
    loss.backward()
    ref_opt.step()
    torch.testing.assert_close(log['loss'], loss.detach())
    torch.testing.assert_close(log['loss_ce'], loss_ce.detach())
    for (name, p), p_ref in zip(model.named_parameters(), ref.parameters()):
        torch.testing.assert_close(p, p_ref, msg=name)
    expected = ref.lam_hat.clone()
    expected[index, 0] -= 10.0 * lam_leaf.grad  # momentum 0: one SGD step of lr 10
    torch.testing.assert_close(model.lam_hat, expected)
    outside = torch.ones(N, dtype=torch.bool)
    outside[index] = False
    assert torch.equal(model.lam_hat[outside], ref.lam_hat[outside])
    torch.testing.assert_close(model.centres, centre_update(feats.detach(), cls, lam_rows,
                                                            ref.centres))


def test_method_state_round_trip_and_changed_data_refused():
    model = _model(lamb_momentum=0.9)
    x = torch.randn(N, IN_DIM, generator=torch.Generator().manual_seed(5))
    opt = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-2))
    model.train_step(_batch(model, x, [1, 2, 6])[0], opt)
    state = model.method_state_dict()
    assert state['lam_velocity'].abs().sum() > 0
    other = _model()
    other.load_method_state_dict(state)
    for key in ('lam_hat', 'lam_velocity', 'centres'):
        assert torch.equal(getattr(other, key), state[key])
    changed = _model()
    changed.fingerprint['labels_sha256'] = 'noisy'
    with pytest.raises(ValueError, match=r"LDL resume: labels_sha256 of the checkpoint is 'abc' "
                                         r"but the data now give 'noisy'"):
        changed.load_method_state_dict(state)


def test_bank_mode_state_holds_the_bank_and_refuses_an_online_checkpoint():
    model = _model(neighbour_source='bank')
    with pytest.raises(RuntimeError, match='the bank is not filled'):
        model.train_step(_batch(model, torch.zeros(N, IN_DIM), [0])[0], None)
    _fill_bank(model, torch.randn(N, IN_DIM))
    state = model.method_state_dict()
    other = _model(neighbour_source='bank')
    other.load_method_state_dict(state)
    assert torch.equal(other.bank_feat, model.bank_feat) and bool(other.bank_filled.all())
    with pytest.raises(KeyError, match='has no bank'):
        other.load_method_state_dict(_model().method_state_dict())


def test_bank_left_out_of_the_state_when_asked():
    """bank_in_checkpoint=False: the state has no bank tensors; loading it leaves the bank
    unfilled (for LDLBankRefreshHook), even into a model that would save its bank."""
    model = _model(neighbour_source='bank', bank_in_checkpoint=False)
    _fill_bank(model, torch.randn(N, IN_DIM))
    state = model.method_state_dict()
    assert not {'bank_feat', 'bank_prob', 'bank_filled'} & set(state)
    assert state['bank_in_checkpoint'] is False
    for kwargs in (dict(bank_in_checkpoint=False), {}):
        other = _model(neighbour_source='bank', **kwargs)
        _fill_bank(other, torch.randn(N, IN_DIM))
        other.load_method_state_dict(state)
        assert torch.equal(other.lam_hat, model.lam_hat)
        assert not bool(other.bank_filled.any())
        with pytest.raises(RuntimeError, match='the bank is not filled'):
            other.train_step(_batch(other, torch.zeros(N, IN_DIM), [0])[0], None)
    with pytest.raises(TypeError, match="bank_in_checkpoint must be True or False, got 'no'"):
        _model(neighbour_source='bank', bank_in_checkpoint='no')


def test_bad_inputs():
    model = _model()
    with pytest.raises(ValueError, match=r'expects inputs \(B, 3, \.\.\.\)'):
        model.train_step(dict(inputs=torch.zeros(2, 2, IN_DIM), data_samples=dict(
            sample_idx=torch.tensor([0, 1]), gt_label=torch.tensor([0, 1]))), None)
    with pytest.raises(ValueError, match="neighbour_bn must be one of .* got 'off'"):
        _model(neighbour_bn='off')


@pytest.mark.parametrize('source', ['online', 'bank'])
def test_target_distributions_recomputed_by_hand(source):
    """t of every training row after a training step: eval-mode features/predictions of the
    loader's images, scores of the eval-mode scoring net, mixed as in docs/ldl.md §2.3 (an
    independent float64 re-computation)."""
    model = _model(neighbour_source=source, scoring=dict(hidden=(8, 4), norm='bn'))
    x = torch.randn(N, IN_DIM, generator=torch.Generator().manual_seed(5))
    if source == 'bank':
        _fill_bank(model, x)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    model.train_step(_batch(model, x, [0, 3, 5])[0], optim)  # moves BN, trust, weights
    loader = [dict(inputs=x[i:i + 3], data_samples=dict(sample_idx=torch.arange(i, min(i + 3, N))))
              for i in (0, 3, 6)]
    t = model.target_distributions(loader)
    assert model.training and model.scoring.training  # modes restored
    with torch.no_grad():
        model.eval()
        h, logits = model(x, mode='features')
        s = model.scoring(h, h[model.neighbours]).double()  # (N, K)
        model.train()
    q = logits.softmax(1).double()[model.neighbours]  # (N, K, C)
    w = model.kernel.double() * s
    d = (w[..., None] * q).sum(1) / w.sum(1, keepdim=True)
    lam = 1 / (1 + torch.exp(-model.lam_hat.double()))  # (N, 1)
    expected = lam * torch.eye(NUM_CLASSES, dtype=torch.float64)[model.labels] + (1 - lam) * d
    assert t.shape == (N, NUM_CLASSES)
    torch.testing.assert_close(t.double(), expected, rtol=1e-5, atol=1e-6)
    assert not torch.equal(model.lam_hat, torch.full_like(model.lam_hat, 0.5))
    with pytest.raises(ValueError, match=r'every sample of 8 must appear exactly once.*2 missing'):
        model.target_distributions(loader[:2])
