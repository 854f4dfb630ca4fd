"""Learning-rate schedules of the source recipes (``docs/source-only.md`` §2.5).

Each schedule is first a pure function of the step (epoch or iteration), so
configs, tests and plots agree on one formula:

* :func:`inv_lr`: the "inv" policy of Caffe used by DANN/CDAN/CRCo, stepped per
  iteration, :math:`\\eta_t = \\eta_0 (1 + \\gamma t)^{-p}`.
* :func:`exp_lr`: per-epoch exponential decay (CluP's source recipe), run by
  mmengine's ``ExponentialLR``.
* :func:`cosine_lr`: cosine annealing without restarts (CluP's student), run by
  mmengine's ``CosineAnnealingLR``.

* :func:`simclr_lr`: SimCLR pre-training's per-epoch cosine with a per-iteration linear
  warm-up (``docs/active-learning.md`` §7.3), run by :class:`SimCLRLR`.

mmengine has no "inv" scheduler, so :class:`InvLR` adds one. It is written in
closed form (a function of ``last_step`` and the group's initial lr, both in the
scheduler's ``state_dict``), so a resumed run continues on the same curve.
"""
import math
from typing import List

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler

from basicda.registry import PARAM_SCHEDULERS

__all__ = ['inv_lr', 'exp_lr', 'cosine_lr', 'InvLR', 'simclr_lr', 'SimCLRLR']


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


def _iter_span(begin, end, by_epoch: bool, epoch_length) -> tuple:
    """``(begin, end)`` of an epoch-based scheduler config in iterations
    (``convert_to_iter_based=True``), after checking ``by_epoch`` and ``epoch_length``."""
    if not by_epoch:
        raise ValueError('build_iter_from_epoch needs by_epoch=True, got by_epoch=False')
    if epoch_length is None or epoch_length <= 0:
        raise ValueError(f'epoch_length must be a positive integer, got {epoch_length}')
    return int(begin * epoch_length), (end if end == INF else int(end * epoch_length))


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
        begin, end = _iter_span(begin, end, by_epoch, epoch_length)
        return cls(*args, gamma=gamma / epoch_length, begin=begin, end=end, by_epoch=False,
                   **kwargs)

    def _get_closed_form_lr(self) -> List[float]:
        return [inv_lr(base_lr, self.last_step, self.gamma, self.power)
                for base_lr in self.base_values]

    def _get_value(self) -> List[float]:
        return self._get_closed_form_lr()


def simclr_lr(epoch: int, it: int, n_b: int, lr: float = 0.5, epochs: int = 1000,
              warm_epochs: int = 10, warm_from: float = 0.01, min_ratio: float = 1e-3) -> float:
    r"""SimCLR pre-training lr at 1-based ``epoch`` and 0-based iteration ``it`` of it.

    Cosine per epoch, :math:`\eta_e = \eta_{min} + (\eta - \eta_{min})(1 + \cos(\pi e/E))/2`
    with :math:`\eta_{min} = \eta \cdot` ``min_ratio``; during the first ``warm_epochs``
    epochs a per-iteration ramp :math:`w + q(\eta_{W} - w)`, :math:`q = (it + (e-1) n_b) /
    (W n_b)`, from ``warm_from`` towards the cosine value of epoch W.

    Args:
        epoch: e in [1, E]. it: in [0, n_b). n_b: iterations per epoch (the last partial
            batch counts). lr: η. epochs: E. warm_epochs: W (0: no warm-up).
        warm_from: w, the lr of the first iteration. min_ratio: η_min / η.

    Returns:
        float: the lr. ``simclr_lr(1, 1, 29) = 0.01168923``, ``simclr_lr(500, 0, 29) =
        0.25025``, ``simclr_lr(1000, 0, 29) = 0.0005``.
    """
    if not 1 <= epoch <= epochs:
        raise ValueError(f'epoch must be in [1, {epochs}], got {epoch}')
    if n_b < 1 or not 0 <= it < n_b:
        raise ValueError(f'need n_b >= 1 and 0 <= it < n_b, got it={it}, n_b={n_b}')
    eta_min = lr * min_ratio

    def cosine(e):
        return eta_min + (lr - eta_min) * (1.0 + math.cos(math.pi * e / epochs)) / 2.0

    if epoch <= warm_epochs:
        q = (it + (epoch - 1) * n_b) / (warm_epochs * n_b)
        return warm_from + q * (cosine(warm_epochs) - warm_from)
    return cosine(epoch)


@PARAM_SCHEDULERS.register_module()
class SimCLRLR(LRSchedulerMixin, _ParamScheduler):
    """:func:`simclr_lr` per iteration, in closed form of ``last_step`` (so a resumed run
    continues on the same curve), for every group with its ``initial_lr`` as η.

    Configure it per epoch with ``convert_to_iter_based=True`` (the epoch length n_b
    then comes from the train dataloader)::

        dict(type='SimCLRLR', epochs=E, warm_epochs=10, warm_from=0.01,
             by_epoch=True, convert_to_iter_based=True)

    Args:
        epochs: E. warm_epochs, warm_from, min_ratio: as :func:`simclr_lr`.
        epoch_length: n_b (set by ``build_iter_from_epoch``).
        Steps past E epochs keep the last epoch's lr.
    """

    def __init__(self, optimizer, epochs: int, epoch_length: int, warm_epochs: int = 10,
                 warm_from: float = 0.01, min_ratio: float = 1e-3, begin: int = 0,
                 end: int = INF, last_step: int = -1, by_epoch: bool = False,
                 verbose: bool = False):
        if by_epoch:
            raise ValueError('SimCLRLR steps per iteration: configure it with by_epoch=True '
                             'and convert_to_iter_based=True')
        if epochs < 1 or epoch_length < 1 or not 0 <= warm_epochs <= epochs:
            raise ValueError(f'SimCLRLR needs epochs >= 1, epoch_length >= 1 and 0 <= '
                             f'warm_epochs <= epochs; got {epochs}, {epoch_length}, {warm_epochs}')
        self.epochs, self.n_b = int(epochs), int(epoch_length)
        self.warm_epochs, self.warm_from, self.min_ratio = int(warm_epochs), warm_from, min_ratio
        super().__init__(optimizer, begin=begin, end=end, last_step=last_step,
                         by_epoch=by_epoch, verbose=verbose)

    @classmethod
    def build_iter_from_epoch(cls, *args, begin=0, end=INF, by_epoch=True, epoch_length=None,
                              **kwargs):
        """The iteration-based instance of an epoch-based config (n_b = ``epoch_length``)."""
        begin, end = _iter_span(begin, end, by_epoch, epoch_length)
        return cls(*args, epoch_length=epoch_length, begin=begin, end=end, by_epoch=False,
                   **kwargs)

    def _get_value(self) -> List[float]:
        step = max(self.last_step, 0)
        epoch, it = min(step // self.n_b + 1, self.epochs), step % self.n_b
        return [simclr_lr(epoch, it, self.n_b, base_lr, self.epochs, self.warm_epochs,
                          self.warm_from, self.min_ratio) for base_lr in self.base_values]
