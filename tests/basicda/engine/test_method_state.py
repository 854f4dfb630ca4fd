"""MethodStateHook in a ResumableIterBasedTrainLoop run: per-rank state is gathered
exactly when a checkpoint is written (iterations 3, 6 and the last, 7, for
``CheckpointHook(interval=3, by_epoch=False)`` and ``max_iters=7``), and no
collective runs on the other iterations."""
import json
import os.path as osp

import pytest
import torch
from mmengine.model import BaseModel
from torch import nn
from torch.utils.data import Dataset

from basicda.engine import DARunner
from basicda.engine.checkpoint import safe_load
from basicda.ops.gather import all_gather_cat, world_info

MAX_ITERS, INTERVAL = 7, 3


class _Points(Dataset):

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return dict(inputs=torch.tensor([float(i), 1.0]))


class _PerRankStateModel(BaseModel):
    """Per-rank state ``steps * (rank + 1)``; ``sync_method_state`` gathers it."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.steps = 0
        self.sync_calls = []  # runner iteration (steps done) at every collective
        self._gathered = None

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode != 'loss':
            return self.linear(inputs)
        self.steps += 1
        return dict(loss=self.linear(inputs).pow(2).mean())

    def sync_method_state(self):
        self.sync_calls.append(self.steps)
        rank, _ = world_info()
        self._gathered = all_gather_cat(torch.tensor([self.steps * (rank + 1)]))

    def method_state_dict(self):
        return dict(per_rank=self._gathered.clone())

    def load_method_state_dict(self, state):
        self._gathered = state['per_rank']


def _train(work_dir, train_cfg=None, by_epoch=False):
    train_cfg = train_cfg or dict(type='ResumableIterBasedTrainLoop', max_iters=MAX_ITERS)
    runner = DARunner(
        model=_PerRankStateModel(), work_dir=work_dir,
        train_dataloader=dict(dataset=_Points(), batch_size=2, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=train_cfg,
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=INTERVAL,
                                           by_epoch=by_epoch),
                           logger=dict(type='LoggerHook', interval=100)),
        custom_hooks=[dict(type='MethodStateHook')], default_scope='basicda')
    runner.train()
    return runner.model.sync_calls


def _worker(rank, world_size, work_dir):
    calls = _train(work_dir)
    with open(osp.join(work_dir, f'calls_rank{rank}.json'), 'w') as f:
        json.dump(calls, f)


def test_state_is_gathered_only_when_a_checkpoint_is_written(tmp_path):
    from tests.dist_utils import spawn_gloo

    spawn_gloo(_worker, 2, str(tmp_path))
    for rank in range(2):
        with open(tmp_path / f'calls_rank{rank}.json') as f:
            # one collective per checkpoint (iter_3, iter_6, iter_7), none in between
            assert json.load(f) == [3, 6, 7]
    for step in (3, 6, 7):
        state = safe_load(str(tmp_path / f'iter_{step}.pth'))['method_state']
        # rank 0 wrote both ranks' state as of that checkpoint: steps * (rank + 1)
        assert state['per_rank'].tolist() == [step, 2 * step]


def test_one_process_syncs_at_every_checkpoint(tmp_path):
    assert _train(str(tmp_path)) == [3, 6, 7]
    assert safe_load(str(tmp_path / 'iter_6.pth'))['method_state']['per_rank'].tolist() == [6]


def test_epoch_runs_sync_only_at_checkpointed_epochs(tmp_path):
    # 2 iterations per epoch, 4 epochs, checkpoints after epochs 3 and 4 (the last)
    calls = _train(str(tmp_path), dict(type='EpochBasedTrainLoop', max_epochs=4), by_epoch=True)
    assert calls == [6, 8]
    assert safe_load(str(tmp_path / 'epoch_3.pth'))['method_state']['per_rank'].tolist() == [6]


def test_saving_state_that_was_not_gathered_raises_with_several_processes(monkeypatch):
    from types import SimpleNamespace

    from basicda.engine.hooks import method_state

    hook = method_state.MethodStateHook()
    model = _PerRankStateModel()
    model._gathered = torch.tensor([0])
    runner = SimpleNamespace(model=model, epoch=0, iter=4, hooks=[])
    hook.before_save_checkpoint(runner, {})  # one process: nothing to gather
    monkeypatch.setattr(method_state, 'world_info', lambda: (0, 2))
    with pytest.raises(RuntimeError, match=r'saved at \(epoch, iter\) = \(0, 4\), but '
                                           r'_PerRankStateModel\'s per-rank state was last '
                                           r'gathered at None'):
        hook.before_save_checkpoint(runner, {})


def test_checkpoint_due_follows_the_checkpoint_hooks_rule():
    from types import SimpleNamespace

    from mmengine.hooks import CheckpointHook

    from basicda.engine.hooks.method_state import checkpoint_due

    def runner(hook, iteration=0, epoch=0):
        return SimpleNamespace(hooks=[hook], iter=iteration, epoch=epoch, max_iters=10,
                               max_epochs=5)

    by_iter = CheckpointHook(interval=4, by_epoch=False, save_last=True)
    # after_train_iter of iteration index i saves iter_{i+1}: 4, 8 and the last, 10
    assert [i for i in range(10) if checkpoint_due(runner(by_iter, i), 'after_train_iter')] == \
        [3, 7, 9]
    assert not checkpoint_due(runner(by_iter, 3), 'after_train_epoch')
    by_epoch = CheckpointHook(interval=2, save_last=False)
    assert [e for e in range(5) if checkpoint_due(runner(by_epoch, epoch=e),
                                                  'after_train_epoch')] == [1, 3]
    assert not checkpoint_due(runner(by_epoch, 3), 'after_val_epoch')
    best = CheckpointHook(interval=2, save_best='accuracy', rule='greater')
    assert checkpoint_due(runner(best), 'after_val_epoch')
    with pytest.raises(ValueError, match="stage must be one of .* got 'before_train'"):
        checkpoint_due(runner(best), 'before_train')
