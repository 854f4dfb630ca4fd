"""Row-sparse SGD with lazy momentum, for per-sample parameters such as LDL's
label trust :math:`\\hat\\lambda` (``docs/ldl.md``).

``torch.optim.SGD`` would keep moving every row that ever had velocity; here only
the rows of the current batch are touched, as in the LDL reference:

.. math::
    v_I \\leftarrow \\beta v_I - \\eta g_I, \\qquad \\theta_I \\leftarrow \\theta_I + v_I ,

with duplicate rows of I (a padded distributed sampler repeats samples) summed
first. Rows outside I keep their value and their velocity. There is no dense
option.
"""
from typing import Dict

import torch
from torch import Tensor

__all__ = ['SparseRowSGD']


class SparseRowSGD:
    """Lazy row-sparse momentum SGD on a tensor updated in place.

    Args:
        param (Tensor): (N, ...) parameter rows, updated in place (no autograd).
        lr (float): :math:`\\eta > 0`.
        momentum (float): :math:`\\beta \\in [0, 1)`. Default: 0.
        velocity (Tensor, optional): an existing velocity tensor shaped like
            ``param`` to update in place (e.g. a model buffer); default: zeros.

    Example:
        >>> lam_hat = torch.full((4, 1), 0.5, dtype=torch.float64)
        >>> opt = SparseRowSGD(lam_hat, lr=10, momentum=0.9)
        >>> opt.step(torch.tensor([1, 3]), torch.tensor([0.1, -0.2], dtype=torch.float64))
        >>> lam_hat.reshape(-1).tolist()
        [0.5, -0.5, 0.5, 2.5]
    """

    def __init__(self, param: Tensor, lr: float, momentum: float = 0.0,
                 velocity: Tensor = None):
        if lr <= 0:
            raise ValueError(f'lr must be > 0, got {lr}')
        if not 0 <= momentum < 1:
            raise ValueError(f'momentum must be in [0, 1), got {momentum}')
        self.param = param
        self.lr = float(lr)
        self.momentum = float(momentum)
        if velocity is not None and velocity.shape != param.shape:
            raise ValueError(f'velocity of shape {tuple(velocity.shape)} does not match the '
                             f'parameter {tuple(param.shape)}')
        self.velocity = torch.zeros_like(param) if velocity is None else velocity

    @torch.no_grad()
    def step(self, idx: Tensor, grad: Tensor) -> None:
        """Update the rows ``idx`` (I,) with gradients ``grad`` (I, ...) (reshaped to
        the rows' shape); duplicate indices have their gradients summed."""
        idx = torch.as_tensor(idx, device=self.param.device).long().reshape(-1)
        grad = grad.to(self.param).reshape((idx.numel(),) + tuple(self.param.shape[1:]))
        if idx.numel() == 0:
            return
        if int(idx.min()) < 0 or int(idx.max()) >= self.param.shape[0]:
            raise IndexError(f'row indices must lie in [0, {self.param.shape[0]}), got '
                             f'[{int(idx.min())}, {int(idx.max())}]')
        rows = torch.unique(idx)  # (U,) sorted
        total = torch.zeros_like(self.param).index_add_(0, idx, grad)[rows]  # (U, ...)
        v = self.momentum * self.velocity[rows] - self.lr * total
        self.velocity[rows] = v
        self.param[rows] += v

    def state_dict(self) -> Dict[str, Tensor]:
        """The velocity and hyper-parameters (the parameter is checkpointed by its owner)."""
        return dict(velocity=self.velocity.clone(), lr=self.lr, momentum=self.momentum)

    def load_state_dict(self, state: Dict) -> None:
        velocity = state['velocity']
        if velocity.shape != self.param.shape:
            raise ValueError(f'velocity of shape {tuple(velocity.shape)} does not match the '
                             f'parameter {tuple(self.param.shape)}')
        self.velocity.copy_(velocity)
        self.lr, self.momentum = float(state['lr']), float(state['momentum'])
