"""Numerical building blocks: faiss-backed k-means, nearest-neighbour search, and
embedding a sharded dataset gathered by dataset index."""
from .embed import embed_by_index
from .kmeans import (KMEANS_BACKENDS, KMEANS_INITS, canonicalize_clusters, faiss_kmeans, kmeans,
                     kmeans_plusplus)
from .knn import KNN_BACKENDS, KNN_METRICS, SELF_EXCLUSION, knn

__all__ = ['canonicalize_clusters', 'embed_by_index', 'faiss_kmeans', 'kmeans', 'kmeans_plusplus',
           'knn', 'KMEANS_INITS',
           'KMEANS_BACKENDS', 'KNN_BACKENDS', 'KNN_METRICS', 'SELF_EXCLUSION']
