"""Backbones, heads and the image classifier of basicda."""
from basicda import losses  # noqa: F401  (the MODELS registry's locations reach the losses here)

from .adabn import adapt_bn_statistics
from .backbones import (TimmBackbone, apply_swav_stem, check_arch_meta, load_local_state_dict,
                        strip_key_prefixes)
from .class_permutation import DEFAULT_HEAD_KEYS, class_permutation, permute_head
from .classifier import ImageClassifier
from .data_preprocessor import MultiViewDataPreprocessor, TrainNormDataPreprocessor
from .heads import BottleneckWNHead, LinearClsHead, MLPClsHead, map_legacy_weight_norm_keys
from .mean_teacher import ema_update_, make_teacher
from .mixup_classifier import MixupClassifier

__all__ = [
    'adapt_bn_statistics', 'ImageClassifier', 'MixupClassifier', 'TimmBackbone', 'apply_swav_stem',
    'check_arch_meta', 'load_local_state_dict', 'strip_key_prefixes', 'LinearClsHead', 'MLPClsHead',
    'BottleneckWNHead', 'map_legacy_weight_norm_keys', 'class_permutation', 'permute_head',
    'DEFAULT_HEAD_KEYS', 'ema_update_', 'make_teacher', 'MultiViewDataPreprocessor',
    'TrainNormDataPreprocessor'
]
