"""Kullback-Leibler divergence between rows of distributions (``docs/ldl.md`` §7: how far a
training target is from the distribution a sample was generated from)."""
import numpy as np

__all__ = ['kl_divergence']


def kl_divergence(p, q, eps: float = 1e-10) -> np.ndarray:
    r"""Row-wise :math:`\mathrm{KL}(p \,\|\, q)` in nats, float64.

    .. math::
        \mathrm{KL}(p_i \,\|\, q_i) = \sum_{c:\, p_{ic} > 0} p_{ic}
            \left(\log p_{ic} - \log(q_{ic} + \epsilon)\right)

    Terms with :math:`p_{ic} = 0` are 0 (:math:`0 \log 0 = 0`); :math:`\epsilon` keeps a zero
    of ``q`` where ``p`` has mass finite (:math:`p_{ic}\log(p_{ic}/\epsilon)`, about
    :math:`23 p_{ic}` nats at the default, LDL's cross-entropy :math:`\epsilon`), so
    :math:`\mathrm{KL} = \mathrm{CE}_\epsilon(p, q) - H(p)`. Rows are used as given (not
    renormalised).

    Args:
        p: (N, C) or (C,) distributions, >= 0.
        q: same shape, >= 0.
        eps (float): :math:`\epsilon \ge 0`. Default: 1e-10.

    Returns:
        np.ndarray: (N,) (a 0-d value for (C,) inputs).

    Raises:
        ValueError: shapes differ, a negative or non-finite entry, or ``eps < 0``.

    Example:
        >>> # 0.7 ln 1.4 + 0.3 ln 0.6
        >>> round(float(kl_divergence([0.7, 0.3, 0.0], [0.5, 0.5, 0.0])), 8)
        0.08228288
        >>> round(float(kl_divergence([0.7, 0.3], [1.0, 0.0])), 8)  # 0.7 ln 0.7 + 0.3 ln(0.3/1e-10)
        6.29689098
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.shape != q.shape or p.ndim not in (1, 2):
        raise ValueError(f'kl_divergence: p and q must both be (N, C) or (C,), got '
                         f'{p.shape} and {q.shape}')
    for name, x in (('p', p), ('q', q)):
        if not np.isfinite(x).all() or (x < 0).any():
            raise ValueError(f'kl_divergence: {name} must be finite and >= 0')
    if eps < 0:
        raise ValueError(f'kl_divergence: eps must be >= 0, got {eps}')
    mass = p > 0
    safe_p = np.where(mass, p, 1.0)
    # q + eps = 0 under p's mass gives +inf, as it should; 0 * inf outside it is masked
    with np.errstate(divide='ignore', invalid='ignore'):
        terms = np.where(mass, p * (np.log(safe_p) - np.log(q + eps)), 0.0)
    return terms.sum(-1)
