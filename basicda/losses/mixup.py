"""Mixup (Zhang et al., ICLR 2018) with CluP's ``mixaug`` term, and a soft-target KL.

`mixup: Beyond Empirical Risk Minimization <https://arxiv.org/abs/1710.09412>`_.

Training on convex combinations of image pairs, with the same combination of
their targets, regularises the student that CluP fine-tunes on its
pseudo-labelled subset (``docs/clup.md`` §2.8). The random draws are split from
the math: :func:`sample_mixup` takes explicit generators (λ from one seeded by
(seed, global step), identical on every rank; the permutation from a per-rank
one), and :func:`mixup` / :func:`mixup_loss` are deterministic.
"""
from typing import Callable, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['mixup_lambda_generator', 'sample_mixup', 'mixup', 'mixup_loss', 'soft_target_kl',
           'mixup_off', 'mixaug_weight']


def mixup_lambda_generator(seed: int, step: int) -> torch.Generator:
    """A CPU generator for λ seeded by ``(seed, step)``: the same on every rank.

    The pair is hashed by NumPy's ``SeedSequence``, so neighbouring steps and
    seeds get unrelated streams, and a resumed run draws what it would have
    drawn, without saved generator state.

    Args:
        seed (int): run seed (>= 0).
        step (int): global iteration (>= 0).

    Returns:
        torch.Generator: freshly seeded.

    Example:
        >>> a = sample_mixup(4, 0.2, mixup_lambda_generator(1234, 7))[0]
        >>> a == sample_mixup(4, 0.2, mixup_lambda_generator(1234, 7))[0]
        True
    """
    if seed < 0 or step < 0:
        raise ValueError(f'seed and step must be >= 0, got seed={seed}, step={step}')
    state = np.random.SeedSequence([int(seed), int(step)]).generate_state(1, dtype=np.uint64)[0]
    return torch.Generator().manual_seed(int(state) >> 1)  # manual_seed takes < 2**63


def mixup_perm_generator(seed: int, step: int, rank: int) -> torch.Generator:
    """A CPU generator for the permutation of ``rank`` at ``step``.

    Each rank mixes within its own local batch, so its stream differs per rank;
    seeded by ``(seed, step, rank)`` like :func:`mixup_lambda_generator` (a
    different stream from it), so a resumed run needs no saved generator state.
    """
    if seed < 0 or step < 0 or rank < 0:
        raise ValueError(f'seed, step and rank must be >= 0, got {seed}, {step}, {rank}')
    state = np.random.SeedSequence([int(seed), int(step), int(rank), 1]).generate_state(
        1, dtype=np.uint64)[0]
    return torch.Generator().manual_seed(int(state) >> 1)


def mixup_off(alpha: Optional[float], zero_means_swap: bool = False) -> bool:
    """Whether mixup is switched off: ``alpha`` None or negative, or 0 unless
    ``zero_means_swap`` (the reference's :math:`\\alpha = 0`, a swap of partners).

    Example:
        >>> mixup_off(None), mixup_off(-1.0), mixup_off(0.0), mixup_off(0.0, True), mixup_off(.2)
        (True, True, True, False, False)
    """
    return alpha is None or alpha < 0 or (alpha == 0 and not zero_means_swap)


def mixaug_weight(alpha: Optional[float], beta: float, zero_means_swap: bool = False) -> float:
    """The ``mixaug`` weight :math:`\\beta` of :func:`mixup_loss` in effect: 0 when
    mixup is off (:func:`mixup_off`), as in the reference, which then trains on the
    plain loss without the :math:`\\beta` term (``docs/clup.md``).

    Example:
        >>> mixaug_weight(-1.0, 0.5), mixaug_weight(0.2, 0.5)
        (0.0, 0.5)
    """
    return 0.0 if mixup_off(alpha, zero_means_swap) else float(beta)


def sample_mixup(batch_size: int, alpha: Optional[float], generator: torch.Generator,
                 perm_generator: Optional[torch.Generator] = None,
                 zero_means_swap: bool = False) -> Tuple[float, Tensor]:
    r"""Draw :math:`\lambda \sim \mathrm{Beta}(\alpha, \alpha)` and a batch permutation :math:`\pi`.

    :math:`\lambda = X / (X + Y)` with :math:`X, Y \sim \Gamma(\alpha, 1)` drawn
    from ``generator`` (``torch.distributions`` takes no generator); :math:`\pi`
    is ``randperm(B)`` from ``perm_generator``. ``alpha`` of ``None`` or
    :math:`\le 0` turns mixup off: :math:`\lambda = 1`, :math:`\pi` the identity.
    ``zero_means_swap=True`` emulates the reference, where :math:`\alpha = 0`
    gave :math:`\lambda = 0` (the permuted batch).

    Args:
        batch_size (int): :math:`B` (local batch).
        alpha (float, optional): Beta concentration :math:`\alpha`.
        generator (torch.Generator): source of :math:`\lambda` (see
            :func:`mixup_lambda_generator`).
        perm_generator (torch.Generator, optional): source of :math:`\pi`; its
            device is the permutation's. Default: ``generator``.
        zero_means_swap (bool): the reference's :math:`\alpha = 0` behaviour.
            Default: False.

    Shape:
        - Output: ``(lam, perm)``: a float in :math:`[0, 1]` and a :math:`(B,)` int64
          permutation.

    Example:
        >>> sample_mixup(3, None, torch.Generator().manual_seed(0))
        (1.0, tensor([0, 1, 2]))
    """
    if batch_size < 0:
        raise ValueError(f'batch_size must be >= 0, got {batch_size}')
    perm_generator = generator if perm_generator is None else perm_generator
    device = perm_generator.device
    if zero_means_swap and alpha == 0:
        return 0.0, torch.randperm(batch_size, generator=perm_generator, device=device)
    if mixup_off(alpha):
        return 1.0, torch.arange(batch_size, device=device)
    concentration = torch.full((2,), float(alpha), dtype=torch.float64,
                               device=generator.device)
    x, y = torch._standard_gamma(concentration, generator=generator).tolist()
    lam = x / (x + y) if x + y > 0 else 0.5  # both underflow only for tiny alpha
    return lam, torch.randperm(batch_size, generator=perm_generator, device=device)


