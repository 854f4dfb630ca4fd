import pytest
import torch
from mmengine.optim.scheduler import CosineAnnealingLR, ExponentialLR
from torch.testing import assert_close

from basicda.engine.schedulers import InvLR, cosine_lr, exp_lr, inv_lr, simclr_lr
from basicda.registry import PARAM_SCHEDULERS


def close(actual, expected, rtol=1e-6):
    assert_close(torch.tensor(actual, dtype=torch.float64),
                 torch.tensor(expected, dtype=torch.float64), rtol=rtol, atol=0)


@pytest.mark.parametrize('t, expected', [(0, 1.0e-3), (1000, 2.608474e-4),
                                         (10000, 5.239892e-5), (20000, 3.138766e-5)])
def test_inv_lr_spec_values(t, expected):
    close(inv_lr(1e-3, t), expected)


def test_inv_lr_formula():
    close(inv_lr(0.5, 10, gamma=0.1, power=2.0), 0.5 / 4.0)


def test_exp_lr_spec_value():
    close(exp_lr(0.01, 10, 0.99), 0.00904382)
    close(exp_lr(0.01, 0, 0.99), 0.01)


@pytest.mark.parametrize('epoch, expected', [(0, 0.1), (25, 0.05), (49, 9.866358e-5), (50, 0.0)])
def test_cosine_lr_spec_values(epoch, expected):
    assert_close(torch.tensor(cosine_lr(0.1, epoch, 50), dtype=torch.float64),
                 torch.tensor(expected, dtype=torch.float64), rtol=1e-6, atol=1e-15)


def test_cosine_lr_eta_min():
    close(cosine_lr(0.1, 25, 50, eta_min=0.02), 0.06)
    close(cosine_lr(0.1, 50, 50, eta_min=0.02), 0.02)


@pytest.mark.parametrize('call, bad', [
    (lambda: inv_lr(1e-3, -1), '-1'),
    (lambda: inv_lr(1e-3, 1, gamma=0.0), '0.0'),
    (lambda: inv_lr(1e-3, 1, power=-1.0), '-1.0'),
    (lambda: exp_lr(0.1, -2, 0.9), '-2'),
    (lambda: exp_lr(0.1, 2, -0.9), '-0.9'),
    (lambda: cosine_lr(0.1, 51, 50), '51'),
    (lambda: cosine_lr(0.1, 1, 0), 'T must be > 0, got 0'),
])
def test_bad_arguments_raise(call, bad):
    with pytest.raises(ValueError, match=bad):
        call()


def two_group_sgd(lrs=(1e-3, 1e-2)):
    torch.manual_seed(0)
    backbone, head = torch.nn.Linear(3, 3), torch.nn.Linear(3, 2)
    return torch.optim.SGD([dict(params=backbone.parameters(), lr=lrs[0]),
                            dict(params=head.parameters(), lr=lrs[1])],
                           momentum=0.9, nesterov=True), (backbone, head)


def train_step(optimizer, modules):
    backbone, head = modules
    loss = head(backbone(torch.ones(2, 3))).pow(2).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def test_invlr_drives_sgd_in_closed_form():
    optimizer, modules = two_group_sgd()
    scheduler = InvLR(optimizer, gamma=0.005, power=0.75)
    for t in range(1201):
        if t in (0, 1, 2, 7, 100, 1000, 1200):
            lrs = [g['lr'] for g in optimizer.param_groups]
            close(lrs, [inv_lr(1e-3, t), inv_lr(1e-2, t)], rtol=1e-12)
        # the loss itself does not matter; stepping SGD keeps the call order of the runner
        if t < 3:
            train_step(optimizer, modules)
        else:
            optimizer.step()
        scheduler.step()


def test_invlr_begin_offsets_the_step():
    optimizer, _ = two_group_sgd()
    scheduler = InvLR(optimizer, begin=5)
    for _ in range(15):
        optimizer.step()
        scheduler.step()
    # the lr applied at step 15 is inv_lr(base, 15 - begin)
    close([g['lr'] for g in optimizer.param_groups], [inv_lr(1e-3, 10), inv_lr(1e-2, 10)])


def test_invlr_resume_continues_identically():
    straight_opt, straight_mods = two_group_sgd()
    straight = InvLR(straight_opt)
    straight_lrs = []
    for _ in range(40):
        straight_lrs.append([g['lr'] for g in straight_opt.param_groups])
        train_step(straight_opt, straight_mods)
        straight.step()

    first_opt, first_mods = two_group_sgd()
    first = InvLR(first_opt)
    resumed_lrs = []
    for _ in range(20):
        resumed_lrs.append([g['lr'] for g in first_opt.param_groups])
        train_step(first_opt, first_mods)
        first.step()
    opt_state, sched_state = first_opt.state_dict(), first.state_dict()
    module_state = [m.state_dict() for m in first_mods]

    # Same order as mmengine's Runner.resume: build, then load optimiser, then scheduler.
    second_opt, second_mods = two_group_sgd(lrs=(0.5, 0.5))  # lrs come from the checkpoint
    for m, s in zip(second_mods, module_state):
        m.load_state_dict(s)
    second = InvLR(second_opt)
    second_opt.load_state_dict(opt_state)
    second.load_state_dict(sched_state)
    for _ in range(20):
        resumed_lrs.append([g['lr'] for g in second_opt.param_groups])
        train_step(second_opt, second_mods)
        second.step()

    assert_close(torch.tensor(resumed_lrs, dtype=torch.float64),
                 torch.tensor(straight_lrs, dtype=torch.float64), rtol=0, atol=0)
    for a, b in zip(straight_mods, second_mods):
        for pa, pb in zip(a.parameters(), b.parameters()):
            assert_close(pa, pb, rtol=0, atol=0)


