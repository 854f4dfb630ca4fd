"""Backbone wrapper over timm, the SwAV stride-1 stem, local checkpoint loading
and the architecture check of ``docs/source-only.md`` §2.1 and §4.

Nothing here downloads weights: pretrained weights come from a local file
(``checkpoint=``). timm ResNet keys equal torchvision's, so torchvision and
solo-learn (``backbone.*``) files load once their prefix is stripped.
"""
import logging
from typing import Dict, Iterable, Mapping, Optional, Tuple

import timm
import torch
from mmengine.logging import print_log
from torch import Tensor, nn

from basicda.registry import MODELS

__all__ = [
    'TimmBackbone', 'apply_cifar_stem', 'apply_swav_stem', 'check_arch_meta', 'checkpoint_arch_meta',
    'load_local_state_dict', 'strip_key_prefixes'
]

STEMS = ('default', 'swav_s1', 'cifar')
#: Prefixes that wrappers put in front of backbone keys (DDP, solo-learn, MoCo-style encoders).
DEFAULT_PREFIXES = ('module.', 'backbone.', 'encoder.')


def strip_key_prefixes(state_dict: Mapping[str, Tensor],
                       prefixes: Iterable[str] = DEFAULT_PREFIXES) -> Dict[str, Tensor]:
    """Remove any sequence of ``prefixes`` from the front of every key.

    ``module.backbone.conv1.weight`` becomes ``conv1.weight``. Returns a new dict.

    Raises:
        ValueError: two keys become the same after stripping.
    """
    prefixes = tuple(prefixes)
    out: Dict[str, Tensor] = {}
    for key, value in state_dict.items():
        new_key = key
        stripped = True
        while stripped:
            stripped = False
            for prefix in prefixes:
                if new_key.startswith(prefix):
                    new_key = new_key[len(prefix):]
                    stripped = True
        if new_key in out:
            raise ValueError(f'keys collide after stripping prefixes {prefixes}: {key!r} -> '
                           f'{new_key!r}')
        out[new_key] = value
    return out


def load_local_state_dict(path: str) -> Dict[str, Tensor]:
    """Read a local weights file and return its tensor state dict.

    Uses ``torch.load(map_location='cpu', weights_only=True)`` with the allow-list of
    :mod:`basicda.engine.checkpoint` (mmengine checkpoints hold a message hub). Accepts a raw state
    dict, ``{'state_dict': ...}`` (mmengine, Lightning) and ``{'model': ...}``
    (timm, DeiT-style) files.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file holds no recognisable state dict.
    """
    from basicda.engine.checkpoint import safe_load  # weights_only + our allow-list

    try:
        obj = safe_load(path, map_location='cpu')
    except FileNotFoundError:
        raise FileNotFoundError(f'checkpoint not found: {path}') from None
    if isinstance(obj, Mapping):
        for wrapper_key in ('state_dict', 'model'):
            if isinstance(obj.get(wrapper_key), Mapping):
                obj = obj[wrapper_key]
                break
    if not isinstance(obj, Mapping) or not obj or not all(
            isinstance(v, Tensor) for v in obj.values()):
        top = sorted(obj)[:10] if isinstance(obj, Mapping) else type(obj).__name__
        raise ValueError(f'{path}: expected a state dict of tensors (raw, under "state_dict" or '
                         f'under "model"), got {top}')
    return dict(obj)


def apply_swav_stem(model: nn.Module) -> nn.Module:
    """Give a ResNet the stride-1 stem of SwAV's small-image variant (CluP student).

    ``conv1`` becomes a 7x7 convolution with stride 1, padding 2 and no bias (same
    weight shape ``(64, 3, 7, 7)`` as the standard stem) and ``maxpool`` becomes
    identity. At 160 px the maps are 158 -> layer2 79 -> layer3 40 -> layer4 20.
    The module is modified in place and returned; the new conv is freshly initialised.

    Raises:
        TypeError: ``model`` has no ``conv1``/``maxpool`` (not a ResNet).
    """
    return _stride1_stem(model, 'apply_swav_stem', kernel_size=7, padding=2)


def apply_cifar_stem(model: nn.Module) -> nn.Module:
    """Give a ResNet the CIFAR stem (the active-learning encoder, ``docs/active-learning.md``):
    ``conv1`` becomes a 3x3 convolution with stride 1, padding 1 and no bias, and
    ``maxpool`` becomes identity, so a 48 px image keeps 48 px until ``layer2``
    (48 -> 24 -> 12 -> 6). Modified in place (fresh conv) and returned.

    Raises:
        TypeError: ``model`` has no ``conv1``/``maxpool`` (not a ResNet).
    """
    return _stride1_stem(model, 'apply_cifar_stem', kernel_size=3, padding=1)


