"""Optimiser constructor that leaves frozen parameters out of the optimiser.

mmengine's ``DefaultOptimWrapperConstructor`` puts every parameter of the model
in a group, ``requires_grad=False`` ones included. EERCL's frozen classifier and
its EMA teacher must not be in the optimiser at all (no weight decay, no
momentum state, nothing to resume).
"""
from mmengine.optim import DefaultOptimWrapperConstructor

from ferda.registry import OPTIM_WRAPPER_CONSTRUCTORS

__all__ = ['TrainableParamsOptimWrapperConstructor']


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TrainableParamsOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """``DefaultOptimWrapperConstructor`` minus every ``requires_grad=False`` parameter.

    Same arguments (``optim_wrapper_cfg``, ``paramwise_cfg``).
    """

    def __call__(self, model):
        optim_wrapper = super().__call__(model)
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
