"""Identical buffers on every rank before every evaluation (see also
``DACheckpointHook``, which does the same before every save)."""
from mmengine.hooks import Hook

from basicda.registry import HOOKS

from ..dist import broadcast_buffers


@HOOKS.register_module()
class BroadcastBuffersHook(Hook):
    """Broadcast the model's buffers (BN statistics) from rank 0 before every
    validation and test, so all ranks evaluate the network rank 0 saves
    (:func:`~basicda.engine.dist.broadcast_buffers` says why broadcast, not average).

    Each rank ends a training epoch with BN statistics of its own data shard;
    without this a 2-process validation scores a mixture of networks that no
    checkpoint holds. Named apart from mmengine's ``SyncBuffersHook`` (which
    averages, and only after training epochs) so neither shadows the other.
    A no-op in a single process.
    """

    priority = 'ABOVE_NORMAL'

    def before_val_epoch(self, runner) -> None:
        broadcast_buffers(runner.model)

    def before_test_epoch(self, runner) -> None:
        broadcast_buffers(runner.model)
