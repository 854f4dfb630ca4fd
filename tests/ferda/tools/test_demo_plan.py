"""The fast demo's plan: the images each stage processes, read from its configs, and its
budget (docs/synfer.md §5)."""
import pytest

from ferda.tools.demo import (BUDGET_64PX_IMAGES, FAST_CONFIGS, FULL_CONFIGS, REFERENCE_BACKBONE,
                              _epoch_evals, demo_plan, forward_flops, plan_cost, start_estimate,
                              step_cost)

SLIM = dict(type='TimmBackbone', name='resnet18',
            model_kwargs=dict(layers=(1, 1, 1, 1), channels=(32, 64, 128, 256)))


def _out(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


def resnet_flops_by_hand(size, layers, channels, stem=64):
    """Forward FLOPs (2 per multiply-add) of the convolutions of a timm BasicBlock ResNet
    with the default 7x7 stem, counted layer by layer (the test's own oracle)."""
    h = _out(size, 7, 2, 3)
    flops = 2 * 3 * stem * 49 * h * h
    h = _out(h, 3, 2, 1)  # max pool
    cin = stem
    for stage, (blocks, c) in enumerate(zip(layers, channels)):
        for b in range(blocks):
            stride = 2 if stage > 0 and b == 0 else 1
            out = _out(h, 3, stride, 1)
            flops += 2 * 9 * (cin * c + c * c) * out * out
            if stride != 1 or cin != c:  # 1x1 shortcut
                flops += 2 * cin * c * out * out
            cin, h = c, out
    return flops


@pytest.mark.parametrize('epochs, begin, interval, expected', [
    (12, 6, 3, 3),   # epochs 6, 9, 12
    (30, 1, 1, 30),  # every epoch
    (10, 1, 5, 2),   # 5, 10
    (7, 1, 3, 3),    # 3, 6 and the last, 7
])
def test_epoch_evals_follows_mmengine_rule(epochs, begin, interval, expected):
    assert _epoch_evals(epochs, begin, interval) == expected


def test_plan_cost_weighs_images_by_cost_and_halves_forward_only_images():
    # (100 train + 40 / 2 eval) x 0.25 = 120 / 4
    assert plan_cost([dict(stage='x', size=32, cost=0.25, train=100, eval=40)]) == 30.0
    assert plan_cost([dict(stage='x', size=64, cost=1.0, train=10, eval=0),
                      dict(stage='y', size=64, cost=1.0, train=0, eval=10)]) == 15.0


@pytest.mark.parametrize('size', [64, 40, 32])
def test_forward_flops_match_a_count_by_hand(size):
    r18 = resnet_flops_by_hand(size, (2, 2, 2, 2), (64, 128, 256, 512))
    assert forward_flops(REFERENCE_BACKBONE, size) == r18
    slim = resnet_flops_by_hand(size, (1, 1, 1, 1), (32, 64, 128, 256))
    assert forward_flops(SLIM, size) == slim


def test_step_cost_is_relative_to_resnet18_at_64_px():
    r18_64 = resnet_flops_by_hand(64, (2, 2, 2, 2), (64, 128, 256, 512))
    assert step_cost(REFERENCE_BACKBONE, 64) == 1.0
    # 40 px is not (40 / 64)^2 of the work: the maps round up (20, 10, 5, 3, 2 against 32 ... 2)
    assert step_cost(REFERENCE_BACKBONE, 40) == pytest.approx(
        resnet_flops_by_hand(40, (2, 2, 2, 2), (64, 128, 256, 512)) / r18_64)
    assert step_cost(REFERENCE_BACKBONE, 40) > (40 / 64) ** 2 + 0.1
    assert step_cost(SLIM, 64) == pytest.approx(
        resnet_flops_by_hand(64, (1, 1, 1, 1), (32, 64, 128, 256)) / r18_64)
    # a checkpoint path is not read to count
    assert step_cost(dict(SLIM, checkpoint='/nonexistent.pth'), 64) == step_cost(SLIM, 64)


def test_fast_plan_counts_the_configs_images():
    plan = {row['stage']: row for row in demo_plan(FAST_CONFIGS)}
    assert list(plan) == ['source-only', 'AdaBN', 'CluP', 'EERCL']
    slim = resnet_flops_by_hand(64, (1, 1, 1, 1), (32, 64, 128, 256)) / resnet_flops_by_hand(
        64, (2, 2, 2, 2), (64, 128, 256, 512))
    assert all(row['size'] == 64 and row['cost'] == pytest.approx(slim) for row in plan.values())
    # 30 epochs x 1890 lab train; evaluations at epochs 10, 15, ..., 30 and the final test,
    # each lab val 210 + lab, wild, lowres test 3 x 700
    src = plan['source-only']
    assert (src['train'], src['eval']) == (56700, 6 * 2310)
    assert plan_cost([src]) == pytest.approx((56700 + 6 * 2310 / 2) * slim)
    # wild and lowres: 14 batches of 128 for the statistics, then 700 test images
    assert plan['AdaBN']['eval'] == 2 * (1792 + 700)
    # 567 selected, 17 full batches of 32 per epoch, 20 epochs; wild test at 5, 10, 15, 20
    # and the final test, and the teacher's pass over wild train
    assert plan['CluP']['train'] == 20 * 544 and plan['CluP']['eval'] == 5 * 700 + 1890
    # 200 iterations x 3 views x 16; teacher 200 x 16, 4 refreshes of 1890, wild + lab test
    # at 100, 200 and the final test
    assert plan['EERCL']['train'] == 9600
    assert plan['EERCL']['eval'] == 3200 + 4 * 1890 + 3 * 1400


def test_start_estimate_scales_the_bare_loop_time_by_the_measured_overhead():
    # 1900 plan images at 19 img/s: 100 s of bare loop; the demo measured up to 1.5x that
    assert start_estimate(1900, 19.0) == pytest.approx(150.0)
    assert start_estimate(3800, 19.0) == pytest.approx(300.0)


def test_fast_demo_is_within_budget_and_full_is_not():
    fast = plan_cost(demo_plan(FAST_CONFIGS))
    assert fast <= BUDGET_64PX_IMAGES
    # the budget tells the two apart: the full-length demo is ~4x over it
    assert plan_cost(demo_plan(FULL_CONFIGS)) > 3 * BUDGET_64PX_IMAGES


def test_smoke_plan_evaluates_every_epoch():
    # --epochs 2: the demo sets val_begin = val_interval = 1 for the source run (the fast
    # config's first evaluation, epoch 10, would lie past the end): 2 evaluations + the test
    plan = {row['stage']: row for row in demo_plan(FAST_CONFIGS, epochs=2)}
    assert plan['source-only']['train'] == 2 * 1890
    assert plan['source-only']['eval'] == 3 * 2310
    # EERCL's smoke: 8 iterations, one refresh (every 50, before iteration 0), evaluations
    # at 4 and 8 and the final test
    assert plan['EERCL']['train'] == 8 * 48
    assert plan['EERCL']['eval'] == 8 * 16 + 1 * 1890 + 3 * 1400


def test_fast_is_the_default_and_full_is_opt_in():
    from ferda.tools.demo import build_parser
    p = build_parser()
    assert p.parse_args([]).fast is True
    assert p.parse_args(['--full']).fast is False
    assert p.parse_args(['--fast']).fast is True
    with pytest.raises(SystemExit):
        p.parse_args(['--fast', '--full'])


def test_fast_demo_refuses_the_resnet18_swav_row(capsys):
    from ferda.tools.demo import main
    with pytest.raises(SystemExit):
        main(['--fast', '--methods', 'adabn,clup-swav'])
    assert 'clup-swav runs the ResNet-18 SwAV configs' in capsys.readouterr().err


def test_measure_speed_times_with_the_configs_threads_and_restores_them(monkeypatch):
    import torch

    import ferda.tools.bench as bench
    from ferda.tools.demo import _backbone_cfg, measure_speed

    seen = []

    def fake_loop(model, loader, optimizer, iters):
        seen.append((iters, torch.get_num_threads()))
        return 100.0

    monkeypatch.setattr(bench, '_bare_loop', fake_loop)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        speed = measure_speed(FAST_CONFIGS['source'], iters=3, warmup=1)
        assert seen == [(1, 1), (3, 1)]  # the fast source config sets env_cfg.num_threads = 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    from mmengine.config import Config
    assert speed == pytest.approx(100.0 * step_cost(
        _backbone_cfg(Config.fromfile(FAST_CONFIGS['source'])), 64))
