"""The fast demo's plan: the images each stage processes, read from its configs, and its
budget (docs/synfer.md §5)."""
import pytest

from ferda.tools.demo import (BUDGET_64PX_IMAGES, FAST_CONFIGS, FULL_CONFIGS, _epoch_evals,
                              demo_plan, plan_cost)


@pytest.mark.parametrize('epochs, begin, interval, expected', [
    (12, 6, 3, 3),   # epochs 6, 9, 12
    (30, 1, 1, 30),  # every epoch
    (10, 1, 5, 2),   # 5, 10
    (7, 1, 3, 3),    # 3, 6 and the last, 7
])
def test_epoch_evals_follows_mmengine_rule(epochs, begin, interval, expected):
    assert _epoch_evals(epochs, begin, interval) == expected


def test_plan_cost_scales_by_pixels_and_halves_forward_only_images():
    # (100 train + 40 / 2 eval) x (32 / 64)^2 = 120 / 4
    assert plan_cost([dict(stage='x', size=32, train=100, eval=40)]) == 30.0
    assert plan_cost([dict(stage='x', size=64, train=10, eval=0),
                      dict(stage='y', size=64, train=0, eval=10)]) == 15.0


def test_fast_plan_counts_the_configs_images():
    plan = {row['stage']: row for row in demo_plan(FAST_CONFIGS)}
    assert list(plan) == ['source-only', 'AdaBN', 'CluP', 'EERCL']
    # 20 epochs x 1890 lab train; evaluations at epochs 10, 15, 20 and the final test, each
    # lab val 210 + lab, wild, lowres test 3 x 700
    assert plan['source-only'] == dict(stage='source-only', size=40, train=37800,
                                       eval=4 * 2310)
    # its 64 px cost: (37800 + 4 x 2310 / 2) x (40 / 64)^2
    assert plan_cost([plan['source-only']]) == pytest.approx(16570.3125)
    # wild and lowres: 14 batches of 128 for the statistics, then 700 test images
    assert plan['AdaBN']['eval'] == 2 * (1792 + 700)
    # 567 selected, 17 full batches of 32 per epoch, 10 epochs; wild test at 5, 10 and the
    # final test, and the teacher's pass over wild train
    assert plan['CluP']['train'] == 5440 and plan['CluP']['eval'] == 3 * 700 + 1890
    # 200 iterations x 3 views x 16; teacher 200 x 16, 4 refreshes of 1890, wild + lab test
    # at 200 and the final test
    assert plan['EERCL']['train'] == 9600
    assert plan['EERCL']['eval'] == 3200 + 4 * 1890 + 2 * 1400


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


def test_full_is_the_default_and_fast_is_opt_in():
    from ferda.tools.demo import build_parser
    p = build_parser()
    assert p.parse_args([]).fast is False
    assert p.parse_args(['--full']).fast is False
    assert p.parse_args(['--fast']).fast is True
    with pytest.raises(SystemExit):
        p.parse_args(['--fast', '--full'])
