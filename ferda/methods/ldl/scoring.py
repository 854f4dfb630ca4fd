"""LDL's scoring network: a learned neighbour weight from the anchor's and the
neighbour's features (``docs/ldl.md`` §2.3)."""
import math

import torch
from torch import Tensor, nn

from ferda.registry import MODELS

__all__ = ['ScoringNet', 'SCORING_NORMS']

SCORING_NORMS = ('bn', 'none')


@MODELS.register_module()
class ScoringNet(nn.Module):
    r"""s_ij = sigmoid(max(MLP([h_i; h_j]), c)), the MLP
    Linear(2D, 512) -> BN -> ReLU -> Linear(512, 256) -> BN -> ReLU -> Linear(256, 1).

    Hidden layers use He-normal weights, the output layer Glorot-uniform, biases 0.
    BN runs over the B K pair rows with eps 1e-3 and momentum 0.01 (the Keras
    defaults of the reference). The clamp :math:`c` = ``clamp`` (-1.3) bounds the
    score below by :math:`\sigma(c)` = 0.214165, which keeps the weighted neighbour
    average of the target well defined; no gradient flows below the clamp.

    Args:
        feature_dim (int): D. hidden (tuple[int, int]): (512, 256).
        clamp (float): :math:`c`. Default: -1.3.
        norm (str): ``'bn'`` or ``'none'`` (identity; BN-free tests). Default: ``'bn'``.

    Shape:
        - anchor: (B, D); neighbours: (B, K, D). Output: (B, K) in [σ(c), 1).
    """

    def __init__(self, feature_dim: int = 512, hidden=(512, 256), clamp: float = -1.3,
                 norm: str = 'bn') -> None:
        super().__init__()
        if norm not in SCORING_NORMS:
            raise ValueError(f'norm must be one of {SCORING_NORMS}, got {norm!r}')
        self.clamp = float(clamp)
        layers, width = [], 2 * feature_dim
        for out in hidden:
            linear = nn.Linear(width, out)
            nn.init.kaiming_normal_(linear.weight, nonlinearity='relu')
            nn.init.zeros_(linear.bias)
            norm_layer = (nn.BatchNorm1d(out, eps=1e-3, momentum=0.01) if norm == 'bn'
                          else nn.Identity())
            layers += [linear, norm_layer, nn.ReLU(inplace=True)]
            width = out
        last = nn.Linear(width, 1)
        nn.init.xavier_uniform_(last.weight)
        nn.init.zeros_(last.bias)
        self.mlp = nn.Sequential(*layers, last)

    def forward(self, anchor: Tensor, neighbours: Tensor) -> Tensor:
        b, k, d = neighbours.shape
        if anchor.shape != (b, d):
            raise ValueError(f'anchor must be (B, D) = ({b}, {d}) for neighbours of shape '
                             f'{tuple(neighbours.shape)}, got {tuple(anchor.shape)}')
        pairs = torch.cat([anchor[:, None, :].expand(b, k, d), neighbours], dim=-1)  # (B, K, 2D)
        logit = self.mlp(pairs.reshape(b * k, 2 * d)).reshape(b, k)
        return torch.sigmoid(torch.clamp(logit, min=self.clamp))

    @property
    def min_score(self) -> float:
        return 1.0 / (1.0 + math.exp(-self.clamp))
