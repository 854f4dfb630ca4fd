"""Optimiser constructor that leaves frozen parameters out of the optimiser.

mmengine's ``DefaultOptimWrapperConstructor`` puts every parameter of the model
in a group, ``requires_grad=False`` ones included. EERCL's frozen classifier and
its EMA teacher must not be in the optimiser at all (no weight decay, no
momentum state, nothing to resume). With a ``paramwise_cfg`` mmengine also logs one
warning per frozen parameter (66 for a ResNet-50 EERCL); they are expected here, so they
are folded into one line that says how many were left out.
"""
import logging

from mmengine.logging import MMLogger, print_log
from mmengine.optim import DefaultOptimWrapperConstructor

from ferda.registry import OPTIM_WRAPPER_CONSTRUCTORS

__all__ = ['TrainableParamsOptimWrapperConstructor']


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TrainableParamsOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """``DefaultOptimWrapperConstructor`` minus every ``requires_grad=False`` parameter.

    Same arguments (``optim_wrapper_cfg``, ``paramwise_cfg``).
    """

    def __call__(self, model):
        frozen = _DropSkippedFrozen()
        logger = MMLogger.get_current_instance()
        logger.addFilter(frozen)
        try:
            optim_wrapper = super().__call__(model)
        finally:
            logger.removeFilter(frozen)
        num_frozen = sum(1 for p in model.parameters() if not p.requires_grad)
        if num_frozen:
            print_log(f'{type(self).__name__}: {num_frozen} parameter tensor(s) with '
                      'requires_grad=False (frozen classifier, EMA teacher) are left out of '
                      'the optimiser', logger='current')
        optimizer = optim_wrapper.optimizer
        groups = []
        for group in optimizer.param_groups:
            group['params'] = [p for p in group['params'] if p.requires_grad]
            if group['params']:
                groups.append(group)
        if not groups:
            raise ValueError('TrainableParamsOptimWrapperConstructor: the model has no '
                             'parameter with requires_grad=True')
        optimizer.param_groups[:] = groups
        return optim_wrapper


class _DropSkippedFrozen(logging.Filter):
    """Drops mmengine's per-parameter "is skipped since its requires_grad=False" warnings."""

    MESSAGE = 'is skipped since its requires_grad=False'

    def filter(self, record: logging.LogRecord) -> bool:
        return self.MESSAGE not in record.getMessage()
