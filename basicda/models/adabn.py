"""AdaBN: re-estimate BatchNorm statistics on unlabelled target images.

Li et al., "Revisiting Batch Normalization For Practical Domain Adaptation",
ICLR-W 2017 (arXiv 1603.04779). The simplest source-free baseline: keep every
weight of the source model, replace each BN layer's running mean and variance by
the statistics of the target data,

    mu_c = E_target[x_c],   sigma_c^2 = Var_target[x_c],

estimated as a cumulative average over the given batches (``momentum=None``).
Every results table reports it: a method that does not beat AdaBN says so.
"""
from typing import Callable, Iterable

import torch
from torch import nn


@torch.no_grad()
def adapt_bn_statistics(model: nn.Module, batches: Iterable, forward: Callable) -> int:
    """Replace the running statistics of every BN layer of ``model`` in place.

    Args:
        model: the network; its weights are not changed.
        batches: iterable of batches of target data (labels unused).
        forward: ``forward(model, batch) -> Tensor`` running the network on one batch.

    Returns:
        The number of batches used. The model is left in eval mode.

    Raises:
        ValueError: the model has no BatchNorm layer, or ``batches`` is empty.
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        raise ValueError('AdaBN needs a model with BatchNorm layers; found none')
    saved = [(bn.momentum, bn.training) for bn in bns]
    model.eval()
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative moving average over all batches
        bn.train()
    n = 0
    try:
        for batch in batches:
            forward(model, batch)
            n += 1
    finally:
        for bn, (momentum, _) in zip(bns, saved):
            bn.momentum = momentum
        model.eval()
    if n == 0:
        raise ValueError('AdaBN got no target batches')
    return n
