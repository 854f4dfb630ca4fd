"""Pure loss functions and their thin registered module wrappers."""
from .label_smoothing import LabelSmoothingCrossEntropy, label_smoothing_ce

__all__ = ['label_smoothing_ce', 'LabelSmoothingCrossEntropy']
from .mixup import (mixaug_weight, mixup, mixup_lambda_generator, mixup_loss, mixup_off,
                    mixup_perm_generator, sample_mixup, soft_target_kl)
from .swav import sinkhorn, sinkhorn_knopp, swav_loss

__all__ += ['mixup', 'mixup_lambda_generator', 'mixup_perm_generator', 'mixup_loss',
            'sample_mixup', 'soft_target_kl', 'mixup_off', 'mixaug_weight',
            'sinkhorn', 'sinkhorn_knopp', 'swav_loss']
from .aad import aad_dispersion_weight, aad_loss
from .relation import (relation_infonce, relation_matrix, relation_pseudo_label_loss,
                       relation_similarity)

__all__ += ['aad_dispersion_weight', 'aad_loss', 'relation_matrix', 'relation_similarity',
            'relation_pseudo_label_loss', 'relation_infonce']
from .label_distribution import (apply_centre_update, balanced_class_weights, centre_loss,
                                 centre_statistics, centre_update, label_distribution_target,
                                 lambda_grad_closed_form, scoring_grad_closed_form,
                                 soft_cross_entropy, va_kernel)

__all__ += ['va_kernel', 'label_distribution_target', 'soft_cross_entropy',
            'lambda_grad_closed_form', 'scoring_grad_closed_form', 'centre_loss',
            'centre_statistics', 'apply_centre_update', 'centre_update',
            'balanced_class_weights']

from .nce import nce_loss, nce_normaliser, nce_scores, softmax_nce_loss

__all__ += ['nce_loss', 'nce_normaliser', 'nce_scores', 'softmax_nce_loss']
from .supcon import supcon_anchor_losses, supcon_loss

__all__ += ['supcon_anchor_losses', 'supcon_loss']

from .focal import focal_loss

__all__ += ['focal_loss']
