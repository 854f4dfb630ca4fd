"""Hooks the end-to-end tests add to a run through ``custom_imports`` (see
:func:`write_config`): record what each iteration saw, record the size of the live log,
and SIGKILL the run at a deterministic point, right after a given checkpoint and before
the validation that follows it.

Also a BN-free toy backbone (``ToyConvBackbone``), so that a 2-process run with B/2
images per rank is the same computation as a 1-process run with B images.
"""
import json
import os
import os.path as osp
import signal

import torch
from mmengine.dist import barrier, get_rank, is_main_process
from mmengine.hooks import Hook
from torch import nn

from basicda.registry import HOOKS, MODELS

MODULE = __name__


def write_config(path: str, base: str, hooks=()) -> str:
    """Write a config at ``path`` that inherits ``base``, imports this module and
    appends ``hooks`` (a list of dicts) to the base's ``custom_hooks``. Returns ``path``."""
    lines = [f'_base_ = [{base!r}]',
             f'custom_imports = dict(imports=[{MODULE!r}], allow_failed_imports=False)']
    if hooks:
        lines.append(f'custom_hooks = _base_.get("custom_hooks", []) + {list(hooks)!r}')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


@HOOKS.register_module(force=True)
class RecordBatchesHook(Hook):
    """Append ``{iter, sample_idx, inputs_sum}`` of every training batch to
    ``<work_dir>/batches.jsonl`` (rank 0 writes ``batches.jsonl``, rank r > 0
    ``batches_rank<r>.jsonl``), before any other hook and the forward."""

    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        rank = get_rank()
        name = 'batches.jsonl' if rank == 0 else f'batches_rank{rank}.jsonl'
        with open(osp.join(runner.work_dir, name), 'a') as f:
            f.write(json.dumps(dict(
                iter=runner.iter, sample_idx=data_batch['data_samples']['sample_idx'].tolist(),
                inputs_sum=int(data_batch['inputs'].long().sum()))) + '\n')


@HOOKS.register_module(force=True)
class RecordLogSizeHook(Hook):
    """After every training iteration, append the current size in bytes of
    ``<work_dir>/logs/train.log`` to ``<work_dir>/log_sizes.json`` (rank 0): the log is
    live when it grows during training, not only once at the end."""

    priority = 'LOWEST'  # after the logger hook has written the iteration's line

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if not is_main_process():
            return
        log = osp.join(runner.work_dir, 'logs', 'train.log')
        with open(osp.join(runner.work_dir, 'log_sizes.jsonl'), 'a') as f:
            f.write(json.dumps(osp.getsize(log) if osp.isfile(log) else 0) + '\n')


@HOOKS.register_module(force=True)
class KillAfterCheckpointHook(Hook):
    """SIGKILL every process of the run right after the checkpoint of iteration (or
    epoch, ``by_epoch=True``) ``at`` is written, before the validation that follows.

    Runs after mmengine's ``CheckpointHook`` (priority VERY_LOW). With several
    processes every rank waits at a barrier until rank 0 has written the checkpoint
    and its ``last_checkpoint`` pointer, then kills itself. A run resumed from that
    checkpoint starts after ``at`` and so is never killed again.
    """

    priority = 'LOWEST'

    def __init__(self, at: int, by_epoch: bool = False) -> None:
        self.at, self.by_epoch = at, by_epoch

    def _kill(self) -> None:
        barrier()
        os.kill(os.getpid(), signal.SIGKILL)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if not self.by_epoch and runner.iter + 1 == self.at:
            self._kill()

    def after_train_epoch(self, runner):
        if self.by_epoch and runner.epoch + 1 == self.at:
            self._kill()


@MODELS.register_module(force=True)
class ToyConvBackbone(nn.Module):
    """A BN-free, dropout-free conv net: (B, 3, H, W) -> (B, out_dim). Every sample's
    output depends on that sample only, so DDP with B/2 per rank computes what one
    process computes with B.

    Args:
        out_dim: D. Default: 16.
        width: channels of the two 3x3 convolutions. Default: 8.
    """

    def __init__(self, out_dim: int = 16, width: int = 8) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, out_dim), nn.ReLU())
        self.out_dim = out_dim
        self.arch_meta = dict(backbone='ToyConvBackbone', stem='default', out_dim=out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