def _stride1_stem(model: nn.Module, caller: str, kernel_size: int, padding: int) -> nn.Module:
    """Replace a ResNet's ``conv1`` by a fresh bias-free stride-1 ``kernel_size`` convolution
    (same channels) and its ``maxpool`` by identity; in place, returned."""
    conv1 = getattr(model, 'conv1', None)
    if not isinstance(conv1, nn.Conv2d) or not hasattr(model, 'maxpool'):
        raise TypeError(f'{caller} needs a ResNet with conv1 (Conv2d) and maxpool, got '
                        f'{type(model).__name__}')
    model.conv1 = nn.Conv2d(conv1.in_channels, conv1.out_channels, kernel_size=kernel_size,
                            stride=1, padding=padding, bias=False)
    model.maxpool = nn.Identity()
    return model


def _plain(value):
    """``value`` with tuples as lists and mappings as sorted dicts (as a checkpoint's meta
    reads back), so architecture records compare equal however they were written."""
    if isinstance(value, Mapping):
        return {str(k): _plain(value[k]) for k in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def checkpoint_arch_meta(path: str) -> Optional[dict]:
    """``meta['arch']`` of one of our checkpoints (None for files without it)."""
    from basicda.engine.checkpoint import safe_load

    obj = safe_load(path, map_location='cpu')
    meta = obj.get('meta') if isinstance(obj, Mapping) else None
    arch = meta.get('arch') if isinstance(meta, Mapping) else None
    return dict(arch) if isinstance(arch, Mapping) else None


def check_arch_meta(expected: Mapping, found: Mapping) -> None:
    """Raise if a checkpoint's architecture ``meta`` differs from the model's.

    Every key of ``expected`` (e.g. ``TimmBackbone.arch_meta``: backbone, stem,
    out_dim) must be in ``found`` with an equal value. A SwAV-stem checkpoint has
    the same tensor shapes as a standard one, so this is the only guard against
    loading it into the wrong stem. ``model_kwargs`` missing on either side means
    none (the timm default architecture), so files written before the key existed
    still load, and a slim network's file is refused by a default one.

    Raises:
        ValueError: naming every missing or mismatching key with both values.
    """
    problems = []
    if 'model_kwargs' in found and 'model_kwargs' not in expected and found['model_kwargs']:
        problems.append(f"'model_kwargs': model has none, checkpoint has "
                        f"{found['model_kwargs']!r}")
    for key, value in expected.items():
        if key == 'model_kwargs':
            value, have = _plain(value), _plain(found.get(key) or {})
            if have != value:
                problems.append(f'{key!r}: model has {value!r}, checkpoint has {have!r}')
            continue
        if key not in found:
            problems.append(f'{key!r} missing from checkpoint meta (expected {value!r})')
        elif found[key] != value:
            problems.append(f'{key!r}: model has {value!r}, checkpoint has {found[key]!r}')
    if problems:
        raise ValueError('checkpoint architecture does not match the model: ' +
                         '; '.join(problems))


@MODELS.register_module()
class TimmBackbone(nn.Module):
    """A timm model without classifier, returning globally average-pooled features.

    Args:
        name (str): timm model name, e.g. ``'resnet18'`` (D = 512) or
            ``'resnet50'`` (D = 2048). Default: ``'resnet18'``.
        pretrained (bool): whether the run needs pretrained weights. Weights are
            never downloaded, so ``True`` requires ``checkpoint``. Default: False.
        stem (str): ``'default'``, ``'swav_s1'`` (:func:`apply_swav_stem`) or
            ``'cifar'`` (:func:`apply_cifar_stem`); the last two for ResNets only.
            Default: ``'default'``.
        checkpoint (str, optional): local weights file, loaded with
            :func:`load_local_state_dict`; ``module.``/``backbone.``/``encoder.``
            prefixes are stripped and ``fc.*`` is dropped. Every backbone key must
            be present; unexpected keys are logged by name. Default: None.
        model_kwargs (dict, optional): extra arguments of ``timm.create_model``
            that change the architecture, e.g. a slim ResNet for the demo:
            ``dict(layers=(1, 1, 1, 1), channels=(32, 64, 128, 256))`` with
            ``name='resnet18'``. ``pretrained``, ``num_classes`` and
            ``global_pool`` are set here and refused. Recorded in ``arch_meta``.
            Default: None.
        channels_last (bool): keep the weights and every input in channels-last
            memory format (NHWC). PyTorch's CPU convolutions (oneDNN) run a slim
            network markedly faster this way (the fast demo's, docs/synfer.md §5.3);
            results differ from the default layout by float rounding only. A layout,
            not an architecture: not in ``arch_meta``, and checkpoints load across
            layouts. Default: False.

    Attributes:
        out_dim (int): D.
        arch_meta (dict): ``dict(backbone=name, stem=stem, out_dim=D)``, plus
            ``model_kwargs`` (tuples as lists) when given, to be written to checkpoint
            ``meta`` and compared with :func:`check_arch_meta`.

    Shape:
        - x: :math:`(B, 3, H, W)`
        - Output: :math:`(B, D)`; ``forward_features`` gives the last map
          :math:`(B, D, H', W')`.

    Example:
        >>> net = TimmBackbone('resnet18', stem='swav_s1')
        >>> net.forward_features(torch.randn(1, 3, 160, 160)).shape
        torch.Size([1, 512, 20, 20])
    """

    def __init__(self,
                 name: str = 'resnet18',
                 pretrained: bool = False,
                 stem: str = 'default',
                 checkpoint: Optional[str] = None,
                 model_kwargs: Optional[Mapping] = None,
                 channels_last: bool = False):
        super().__init__()
        model_kwargs = dict(model_kwargs or {})
        reserved = sorted(set(model_kwargs) & {'pretrained', 'num_classes', 'global_pool'})
        if reserved:
            raise ValueError(f'TimmBackbone(model_kwargs=...): {reserved} are set by TimmBackbone '
                             '(no downloads, no classifier, average pooling); remove them')
        if stem not in STEMS:
            raise ValueError(f'stem must be one of {STEMS}, got {stem!r}')
        if pretrained and checkpoint is None:
            raise ValueError(
                f'TimmBackbone(name={name!r}, pretrained=True): pretrained weights cannot be '
                'downloaded here. Pass checkpoint=<local file> with the weights (e.g. the '
                'torchvision ImageNet file), or set pretrained=False for random init.')
        self.model = timm.create_model(name, pretrained=False, num_classes=0, global_pool='avg',
                                       **model_kwargs)
        if stem == 'swav_s1':
            apply_swav_stem(self.model)
        elif stem == 'cifar':
            apply_cifar_stem(self.model)
        self.name = name
        self.stem = stem
        self.out_dim = int(self.model.num_features)
        self.arch_meta = dict(backbone=name, stem=stem, out_dim=self.out_dim)
        if model_kwargs:
            self.arch_meta['model_kwargs'] = _plain(model_kwargs)
        self.channels_last = bool(channels_last)
        if self.channels_last:
            self.model.to(memory_format=torch.channels_last)
        if checkpoint is not None:
            self.load_checkpoint(checkpoint)

    def _layout(self, x: Tensor) -> Tensor:
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def load_checkpoint(self, path: str) -> Tuple[list, list]:
        """Load backbone weights from a local file (see the class docstring).

        Returns:
            tuple: ``(missing, unexpected)`` key lists; ``missing`` is always empty.

        Raises:
            ValueError: backbone keys are missing from the file (listed by name).
        """
        raw = load_local_state_dict(path)
        discarded = []
        if any(k.split('module.', 1)[-1].startswith('backbone.') for k in raw):
            # a whole model (ours, SwAV, solo-learn): only the backbone's tensors are
            # read; projector, prototypes and heads are discarded
            discarded = sorted(k for k in raw if not k.split('module.', 1)[-1].startswith(
                'backbone.'))
            raw = {k: v for k, v in raw.items() if k not in set(discarded)}
        state = strip_key_prefixes(raw)
        if state and all(k.startswith('model.') for k in state):
            state = {k[len('model.'):]: v for k, v in state.items()}  # our TimmBackbone wrapper
        dropped = sorted(k for k in state if k.startswith('fc.')) + discarded
        state = {k: v for k, v in state.items() if not k.startswith('fc.')}
        arch = checkpoint_arch_meta(path)
        if arch is not None:
            check_arch_meta(self.arch_meta, arch)  # e.g. a SwAV-stem file into a default stem
        else:
            print_log(f'TimmBackbone({self.name}): {path} records no architecture (meta.arch); '
                      f'make sure it was trained with stem={self.stem!r}', logger='current',
                      level=logging.WARNING)
        result = self.model.load_state_dict(state, strict=False)
        missing, unexpected = list(result.missing_keys), list(result.unexpected_keys)
        if missing:
            raise ValueError(f'{path}: {len(missing)} backbone keys are missing: {missing[:20]}'
                           f'{" ..." if len(missing) > 20 else ""}')
        print_log(f'TimmBackbone({self.name}): loaded {len(state) - len(unexpected)} tensors from '
                  f'{path}; dropped {len(dropped)} non-backbone keys {dropped[:8]}'
                  f'{" ..." if len(dropped) > 8 else ""}', logger='current')
        if unexpected:
            print_log(f'TimmBackbone({self.name}): {path} has {len(unexpected)} keys the backbone '
                      f'does not use (ignored): {unexpected}', logger='current',
                      level=logging.WARNING)
        return missing, unexpected

    def forward_features(self, x: Tensor) -> Tensor:
        return self.model.forward_features(self._layout(x))  # (B, D, H', W')

    def forward(self, x: Tensor) -> Tensor:
        return self.model(self._layout(x))  # (B, D)
