"""Method state (banks, queues, pseudo-labels, teachers) in the checkpoint."""
from typing import List

from mmengine.hooks import CheckpointHook, Hook
from mmengine.model import is_model_wrapper

from basicda.ops.gather import world_info
from basicda.registry import HOOKS

__all__ = ['MethodStateHook', 'checkpoint_due']

CHECKPOINT_STAGES = ('after_train_iter', 'after_train_epoch', 'after_val_epoch')


def _checkpoint_hooks(runner) -> List[CheckpointHook]:
    return [hook for hook in runner.hooks if isinstance(hook, CheckpointHook)]


def checkpoint_due(runner, stage: str) -> bool:
    """Whether a ``CheckpointHook`` of ``runner`` may save a checkpoint at ``stage`` of
    the current iteration or epoch, by that hook's own rule.

    Call it from a hook at the same stage with a priority above the checkpoint
    hook's (``VERY_LOW``), so the counters are the ones it will read:

    * ``'after_train_iter'``: a hook with ``by_epoch=False`` saves every
      ``interval`` iterations from ``save_begin``, and after the last iteration
      when ``save_last``;
    * ``'after_train_epoch'``: the same per epoch for a hook with ``by_epoch=True``;
    * ``'after_val_epoch'``: a hook with ``save_best`` may save (whether the
      metric improved is only known inside it, so any validation counts).

    The loop type does not enter: the checkpoint hook's ``by_epoch`` alone decides
    where it saves (an epoch-based loop may checkpoint by iteration).

    Args:
        runner: the runner (its ``hooks``, ``iter``, ``epoch``, ``max_iters``,
            ``max_epochs``).
        stage (str): one of ``'after_train_iter'``, ``'after_train_epoch'``,
            ``'after_val_epoch'``.

    Returns:
        bool: True if some checkpoint hook may save at this point.
    """
    if stage not in CHECKPOINT_STAGES:
        raise ValueError(f'stage must be one of {CHECKPOINT_STAGES}, got {stage!r}')
    for hook in _checkpoint_hooks(runner):
        if stage == 'after_val_epoch':
            if hook.save_best is not None:
                return True
        elif stage == 'after_train_iter' and not hook.by_epoch:
            if (hook.every_n_train_iters(runner, hook.interval, hook.save_begin)
                    or (hook.save_last and hook.is_last_train_iter(runner))):
                return True
        elif stage == 'after_train_epoch' and hook.by_epoch:
            if (hook.every_n_epochs(runner, hook.interval, hook.save_begin)
                    or (hook.save_last and hook.is_last_train_epoch(runner))):
                return True
    return False


@HOOKS.register_module()
class MethodStateHook(Hook):
    """Save ``model.method_state_dict()`` as ``checkpoint['method_state']`` and give
    it back to ``model.load_method_state_dict`` on load/resume.

    Checkpoints are written by rank 0 only (mmengine's ``Runner.save_checkpoint``
    and its hooks run on rank 0 alone), so state that lives per rank (e.g. SwAV's
    queues) cannot be gathered while saving. Such models define
    ``sync_method_state()``, a collective that prepares what ``method_state_dict``
    returns on rank 0. Every rank runs it at the stage where a checkpoint is due
    (:func:`checkpoint_due`; this hook's priority is above the checkpoint hook's),
    and at no other iteration or epoch. A checkpoint written elsewhere (a loop
    calling ``runner.save_checkpoint`` itself) must call ``sync_method_state`` on
    every rank first; with more than one process, saving per-rank state that was
    not gathered at this point of the run raises instead of writing stale state.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self) -> None:
        self._synced_at = None  # (epoch, iter) of the last gather

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def _sync_if_due(self, runner, stage: str) -> None:
        sync = getattr(self._model(runner), 'sync_method_state', None)
        if sync is not None and checkpoint_due(runner, stage):
            sync()
            self._synced_at = (runner.epoch, runner.iter)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._sync_if_due(runner, 'after_train_iter')

    def after_train_epoch(self, runner) -> None:
        self._sync_if_due(runner, 'after_train_epoch')

    def after_val_epoch(self, runner, metrics=None) -> None:
        # a best checkpoint is saved from validation during training only
        if runner.built_train_loop is not None:
            self._sync_if_due(runner, 'after_val_epoch')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        model = self._model(runner)
        position = (runner.epoch, runner.iter)
        if (hasattr(model, 'sync_method_state') and world_info()[1] > 1
                and self._synced_at != position):
            raise RuntimeError(
                f'MethodStateHook: a checkpoint is saved at (epoch, iter) = {position}, but '
                f'{type(model).__name__}\'s per-rank state was last gathered at '
                f'{self._synced_at}; call model.sync_method_state() on every rank before '
                'runner.save_checkpoint (MethodStateHook does so only where a CheckpointHook '
                'saves)')
        checkpoint['method_state'] = model.method_state_dict()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'method_state' not in checkpoint:
            raise KeyError('checkpoint has no method_state (banks, queues, pseudo-labels); it '
                           f'was not written by {type(self._model(runner)).__name__} with '
                           'MethodStateHook, so resuming would silently reset that state')
        self._model(runner).load_method_state_dict(checkpoint['method_state'])