def mixup(x: Tensor, y: Tensor, lam: float, perm: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    r"""Mix every input with its partner :math:`\pi(i)`.

    .. math::
        \tilde x = \lambda x + (1 - \lambda)\, x[\pi], \quad y_a = y, \quad y_b = y[\pi].

    Args:
        x (Tensor): inputs (images or features).
        y (Tensor): targets: class indices or soft labels.
        lam (float): :math:`\lambda \in [0, 1]`.
        perm (Tensor): permutation :math:`\pi` of the batch, int64.

    Shape:
        - x: :math:`(B, *)`; y: :math:`(B,)` or :math:`(B, C)`; perm: :math:`(B,)`.
        - Output: ``(x_mix, y_a, y_b)`` shaped like ``x``, ``y``, ``y``.

    Example:
        >>> mixup(torch.tensor([[1., 0.], [0., 1.]]), torch.tensor([0, 1]), 0.7,
        ...       torch.tensor([1, 0]))[0]
        tensor([[0.7000, 0.3000],
                [0.3000, 0.7000]])
    """
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f'lam must be in [0, 1], got {lam}')
    if perm.shape != (x.shape[0],) or y.shape[0] != x.shape[0]:
        raise ValueError(f'x, y and perm must share the batch size, got shapes '
                         f'{tuple(x.shape)}, {tuple(y.shape)} and {tuple(perm.shape)}')
    x_mix = lam * x + (1.0 - lam) * x[perm]
    return x_mix, y, y[perm]


def soft_target_kl(logits: Tensor, q: Tensor) -> Tensor:
    r"""Batch-mean KL divergence from the soft targets to the predictions.

    .. math::
        L = \frac{1}{B} \sum_{i=1}^{B} \sum_{c=1}^{C} q_{ic}
            \big(\log q_{ic} - \log \mathrm{softmax}(o_i)_c\big), \qquad 0 \log 0 = 0 .

    Equals ``F.kl_div(log_softmax(o), q, reduction='batchmean')``.

    Args:
        logits (Tensor): :math:`o`.
        q (Tensor): target distributions (rows sum to 1).

    Shape:
        - logits, q: :math:`(B, C)`.
        - Output: scalar.

    Example:
        >>> soft_target_kl(torch.tensor([[0., 0.], [1.0986123, 0.]]),
        ...                torch.tensor([[.5, .5], [1., 0.]]))
        tensor(0.1438)
    """
    if logits.dim() != 2 or q.shape != logits.shape:
        raise ValueError(f'logits and q must both have shape (B, C), got {tuple(logits.shape)} '
                         f'and {tuple(q.shape)}')
    log_probs = F.log_softmax(logits, dim=1)  # (B, C)
    q = q.to(log_probs.dtype)
    return (torch.special.xlogy(q, q) - q * log_probs).sum(dim=1).mean()


def mixup_loss(logits: Tensor, y_a: Tensor, y_b: Tensor, lam: float, beta: float = 0.0,
               criterion: Optional[Callable[[Tensor, Tensor], Tensor]] = None) -> Tensor:
    r"""Mixup objective with CluP's ``mixaug`` term.

    On the logits of the *mixed* batch, :math:`o = f(\tilde x)`:

    .. math::
        L = \lambda\, \ell(o, y_a) + (1 - \lambda)\, \ell(o, y_b) + \beta\, \ell(o, y_a),

    :math:`\beta` = ``mixaug_alpha``. The :math:`\beta` term weights the
    un-permuted target on the mixed input, not on a clean image.

    Args:
        logits (Tensor): :math:`o = f(\tilde x)`.
        y_a (Tensor): targets of the batch (class indices or soft labels).
        y_b (Tensor): targets of the partners, :math:`y[\pi]`.
        lam (float): :math:`\lambda \in [0, 1]`.
        beta (float): :math:`\beta \ge 0`. Default: 0.
        criterion (callable, optional): :math:`\ell(o, y)` -> scalar. Default:
            mean cross-entropy without smoothing for int64 targets,
            :func:`soft_target_kl` for float :math:`(B, C)` targets.

    Shape:
        - logits: :math:`(B, C)`; y_a, y_b: :math:`(B,)` int64 or :math:`(B, C)`.
        - Output: scalar.

    Example:
        >>> mixup_loss(torch.tensor([[2., 0.], [0., 0.]]), torch.tensor([0, 1]),
        ...            torch.tensor([1, 0]), 0.7)
        tensor(0.7100)
    """
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f'lam must be in [0, 1], got {lam}')
    if beta < 0:
        raise ValueError(f'beta must be >= 0, got {beta}')
    if y_a.shape != y_b.shape:
        raise ValueError(f'y_a and y_b must have the same shape, got {tuple(y_a.shape)} and '
                         f'{tuple(y_b.shape)}')
    if criterion is None:
        criterion = soft_target_kl if y_a.dtype.is_floating_point else F.cross_entropy
    loss_a = criterion(logits, y_a)
    loss = lam * loss_a + (1.0 - lam) * criterion(logits, y_b)
    if beta:
        loss = loss + beta * loss_a
    return loss
