"""DDP for algorithms that own their update step.

mmengine's ``MMDistributedDataParallel.train_step`` runs forward -> parse losses
-> ``optim_wrapper.update_params`` itself and never calls the module's
``train_step``. Methods whose step does more (drop some gradients, update queues
after the step, EMA teachers) set ``owns_train_step = True`` and define
``train_step(data, optim_wrapper, ddp=None)``; under DDP they get the wrapper as
``ddp`` and run their forward through it, so gradients are still all-reduced.
Single-process runs call the same ``train_step`` with ``ddp=None``.
"""
from mmengine.model import MMDistributedDataParallel

from basicda.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class MethodDDP(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that hands ``train_step`` to modules owning it."""

    def train_step(self, data, optim_wrapper):
        if getattr(self.module, 'owns_train_step', False):
            return self.module.train_step(data, optim_wrapper, ddp=self)
        return super().train_step(data, optim_wrapper)
