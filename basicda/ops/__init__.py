"""Numerical building blocks: faiss-backed k-means and nearest-neighbour search."""
from .alias import AliasSampler, draw_contrast_indices
from .kmeans import KMEANS_BACKENDS, KNN_METRICS, canonicalize_clusters, faiss_kmeans, kmeans, knn
from .neighbours import KNN_BACKENDS, knn_indices

__all__ = ['canonicalize_clusters', 'faiss_kmeans', 'kmeans', 'knn', 'KMEANS_BACKENDS',
           'KNN_METRICS', 'KNN_BACKENDS', 'knn_indices', 'AliasSampler', 'draw_contrast_indices']
