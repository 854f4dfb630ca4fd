"""Generic dataset helpers: transforms and data-loader functions."""
from .samples import (NO_LABEL, RESERVED_SAMPLE_KEYS, dataset_has_labels, gt_labels,
                      require_gt_labels, sample_value)
from .transforms import (TORCHVISION_TRANSFORMS, PerView, apply_to_views, build_pipeline,
                         check_shared_pipeline, to_chw_uint8)
from .utils import seed_worker_from_torch

__all__ = ['TORCHVISION_TRANSFORMS', 'build_pipeline', 'to_chw_uint8', 'seed_worker_from_torch',
           'PerView', 'apply_to_views', 'check_shared_pipeline', 'NO_LABEL',
           'RESERVED_SAMPLE_KEYS', 'dataset_has_labels', 'gt_labels', 'require_gt_labels',
           'sample_value']
from .multi_crop import MultiCrop  # noqa: E402

__all__ += ['MultiCrop']
from .strong_aug import TVCutout, TVRandRangeAug  # noqa: E402

__all__ += ['TVCutout', 'TVRandRangeAug']
from .multi_view import MultiViewDataset, PipelineView, SeededAugSampler  # noqa: E402

__all__ += ['MultiViewDataset', 'PipelineView', 'SeededAugSampler']
from .active_pool import ActivePoolDataset  # noqa: E402

__all__ += ['ActivePoolDataset']
from .occlusion import LowerFaceOcclusion  # noqa: E402

__all__ += ['LowerFaceOcclusion']
