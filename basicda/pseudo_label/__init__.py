"""Pure pseudo-labelling functions: cluster purity labels, SHOT centroids, selection."""
from basicda.ops.kmeans import canonicalize_clusters

from .cluster import (LABELED_SAMPLES_MODES, centroid_pseudo_labels, cluster_pseudo_labels,
                      cluster_table, drop_outliers, iterative_cluster_selection,
                      pseudo_labels_by_mode, select_purest, shot_normalize)
from .shot import (EMPTY_PROTOTYPE_MODES, class_centroids, confidence_mask, prototype_labels,
                   shot_prototypes)

__all__ = ['LABELED_SAMPLES_MODES', 'canonicalize_clusters', 'centroid_pseudo_labels',
           'cluster_pseudo_labels', 'cluster_table', 'drop_outliers',
           'iterative_cluster_selection', 'pseudo_labels_by_mode', 'select_purest',
           'shot_normalize', 'EMPTY_PROTOTYPE_MODES', 'class_centroids', 'confidence_mask',
           'prototype_labels', 'shot_prototypes']
