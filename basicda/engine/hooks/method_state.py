"""Method state (banks, queues, pseudo-labels, teachers) in the checkpoint."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from basicda.registry import HOOKS


@HOOKS.register_module()
class MethodStateHook(Hook):
    """Save ``model.method_state_dict()`` as ``checkpoint['method_state']`` and give
    it back to ``model.load_method_state_dict`` on load/resume.

    Checkpoints are written by rank 0 only, so state that lives per rank (e.g.
    SwAV's queues) cannot be gathered while saving. Such models define
    ``sync_method_state()``, a collective that every rank runs at the end of each
    epoch (this hook's priority is above the checkpoint hook's) and that prepares
    what ``method_state_dict`` returns on rank 0.
    """

    priority = 'ABOVE_NORMAL'

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def after_train_epoch(self, runner) -> None:
        sync = getattr(self._model(runner), 'sync_method_state', None)
        if sync is not None:
            sync()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        # iteration-based runs checkpoint inside the epoch
        if not runner.train_loop.__class__.__name__.startswith('Iter'):
            return
        sync = getattr(self._model(runner), 'sync_method_state', None)
        if sync is not None:
            sync()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['method_state'] = self._model(runner).method_state_dict()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'method_state' not in checkpoint:
            raise KeyError('checkpoint has no method_state (banks, queues, pseudo-labels); it '
                           f'was not written by {type(self._model(runner)).__name__} with '
                           'MethodStateHook, so resuming would silently reset that state')
        self._model(runner).load_method_state_dict(checkpoint['method_state'])
