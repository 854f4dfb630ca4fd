"""Hooks the EERCL end-to-end tests add through ``custom_imports``: record what each
iteration saw, and SIGKILL the run right after a checkpoint (before its validation)."""
import json
import os
import os.path as osp
import signal

from mmengine.hooks import Hook

from basicda.registry import HOOKS


@HOOKS.register_module(force=True)
class RecordBatchesHook(Hook):
    """Append ``{iter, sample_idx, inputs_sum}`` of every training batch to
    ``<work_dir>/batches.jsonl`` (before the refresh and the forward)."""

    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        with open(osp.join(runner.work_dir, 'batches.jsonl'), 'a') as f:
            f.write(json.dumps(dict(
                iter=runner.iter, sample_idx=data_batch['data_samples']['sample_idx'].tolist(),
                inputs_sum=int(data_batch['inputs'].long().sum()))) + '\n')


@HOOKS.register_module(force=True)
class KillAfterCheckpointHook(Hook):
    """SIGKILL the process after the checkpoint of iteration ``at`` is written."""

    priority = 'LOWEST'  # after CheckpointHook (VERY_LOW)

    def __init__(self, at: int) -> None:
        self.at = at

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.at and not runner._resume:
            os.kill(os.getpid(), signal.SIGKILL)
