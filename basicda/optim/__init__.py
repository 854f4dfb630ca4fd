"""Optimisers mmengine and torch lack, registered in ``OPTIMIZERS``.

``Lars``: timm's LARS (layer-wise trust ratio around SGD with momentum), the
optimiser of SwAV: ``dict(type='Lars', lr=0.6, momentum=0.9, weight_decay=1e-6,
trust_coeff=0.001, trust_clip=False)``.

``SparseRowSGD``: lazy row-sparse momentum for per-sample parameters (LDL's
:math:`\\hat\\lambda`); not a ``torch.optim.Optimizer`` and not registered.
``ldl_lr``: LDL's step rate by epoch at an iteration.
"""
from timm.optim import Lars

from basicda.registry import OPTIMIZERS

from .sparse_row_sgd import SparseRowSGD
from .step_lr import batches_per_epoch, ldl_lr

OPTIMIZERS.register_module(name='Lars', module=Lars)

__all__ = ['Lars', 'SparseRowSGD', 'batches_per_epoch', 'ldl_lr']
