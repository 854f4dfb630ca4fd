"""DVSCL probe options (docs/dvscl.md §5.1): the attention head (hand-worked and numpy),
focal / class-weighted losses wired to the probe, the per-fold class weights, gradient
accumulation (the reference's missing zero_grad) and feature standardisation."""
import copy
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper
from torch.utils.data import Subset

import ferda.methods  # noqa: F401
from basicda.models.data_preprocessor import MultiViewDataPreprocessor
from ferda.methods.dvscl import AttentionHead, DVSCLClassWeightHook, DVSCLProbe


def test_attention_head_with_zero_weights_is_five_quarters_of_x():
    head = AttentionHead(512)
    assert head.mlp[0].weight.shape == (2, 512, 1, 1)  # 512 -> 2 -> 512, bias-free
    for p in head.parameters():
        torch.nn.init.zeros_(p)
    x = torch.randn(2, 512, 3, 3)
    # a_c = sigmoid(0) = 0.5, a_s = sigmoid(0) = 0.5: 0.5 * 0.5 x + x
    torch.testing.assert_close(head(x), 1.25 * x)


def _numpy_attention(x, w1, w2, ws):
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    mlp = lambda v: w2 @ np.maximum(w1 @ v, 0)  # noqa: E731
    out = np.empty_like(x)
    for b in range(x.shape[0]):
        xb = x[b]  # (C, h, w)
        a_c = sig(mlp(xb.max((1, 2))) + mlp(xb.mean((1, 2))))
        y = a_c[:, None, None] * xb
        s = np.pad(np.stack([y.max(0), y.mean(0)]), ((0, 0), (1, 1), (1, 1)))
        h, w = xb.shape[1:]
        a_s = sig(np.array([[np.sum(ws * s[:, i:i + 3, j:j + 3]) for j in range(w)]
                            for i in range(h)]))
        out[b] = a_s * y + xb
    return out


def test_attention_head_matches_numpy():
    torch.manual_seed(0)
    head = AttentionHead(8, reduction=4).double()
    x = torch.randn(2, 8, 4, 5, dtype=torch.float64)
    expected = _numpy_attention(x.numpy(), head.mlp[0].weight[:, :, 0, 0].detach().numpy(),
                                head.mlp[2].weight[:, :, 0, 0].detach().numpy(),
                                head.spatial.weight[0].detach().numpy())
    np.testing.assert_allclose(head(x).detach().numpy(), expected, rtol=1e-10)


def _inputs(n=4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return dict(inputs=dict(rgb=torch.randint(0, 256, (n, 3, 64, 64), generator=gen).byte(),
                            depth=torch.randint(0, 256, (n, 3, 64, 64), generator=gen).byte()),
                data_samples=dict(gt_label=torch.arange(n) % 4, sample_idx=torch.arange(n)))


_VIEWS = dict(rgb=dict(mean=[128.0] * 3, std=[64.0] * 3),
              depth=dict(mean=[128.0] * 3, std=[64.0] * 3))


def _probe(**kwargs):
    torch.manual_seed(0)
    return DVSCLProbe(input_size=64, data_preprocessor=MultiViewDataPreprocessor(_VIEWS),
                      **kwargs)


def test_accumulate_grads_sums_every_step_and_default_zeroes():
    probe = _probe(accumulate_grads=True)
    wrapper = OptimWrapper(torch.optim.SGD(probe.head.parameters(), lr=0.1))
    probe.train_step(_inputs(seed=0), wrapper)
    g1 = probe.head.weight.grad.clone()
    fresh = copy.deepcopy(probe)  # the state before step 2, gradients dropped
    fresh.zero_grad()
    fresh(**fresh.data_preprocessor(_inputs(seed=1), True), mode='loss')['loss_cls'].backward()
    probe.train_step(_inputs(seed=1), wrapper)
    torch.testing.assert_close(probe.head.weight.grad, g1 + fresh.head.weight.grad)
    plain = _probe()
    plain.train_step(_inputs(seed=0), OptimWrapper(torch.optim.SGD(plain.head.parameters(),
                                                                   lr=0.1)))
    assert plain.head.weight.grad is None or not plain.head.weight.grad.any()


def test_losses_and_class_weight_hook():
    data = _inputs()
    probe = _probe(loss='class_weighted_ce')
    batch = probe.data_preprocessor(data, True)
    with pytest.raises(RuntimeError, match='DVSCLClassWeightHook'):
        probe(**batch, mode='loss')
    dataset = SimpleNamespace(labels=np.array([0, 0, 0, 1, 2, 2, 3, 3]))
    subset = Subset(dataset, [0, 1, 2, 3, 4, 5])  # the fold's training samples: no class 3
    runner = SimpleNamespace(model=probe, train_loop=SimpleNamespace(
        dataloader=SimpleNamespace(dataset=subset)))
    with pytest.warns(UserWarning, match=r'classes \[3\] have no sample'):
        DVSCLClassWeightHook().before_train_epoch(runner)
    assert probe.class_weights.tolist() == pytest.approx([0.5, 1.5, 0.75, 0.0])
    logits = probe(**batch, mode='tensor')
    expected = torch.nn.functional.cross_entropy(logits, batch['data_samples']['gt_label'],
                                                 weight=probe.class_weights)
    assert float(probe(**batch, mode='loss')['loss_cls']) == pytest.approx(float(expected))
    focal = _probe(loss='focal', focal_gamma=0.0)  # gamma 0: cross-entropy
    plain = _probe()
    assert float(focal(**batch, mode='loss')['loss_cls']) == pytest.approx(
        float(plain(**batch, mode='loss')['loss_cls']))
    with pytest.raises(ValueError, match="loss must be one of"):
        _probe(loss='balanced_focal')


def test_feat_norm_standardises_the_frozen_features():
    probe = _probe(feat_norm='bn', head='attention')
    batch = probe.data_preprocessor(_inputs(n=8), True)
    probe.train()
    feats = probe.feat_norm(probe._maps(batch['inputs']['rgb'], batch['inputs']['depth'][:, :1]))
    torch.testing.assert_close(feats.mean(0), torch.zeros(feats.shape[1]), atol=1e-5, rtol=0)
    assert probe.feat_norm.momentum is None  # cumulative: exact statistics of every batch


@pytest.mark.parametrize('mode', ['probe', 'finetune'])
def test_sizing_the_head_leaves_random_encoders_untouched(mode):
    """The head's size comes from a forward of zeros; it must not move the BN running
    statistics of random encoders (a train-mode pass multiplied every running_var by 0.9)
    and must work below 64 px (a train-mode pass of one image at 1 x 1 raised)."""
    from ferda.methods.dvscl import DVSCLProbe
    probe = DVSCLProbe(input_size=32, mode=mode)
    bns = [m for enc in (probe.encoder_rgb, probe.encoder_depth) for m in enc.modules()
           if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(int(m.num_batches_tracked) == 0 for m in bns)
    assert all(torch.equal(m.running_var, torch.ones_like(m.running_var)) for m in bns)
    assert all(torch.equal(m.running_mean, torch.zeros_like(m.running_mean)) for m in bns)
    # 2 views x 256 channels x 1 x 1 at 32 px
    assert probe.head.in_features == 512
    assert probe.training and probe.encoder_rgb.training == (mode == 'finetune')
