"""Classification heads of the source recipes (``docs/source-only.md`` §2.2).

Both heads map backbone features :math:`f \\in \\mathbb{R}^{B \\times D}` to logits
and expose the same surface:

* ``forward(feats) -> logits`` :math:`(B, C)`;
* ``forward_features(feats)``: the pre-logit feature the SFDA methods use
  (:math:`z` for :class:`BottleneckWNHead`, the hidden layer for
  :class:`MLPClsHead`, :math:`f` itself for :class:`LinearClsHead`), of width
  ``feature_dim``;
* the classifier is ``self.fc``.

Weight norm uses ``torch.nn.utils.parametrizations.weight_norm``, whose state
dict keys are ``fc.parametrizations.weight.original0`` (:math:`g`, shape
``(C, 1)``) and ``...original1`` (:math:`v`, shape ``(C, K)``). Its own
load-state-dict pre-hook already maps the keys of the deprecated
``torch.nn.utils.weight_norm`` (``fc.weight_g`` / ``fc.weight_v``), so
``head.load_state_dict(legacy)`` works; :func:`map_legacy_weight_norm_keys`
does the same rename on a plain dict (e.g. to convert a reference checkpoint
file, or before a loader that checks key names itself).
"""
from typing import Dict, Mapping

from torch import Tensor, nn
from torch.nn.utils import parametrizations

from basicda.registry import MODELS

__all__ = ['LinearClsHead', 'MLPClsHead', 'BottleneckWNHead', 'map_legacy_weight_norm_keys']

_LEGACY_SUFFIXES = {
    'weight_g': 'parametrizations.weight.original0',
    'weight_v': 'parametrizations.weight.original1',
}


