"""Numerical building blocks: faiss-backed k-means, nearest-neighbour search, embedding a
sharded dataset gathered by dataset index, and the alias sampler."""
from .alias import AliasSampler, draw_contrast_indices
from .embed import embed_by_index
from .kmeans import (KMEANS_BACKENDS, KMEANS_INITS, canonicalize_clusters, faiss_kmeans, kmeans,
                     kmeans_plusplus)
from .knn import KNN_BACKENDS, KNN_METRICS, SELF_EXCLUSION, knn, knn_exact

__all__ = ['canonicalize_clusters', 'embed_by_index', 'faiss_kmeans', 'kmeans', 'kmeans_plusplus',
           'knn', 'knn_exact', 'KMEANS_INITS', 'KMEANS_BACKENDS', 'KNN_BACKENDS', 'KNN_METRICS',
           'SELF_EXCLUSION', 'AliasSampler', 'draw_contrast_indices']
