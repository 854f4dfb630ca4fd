"""A hook the LDL end-to-end tests add through ``custom_imports``: SIGKILL the run right
after the checkpoint of an epoch (before its validation)."""
import os
import signal

from mmengine.hooks import Hook

from basicda.registry import HOOKS


@HOOKS.register_module(force=True)
class LdlKillAfterEpochCheckpointHook(Hook):
    """SIGKILL the process after the checkpoint of epoch ``at`` (1-based) is written."""

    priority = 'LOWEST'  # after CheckpointHook (VERY_LOW)

    def __init__(self, at: int) -> None:
        self.at = at

    def after_train_epoch(self, runner):
        if runner.epoch + 1 == self.at:
            os.kill(os.getpid(), signal.SIGKILL)
