"""CluP: SwAV target pre-training + cluster-level pseudo-labels + mixup (specs/clup.md).

Stages (each a config, chained by ``experiments/clup.sh``):
1. source model: ``configs/source_only/...`` (recipe A);
2. SwAV on the unlabelled target train images: :class:`basicda.ssl.SwAV`;
3a. pseudo-labels: :class:`ClusterPseudoLabelLoop` writes ``pseudo_labels.pt``;
3b. student: :class:`basicda.models.MixupClassifier` on :class:`PseudoLabelDataset`.
"""
from .artefact import load_artefact, target_checksum
from .dataset import PseudoLabelDataset
from .loop import ClusterPseudoLabelLoop, clup_pseudo_labels

__all__ = ['ClusterPseudoLabelLoop', 'PseudoLabelDataset', 'clup_pseudo_labels', 'load_artefact',
           'target_checksum']
