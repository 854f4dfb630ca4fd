"""Mean teacher: an exponential moving average of the student's parameters.

`Mean teachers are better role models <https://arxiv.org/abs/1703.01780>`_
(Tarvainen & Valpola, NeurIPS 2017). The teacher :math:`\\xi` follows the
student :math:`\\theta` by

.. math::
    \\xi \\leftarrow m\\,\\xi + (1 - m)\\,\\theta

over **parameters only** (``docs/eercl.md`` §2.1). Buffers (BN running
statistics) are left alone: the teacher's change only through its own
train-mode forwards. mmengine's ``ExponentialMovingAverage`` is not used
because its ``momentum`` means :math:`1 - m` and it copies buffers.

The teacher is an ordinary ``nn.Module`` owned by the algorithm model, so
``.to()``, ``state_dict`` and checkpoints follow it.
"""
import copy

import torch
from torch import nn

__all__ = ['make_teacher', 'ema_update_']


def make_teacher(student: nn.Module) -> nn.Module:
    """A deep copy of ``student`` whose parameters do not require gradients.

    The copy has the student's parameters, buffers and train/eval mode. It is
    updated only by :func:`ema_update_`, never by an optimiser.

    Args:
        student (nn.Module): the network to follow (not a DDP wrapper: pass
            ``model.module`` so parameter names match).

    Returns:
        nn.Module: the teacher.

    Example:
        >>> teacher = make_teacher(nn.Linear(2, 1))
        >>> any(p.requires_grad for p in teacher.parameters())
        False
    """
    if not isinstance(student, nn.Module):
        raise TypeError(f'student must be an nn.Module, got {type(student).__name__}')
    teacher = copy.deepcopy(student)
    for param in teacher.parameters():
        param.requires_grad_(False)
    return teacher


def _check_same_parameters(teacher: dict, student: dict) -> None:
    """Same parameter names and shapes, or an error naming the first differences."""
    missing = sorted(set(student) - set(teacher))
    unexpected = sorted(set(teacher) - set(student))
    if missing or unexpected:
        raise KeyError(f'teacher and student parameters differ: in the student only '
                       f'{missing[:5]}, in the teacher only {unexpected[:5]} '
                       f'({len(missing)} and {len(unexpected)} names); build the teacher with '
                       f'make_teacher(student) and pass the unwrapped student (DDP: .module)')
    for name, param in teacher.items():
        if param.shape != student[name].shape:
            raise ValueError(f'parameter {name!r} has shape {tuple(param.shape)} in the teacher '
                             f'but {tuple(student[name].shape)} in the student')


@torch.no_grad()
def ema_update_(teacher: nn.Module, student: nn.Module, decay: float) -> None:
    r"""In place: :math:`\xi \leftarrow m\,\xi + (1 - m)\,\theta` for every parameter.

    Written as ``xi.lerp_(theta, 1 - m)``, i.e. :math:`\xi + (1 - m)(\theta - \xi)`,
    which is the same average but leaves :math:`\xi` bit-identical when
    :math:`\xi = \theta`: a frozen layer (EERCL's classifier) stays exactly
    constant over thousands of updates instead of drifting by rounding.
    Buffers are not touched. Runs without autograd.

    Args:
        teacher (nn.Module): :math:`\xi`, updated in place.
        student (nn.Module): :math:`\theta`, read only; same parameter names and
            shapes as the teacher.
        decay (float): :math:`m \in [0, 1]`; 1 keeps the teacher, 0 copies the
            student.

    Example:
        >>> teacher, student = nn.Linear(2, 1, bias=False), nn.Linear(2, 1, bias=False)
        >>> teacher.weight.data = torch.tensor([[1., 2.]])
        >>> student.weight.data = torch.tensor([[3., 4.]])
        >>> ema_update_(teacher, student, 0.99)
        >>> teacher.weight.data
        tensor([[1.0200, 2.0200]])
    """
    if isinstance(decay, bool) or not isinstance(decay, (int, float)):
        raise TypeError(f'decay must be a float, got {type(decay).__name__}')
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f'decay must be in [0, 1], got {decay}')
    teacher_params = dict(teacher.named_parameters())
    student_params = dict(student.named_parameters())
    _check_same_parameters(teacher_params, student_params)
    weight = 1.0 - float(decay)
    for name, xi in teacher_params.items():
        xi.lerp_(student_params[name].to(dtype=xi.dtype), weight)
