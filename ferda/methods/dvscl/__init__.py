"""DVSCL: dual-view (RGB + depth) self-supervised contrastive learning for micro-expressions
(docs/dvscl.md): the pre-training model, LR schedules and intensity-based pool selection; the
generic ones live in basicda (``ops.alias``, ``losses.nce``, ``banks.nce_memory``,
``evaluation.uf1_uar``) and the data in ``ferda.datasets.readers.casme3``."""
from .intensity import intensity_scores, read_au_csv, select_by_intensity
from .model import AlexNetHalfEncoder, DVSCLBankHook, DVSCLModel, ResNetV1Encoder
from .probe import AttentionHead, DVSCLClassWeightHook, DVSCLProbe
from .transforms import DVSCLPretrainAug, DVSCLProbeAug
from .schedules import pretrain_lr, pretrain_scheduler, probe_lr, probe_scheduler

__all__ = ['intensity_scores', 'read_au_csv', 'select_by_intensity', 'pretrain_lr',
           'pretrain_scheduler', 'probe_lr', 'probe_scheduler', 'DVSCLModel', 'DVSCLBankHook',
           'ResNetV1Encoder', 'AlexNetHalfEncoder', 'DVSCLProbe', 'AttentionHead',
           'DVSCLClassWeightHook', 'DVSCLPretrainAug', 'DVSCLProbeAug']
