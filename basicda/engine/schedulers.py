"""Learning-rate schedules of the source recipes (``docs/source-only.md`` §2.5).

Each schedule is first a pure function of the step (epoch or iteration), so
configs, tests and plots agree on one formula:

* :func:`inv_lr`: the "inv" policy of Caffe used by DANN/CDAN/CRCo, stepped per
  iteration, :math:`\\eta_t = \\eta_0 (1 + \\gamma t)^{-p}`.
* :func:`exp_lr`: per-epoch exponential decay (CluP's source recipe), run by
  mmengine's ``ExponentialLR``.
* :func:`cosine_lr`: cosine annealing without restarts (CluP's student), run by
  mmengine's ``CosineAnnealingLR``.

mmengine has no "inv" scheduler, so :class:`InvLR` adds one. It is written in
closed form (a function of ``last_step`` and the group's initial lr, both in the
scheduler's ``state_dict``), so a resumed run continues on the same curve.
"""
import math
from typing import List

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler

from basicda.registry import PARAM_SCHEDULERS

__all__ = ['inv_lr', 'exp_lr', 'cosine_lr', 'InvLR']


def inv_lr(base_lr: float, t: int, gamma: float = 0.005, power: float = 0.75) -> float:
    r"""Inverse-decay learning rate at 0-based iteration ``t``.

    .. math::
        \eta_t = \eta_0 \, (1 + \gamma t)^{-p}

    Args:
        base_lr (float): :math:`\eta_0`, the group's lr at ``t = 0``.
        t (int): 0-based iteration, ``t >= 0``.
        gamma (float): :math:`\gamma > 0`. Default: 0.005.
        power (float): :math:`p \ge 0`. Default: 0.75.

    Returns:
        float: :math:`\eta_t`.

    Example:
        >>> inv_lr(1e-3, 1000)  # (1 + 5) ** -0.75 * 1e-3
        0.0002608...
    """
    if t < 0:
        raise ValueError(f't must be >= 0, got {t}')
    if gamma <= 0:
        raise ValueError(f'gamma must be > 0, got {gamma}')
    if power < 0:
        raise ValueError(f'power must be >= 0, got {power}')
    return base_lr * (1.0 + gamma * t) ** (-power)


def exp_lr(lr0: float, epoch: int, gamma: float) -> float:
    r"""Exponentially decayed learning rate at 0-based ``epoch``.

    .. math::
        \eta_e = \eta_0 \, \gamma^{e}

    Args:
        lr0 (float): :math:`\eta_0`.
        epoch (int): 0-based epoch :math:`e \ge 0`.
        gamma (float): decay per epoch, :math:`\gamma > 0`.

    Returns:
        float: :math:`\eta_e`. ``exp_lr(0.01, 10, 0.99) = 0.00904382``.
    """
    if epoch < 0:
        raise ValueError(f'epoch must be >= 0, got {epoch}')
    if gamma <= 0:
        raise ValueError(f'gamma must be > 0, got {gamma}')
    return lr0 * gamma ** epoch


def cosine_lr(lr0: float, epoch: int, T: int, eta_min: float = 0.0) -> float:
    r"""Cosine-annealed learning rate at 0-based ``epoch`` (no restarts).

    .. math::
        \eta_e = \eta_{min} + (\eta_0 - \eta_{min}) \, \frac{1 + \cos(\pi e / T)}{2}

    Args:
        lr0 (float): :math:`\eta_0`, the lr at ``e = 0``.
        epoch (int): :math:`0 \le e \le T`.
        T (int): length of the half cosine, :math:`T > 0`.
        eta_min (float): :math:`\eta_{min}`, reached at ``e = T``. Default: 0.

    Returns:
        float: :math:`\eta_e`. ``cosine_lr(0.1, 25, 50) = 0.05``.
    """
    if T <= 0:
        raise ValueError(f'T must be > 0, got {T}')
    if not 0 <= epoch <= T:
        raise ValueError(f'epoch must be in [0, T={T}], got {epoch}')
    return eta_min + (lr0 - eta_min) * (1.0 + math.cos(math.pi * epoch / T)) / 2.0


@PARAM_SCHEDULERS.register_module()
class InvLR(LRSchedulerMixin, _ParamScheduler):
    r"""Inverse-decay ("inv") learning-rate schedule, in closed form.

    Ganin et al., `Unsupervised Domain Adaptation by Backpropagation
    <https://arxiv.org/abs/1409.7495>`_, and CRCo's source recipe.

    .. math::
        \eta_{g,t} = \eta_{g,0} \, (1 + \gamma t)^{-p}

    for every parameter group :math:`g`, where :math:`\eta_{g,0}` is the
    group's ``initial_lr`` (its lr when the scheduler was built, so the 10x head
    groups keep their ratio) and :math:`t` is the 0-based step counted from
    ``begin``: the lr applied at step ``begin + t`` is :func:`inv_lr`
    (:math:`\eta_{g,0}`, t). Because the value is recomputed from ``last_step``
    rather than multiplied on the previous lr, restoring ``state_dict`` resumes
    the same curve; it also means changes made to the lr by someone else are
    overwritten at the next step.

    Args:
        optimizer (Optimizer or OptimWrapper): the optimiser to schedule.
        gamma (float): :math:`\gamma > 0`. Default: 0.005.
        power (float): :math:`p \ge 0`. Default: 0.75.
        begin (int): first step at which the schedule is applied. Default: 0.
        end (int): step at which it stops (exclusive). Default: INF.
        last_step (int): last step taken, for resuming without a state dict.
            Default: -1.
        by_epoch (bool): step per epoch instead of per iteration. The recipe
            steps per iteration. Default: False.
        verbose (bool): log every update. Default: False.
    """

    def __init__(self,
                 optimizer,
                 gamma: float = 0.005,
                 power: float = 0.75,
                 begin: int = 0,
                 end: int = INF,
                 last_step: int = -1,
                 by_epoch: bool = False,
                 verbose: bool = False):
        if gamma <= 0:
            raise ValueError(f'InvLR gamma must be > 0, got {gamma}')
        if power < 0:
            raise ValueError(f'InvLR power must be >= 0, got {power}')
        self.gamma = gamma
        self.power = power
        super().__init__(
            optimizer,
            begin=begin,
            end=end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose)

    @classmethod
    def build_iter_from_epoch(cls, *args, gamma=0.005, begin=0, end=INF, by_epoch=True,
                              epoch_length=None, **kwargs):
        """Build an iteration-based instance from epoch-based arguments
        (``convert_to_iter_based=True``): ``gamma`` is divided by the epoch length
        so that the curve over iterations matches the one over epochs."""
        if not by_epoch:
            raise ValueError('build_iter_from_epoch needs by_epoch=True, got by_epoch=False')
        if epoch_length is None or epoch_length <= 0:
            raise ValueError(f'epoch_length must be a positive integer, got {epoch_length}')
        begin = int(begin * epoch_length)
        if end != INF:
            end = int(end * epoch_length)
        return cls(*args, gamma=gamma / epoch_length, begin=begin, end=end, by_epoch=False,
                   **kwargs)

    def _get_closed_form_lr(self) -> List[float]:
        return [inv_lr(base_lr, self.last_step, self.gamma, self.power)
                for base_lr in self.base_values]

    def _get_value(self) -> List[float]:
        return self._get_closed_form_lr()