def map_legacy_weight_norm_keys(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Rename ``<prefix>weight_g``/``<prefix>weight_v`` to the parametrisation keys.

    ``<prefix>weight_g`` becomes ``<prefix>parametrizations.weight.original0`` and
    ``<prefix>weight_v`` becomes ``<prefix>parametrizations.weight.original1``; the
    tensors (shapes ``(C, 1)`` and ``(C, K)`` for ``dim=0``) are unchanged. Other keys
    pass through. Returns a new dict and leaves the input untouched.

    Raises:
        ValueError: both the legacy and the new key of one weight are present.
    """
    out: Dict[str, Tensor] = {}
    for key, value in state_dict.items():
        head, _, last = key.rpartition('.')
        if last in _LEGACY_SUFFIXES:
            new_key = (head + '.' if head else '') + _LEGACY_SUFFIXES[last]
            if new_key in state_dict:
                raise ValueError(f'state dict holds both {key!r} and {new_key!r}; keep one')
            out[new_key] = value
        else:
            out[key] = value
    return out


@MODELS.register_module()
class LinearClsHead(nn.Module):
    r"""Linear classifier :math:`o = W f + b` (recipe A), optionally weight-normalised.

    With ``weight_norm=True`` the weight is :math:`w_c = g_c v_c / \lVert v_c \rVert`
    with :math:`v` the default ``nn.Linear`` init and :math:`g_c = \lVert v_c \rVert`,
    so at init :math:`w = v` and the outputs equal those of the plain head.

    Args:
        in_dim (int): :math:`D`, the backbone feature width.
        num_classes (int): :math:`C`.
        weight_norm (bool): weight-normalise ``fc`` over dim 0. Default: False.
        dropout (float): p of a ``Dropout`` before ``fc`` (active learning's BALD head,
            ``docs/active-learning.md``); adds no parameter. Default: 0 (none).

    Shape:
        - feats: :math:`(B, D)`
        - Output: :math:`(B, C)`; ``forward_features`` returns ``feats`` :math:`(B, D)`.

    Example:
        >>> head = LinearClsHead(512, 7, weight_norm=True)
        >>> head(torch.randn(4, 512)).shape
        torch.Size([4, 7])
    """

    def __init__(self, in_dim: int, num_classes: int, weight_norm: bool = False,
                 dropout: float = 0.0):
        super().__init__()
        _check_positive(in_dim=in_dim, num_classes=num_classes)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f'LinearClsHead: dropout must be in [0, 1), got {dropout!r}')
        self.dropout_p = float(dropout)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.in_dim = in_dim
        self.num_classes = num_classes
        self.weight_norm = weight_norm
        self.fc = nn.Linear(in_dim, num_classes)
        if weight_norm:
            self.fc = parametrizations.weight_norm(self.fc, name='weight', dim=0)

    @property
    def feature_dim(self) -> int:
        return self.in_dim

    def forward_features(self, feats: Tensor) -> Tensor:
        return feats

    def forward(self, feats: Tensor) -> Tensor:
        return self.fc(self.dropout(feats))


@MODELS.register_module()
class MLPClsHead(nn.Module):
    r"""Two-layer classifier :math:`o = W_2\,\mathrm{ReLU}(W_1 f + b_1) + b_2`.

    CluP's ``mlp_head=True`` student head (``docs/clup.md`` §2.8): Linear(D, 128)
    -> ReLU -> Linear(128, C), default ``nn.Linear`` init; ``weight_norm`` applies to
    the last layer ``fc`` as in :class:`LinearClsHead`. Its type and
    ``feature_dim`` are in the checkpoint's ``meta.arch``, so a file written with it
    never loads into a linear-head model (the reference could not reload these).

    Args:
        in_dim (int): :math:`D`, the backbone feature width.
        num_classes (int): :math:`C`.
        hidden_dim (int): width :math:`H` of the hidden layer. Default: 128.
        weight_norm (bool): weight-normalise ``fc`` over dim 0. Default: False.

    Shape:
        - feats: :math:`(B, D)`
        - ``forward_features`` output (the hidden activation): :math:`(B, H)`
        - Output: :math:`(B, C)`

    Example:
        >>> head = MLPClsHead(512, 7)
        >>> f = torch.randn(4, 512)
        >>> head.forward_features(f).shape, head(f).shape
        (torch.Size([4, 128]), torch.Size([4, 7]))
    """

    def __init__(self, in_dim: int, num_classes: int, hidden_dim: int = 128,
                 weight_norm: bool = False):
        super().__init__()
        _check_positive(in_dim=in_dim, num_classes=num_classes, hidden_dim=hidden_dim)
        self.in_dim = in_dim
        self.num_classes = num_classes
        self.hidden_dim = hidden_dim
        self.weight_norm = weight_norm
        self.hidden = nn.Linear(in_dim, hidden_dim)
        self.fc = nn.Linear(hidden_dim, num_classes)
        if weight_norm:
            self.fc = parametrizations.weight_norm(self.fc, name='weight', dim=0)

    @property
    def feature_dim(self) -> int:
        return self.hidden_dim

    def forward_features(self, feats: Tensor) -> Tensor:
        return self.hidden(feats).relu()

    def forward(self, feats: Tensor) -> Tensor:
        return self.fc(self.forward_features(feats))


@MODELS.register_module()
class BottleneckWNHead(nn.Module):
    r"""Bottleneck + BatchNorm + weight-normalised classifier (recipe B, CRCo/SHOT).

    .. math::
        z = \mathrm{BN}(W_1 f + b_1), \qquad
        o = w z + b, \quad w_c = g_c \, v_c / \lVert v_c \rVert .

    :math:`W_1` is xavier-normal and :math:`b_1 = 0`; BN is ``BatchNorm1d`` (affine,
    eps 1e-5, momentum 0.1). There is no ReLU and no dropout. :math:`v` keeps the
    default ``nn.Linear`` init, :math:`g_c = \lVert v_c \rVert` (so :math:`w = v` at
    init) and :math:`b = 0`; there is no temperature.

    Args:
        in_dim (int): :math:`D`, the backbone feature width.
        num_classes (int): :math:`C`.
        bottleneck_dim (int): :math:`K`, the width of :math:`z`. Default: 256.

    Shape:
        - feats: :math:`(B, D)`
        - ``forward_features`` output :math:`z`: :math:`(B, K)`
        - Output: :math:`(B, C)`

    Example:
        >>> head = BottleneckWNHead(2048, 7)
        >>> f = torch.randn(4, 2048)
        >>> head.forward_features(f).shape, head(f).shape
        (torch.Size([4, 256]), torch.Size([4, 7]))
    """

    def __init__(self, in_dim: int, num_classes: int, bottleneck_dim: int = 256):
        super().__init__()
        _check_positive(in_dim=in_dim, num_classes=num_classes, bottleneck_dim=bottleneck_dim)
        self.in_dim = in_dim
        self.num_classes = num_classes
        self.bottleneck_dim = bottleneck_dim
        self.bottleneck = nn.Linear(in_dim, bottleneck_dim)
        nn.init.xavier_normal_(self.bottleneck.weight)
        nn.init.zeros_(self.bottleneck.bias)
        self.bn = nn.BatchNorm1d(bottleneck_dim, eps=1e-5, momentum=0.1, affine=True)
        fc = nn.Linear(bottleneck_dim, num_classes)
        nn.init.zeros_(fc.bias)
        # The parametrisation initialises g = ||v|| row-wise, so w = v at init.
        self.fc = parametrizations.weight_norm(fc, name='weight', dim=0)

    @property
    def feature_dim(self) -> int:
        return self.bottleneck_dim

    def forward_features(self, feats: Tensor) -> Tensor:
        z = self.bottleneck(feats)  # (B, K)
        z = self.bn(z)
        return z

    def forward(self, feats: Tensor) -> Tensor:
        z = self.forward_features(feats)  # (B, K)
        return self.fc(z)  # (B, C)


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f'{name} must be a positive int, got {value!r}')
