"""Hooks tests/e2e/test_run_safety.py adds through ``custom_imports``: stop a run at a
deterministic point (after the checkpoint of epoch ``at``) and either wait there, so
the test can act on a live run, or fail on one rank."""
import os
import os.path as osp
import sys
import time

import torch.distributed as dist
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from basicda.registry import HOOKS

READY = 'FERDA-TEST-READY'


@HOOKS.register_module(force=True)
class PauseAfterCheckpointHook(Hook):
    """After the checkpoint of epoch ``at``: every rank writes its pid to
    ``<work_dir>/pids/rank<r>``, then (all written) rank 0 prints :data:`READY` on
    stdout and every rank sleeps until it is killed."""

    priority = 'LOWEST'  # after CheckpointHook (VERY_LOW)

    def __init__(self, at: int = 1) -> None:
        self.at = at

    def after_train_epoch(self, runner) -> None:
        if runner.epoch + 1 != self.at:  # the loop counts the epoch after this hook
            return
        folder = osp.join(runner.work_dir, 'pids')
        os.makedirs(folder, exist_ok=True)
        with open(osp.join(folder, f'rank{get_rank()}'), 'w') as f:
            f.write(str(os.getpid()))
        if dist.is_initialized():
            dist.barrier()
        if get_rank() == 0:
            print(READY, flush=True)
            sys.stdout.flush()
        while True:
            time.sleep(1)


@HOOKS.register_module(force=True)
class FailOnRankHook(Hook):
    """Raise ``RuntimeError('injected failure on rank <r>')`` on rank ``rank`` before
    the first training iteration."""

    def __init__(self, rank: int = 1) -> None:
        self.rank = rank

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if get_rank() == self.rank:
            raise RuntimeError(f'injected failure on rank {self.rank}')
