"""DVSCL's schedules and intensity selection (docs/dvscl.md §2.5, §3; worked examples)."""
import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import PARAM_SCHEDULERS

from ferda.datasets.records import DatasetFormatError
from ferda.methods.dvscl import (pretrain_lr, pretrain_scheduler, probe_lr, probe_scheduler,
                                 read_au_csv, select_by_intensity)


def test_pretrain_lr_worked_example():
    assert [pretrain_lr(e) for e in (0, 159, 160, 199, 200)] == pytest.approx(
        [3e-3, 3e-3, 3e-4, 3e-4, 3e-5])


def test_probe_lr_worked_example():
    assert [probe_lr(e) for e in (9, 10, 20)] == pytest.approx([1e-4, 1e-5, 1e-6])
    # the reference steps StepLR(10) per batch: with 8 batches, iteration 10 is in epoch 1
    assert probe_lr(1, lr_step_unit='iter', iters_per_epoch=8, iteration=10) == \
        pytest.approx(1e-5)
    with pytest.raises(ValueError, match="lr_step_unit must be one of"):
        probe_lr(0, lr_step_unit='batch')


def scheduled_lrs(cfgs, base_lr, epochs, iters_per_epoch):
    """The lr mmengine's schedulers give at every (epoch, iteration), stepping as a runner."""
    param = torch.nn.Parameter(torch.zeros(1))
    wrapper = OptimWrapper(torch.optim.SGD([param], lr=base_lr))
    schedulers = [PARAM_SCHEDULERS.build(dict(cfg, optimizer=wrapper)) for cfg in cfgs]
    lrs = []
    for _ in range(epochs):
        epoch_lrs = []
        for _ in range(iters_per_epoch):
            epoch_lrs.append(wrapper.optimizer.param_groups[0]['lr'])
            for s in schedulers:
                if not s.by_epoch:
                    s.step()
        lrs.append(epoch_lrs)
        for s in schedulers:
            if s.by_epoch:
                s.step()
    return lrs


def test_config_schedulers_give_the_pure_functions():
    lrs = scheduled_lrs(pretrain_scheduler(), 3e-3, 205, 1)
    assert [e[0] for e in lrs] == pytest.approx([pretrain_lr(e) for e in range(205)])
    lrs = scheduled_lrs(probe_scheduler('epoch'), 1e-4, 25, 8)
    assert [e[0] for e in lrs] == pytest.approx([probe_lr(e) for e in range(25)])
    lrs = scheduled_lrs(probe_scheduler('iter'), 1e-4, 3, 8)
    flat = [lr for e in lrs for lr in e]
    assert flat == pytest.approx([probe_lr(i // 8, lr_step_unit='iter', iteration=i)
                                  for i in range(24)])
    assert flat[10] == pytest.approx(1e-5)


def test_select_by_intensity_worked_example():
    onset = np.zeros((3, 2))
    apex = np.array([[0.2, 1.4], [0.9, 0.3], [2.0, 0.0]])
    assert select_by_intensity(['A', 'B', 'C'], onset, apex, 1.0) == ['A', 'C']
    assert select_by_intensity(['A', 'B', 'C'], onset, apex, 1.3, 'sum_delta') == ['A', 'C']
    assert select_by_intensity(['A', 'B', 'C'], onset + 0.5, apex, 1.0, 'max_apex') == [
        'A', 'C']
    assert select_by_intensity(['A', 'B', 'C'], onset + 0.5, apex, 1.0) == ['C']


def test_read_au_csv(tmp_path):
    path = tmp_path / 'au.csv'
    path.write_text('key,AU12_r@onset,AU12_r@apex,AU4_r@apex,AU4_r@onset\n'
                    'a,0.1,0.5,1.0,0.0\nb,0,0,0.2,0.1\n')
    keys, aus, onset, apex = read_au_csv(str(path))
    assert keys == ['a', 'b'] and aus == ['AU12_r', 'AU4_r']
    assert onset.tolist() == [[0.1, 0.0], [0.0, 0.1]] and apex.tolist() == [[0.5, 1.0],
                                                                            [0.0, 0.2]]
    path.write_text('key,AU12_r@onset\na,0.1\n')
    with pytest.raises(DatasetFormatError, match=r"au.csv:1: expected AU columns .*AU12_r@apex"):
        read_au_csv(str(path))
    path.write_text('key,AU1@onset,AU1@apex\na,0.1,x\n')
    with pytest.raises(DatasetFormatError, match=r'au.csv:2: expected a number'):
        read_au_csv(str(path))