def test_invlr_registered_and_validates():
    optimizer, _ = two_group_sgd()
    scheduler = PARAM_SCHEDULERS.build(dict(type='InvLR', optimizer=optimizer, gamma=0.01))
    assert isinstance(scheduler, InvLR) and not scheduler.by_epoch
    with pytest.raises(ValueError, match='-0.5'):
        InvLR(optimizer, gamma=-0.5)
    with pytest.raises(TypeError, match="unexpected keyword argument 'warmup'"):
        InvLR(optimizer, warmup=3)  # no kwargs catch-all


def test_invlr_build_iter_from_epoch_matches_epoch_curve():
    optimizer, _ = two_group_sgd()
    scheduler = InvLR.build_iter_from_epoch(optimizer, gamma=0.5, by_epoch=True, epoch_length=4)
    for _ in range(8):
        optimizer.step()
        scheduler.step()
    close([g['lr'] for g in optimizer.param_groups], [inv_lr(1e-3, 2, 0.5), inv_lr(1e-2, 2, 0.5)])


def test_mmengine_exponential_lr_equals_exp_lr():
    optimizer, _ = two_group_sgd(lrs=(0.01, 0.1))
    scheduler = ExponentialLR(optimizer, gamma=0.99, by_epoch=True)
    for epoch in range(100):
        close([g['lr'] for g in optimizer.param_groups],
              [exp_lr(0.01, epoch, 0.99), exp_lr(0.1, epoch, 0.99)], rtol=1e-10)
        optimizer.step()
        scheduler.step()


def test_mmengine_cosine_annealing_lr_equals_cosine_lr():
    optimizer, _ = two_group_sgd(lrs=(0.1, 0.01))
    scheduler = CosineAnnealingLR(optimizer, T_max=50, eta_min=0, by_epoch=True)
    for epoch in range(50):
        lrs = [g['lr'] for g in optimizer.param_groups]
        # mmengine's cosine is chained (multiplicative), so rounding accumulates a little
        assert_close(torch.tensor(lrs, dtype=torch.float64),
                     torch.tensor([cosine_lr(0.1, epoch, 50), cosine_lr(0.01, epoch, 50)],
                                  dtype=torch.float64), rtol=1e-8, atol=1e-15)
        optimizer.step()
        scheduler.step()


@pytest.mark.parametrize('epoch, it, expected', [
    (1, 0, 0.01), (1, 1, 0.01168923), (10, 28, 0.49818753), (11, 0, 0.49985089),
    (11, 17, 0.49985089), (500, 0, 0.25025), (1000, 0, 0.0005)])
def test_simclr_lr_spec_values(epoch, it, expected):
    # docs/active-learning.md §7.3 (n_b = 29: FER2013 at batch 1024)
    close(simclr_lr(epoch, it, 29), expected, rtol=1e-7)


def test_simclr_lr_bad_arguments():
    with pytest.raises(ValueError, match='epoch must be in'):
        simclr_lr(0, 0, 29)
    with pytest.raises(ValueError, match='0 <= it < n_b'):
        simclr_lr(1, 29, 29)


def test_simclrlr_drives_sgd_per_iteration_and_resumes():
    optimizer, _ = two_group_sgd()
    build = dict(type='SimCLRLR', epochs=4, warm_epochs=2, warm_from=1e-4, by_epoch=True,
                 convert_to_iter_based=True)
    scheduler = PARAM_SCHEDULERS.get('SimCLRLR').build_iter_from_epoch(
        optimizer, **{k: v for k, v in build.items() if k != 'type' and
                      k != 'convert_to_iter_based'}, epoch_length=3)
    seen = []
    for step in range(12):
        seen.append([g['lr'] for g in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
        if step == 4:
            state = scheduler.state_dict()
    expected = [[simclr_lr(s // 3 + 1, s % 3, 3, base, 4, 2, 1e-4) for base in (1e-3, 1e-2)]
                for s in range(12)]
    close(seen, expected, rtol=1e-12)
    # a scheduler restored from step 5's state continues on the same curve
    optimizer2, _ = two_group_sgd()
    resumed = PARAM_SCHEDULERS.get('SimCLRLR')(optimizer2, epochs=4, epoch_length=3,
                                                warm_epochs=2, warm_from=1e-4)
    resumed.load_state_dict(state)
    resumed.step()
    close([g['lr'] for g in optimizer2.param_groups], expected[6], rtol=1e-12)
