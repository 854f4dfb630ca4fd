"""CluP: SwAV target pre-training + cluster-level pseudo-labels + mixup (docs/clup.md).

Stages (each a config, chained by ``experiments/clup.sh``):
1. source model: ``configs/source_only/...`` (recipe A);
2. SwAV on the unlabelled target train images: :class:`basicda.ssl.SwAV`;
3a. pseudo-labels: :class:`ClusterPseudoLabelLoop` writes ``pseudo_labels.pt``;
3b. student: :class:`basicda.models.MixupClassifier` on :class:`PseudoLabelDataset`,
    optionally relabelled by the student every few epochs: rounds of
    :class:`basicda.engine.loops.RoundBasedTrainLoop` with :class:`PseudoLabelRefreshHook`
    (an extension; off by default, as in the paper).
"""
from .artefact import load_artefact, target_checksum
from .dataset import PseudoLabelDataset
from .loop import ClusterPseudoLabelLoop, clup_pseudo_labels, embed_batch, embed_dataset
from .refresh import PseudoLabelRefreshHook, clup_refresh_selection, update_sampler_length

__all__ = ['ClusterPseudoLabelLoop', 'PseudoLabelDataset', 'PseudoLabelRefreshHook',
           'clup_pseudo_labels', 'clup_refresh_selection', 'embed_batch', 'embed_dataset', 'load_artefact',
           'target_checksum', 'update_sampler_length']
