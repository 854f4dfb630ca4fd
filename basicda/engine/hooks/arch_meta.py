"""Record the network architecture in checkpoint ``meta`` and check it on load.

Some architectures differ only in shapes that load without error (the SwAV
stride-1 stem has the standard conv1 weight shape), so a checkpoint could
silently reload into the wrong network; the recorded ``meta['arch']`` makes that
an error.
"""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from basicda.models.backbones import check_arch_meta
from basicda.registry import HOOKS


@HOOKS.register_module()
class ArchMetaHook(Hook):
    """Write ``model.arch_meta`` to ``checkpoint['meta']['arch']``; on load, check it."""

    priority = 'VERY_HIGH'

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        arch = getattr(self._model(runner), 'arch_meta', None)
        if arch is not None:
            checkpoint.setdefault('meta', {})['arch'] = dict(arch)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        arch = getattr(self._model(runner), 'arch_meta', None)
        found = checkpoint.get('meta', {}).get('arch')
        if arch is not None and found is not None:
            check_arch_meta(arch, found)
