"""Record the network architecture in checkpoint ``meta`` and check it on load.

Some architectures differ only in shapes that load without error (the SwAV
stride-1 stem has the standard conv1 weight shape), so a checkpoint could
silently reload into the wrong network; the recorded ``meta['arch']`` makes that
an error.
"""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from basicda.registry import HOOKS

ARCH_KEYS = ('backbone', 'stem', 'head', 'feature_dim', 'num_classes')


def check_arch(expected: dict, found: dict, source: str = 'checkpoint') -> None:
    """Raise ``ValueError`` naming the first architecture field that differs."""
    for key in ARCH_KEYS:
        if key in expected and key in found and expected[key] != found[key]:
            raise ValueError(f'{source} was saved with {key}={found[key]!r} but the model '
                             f'built from the config has {key}={expected[key]!r}; '
                             'fix the config or pick the matching checkpoint')


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
            check_arch(arch, found)
