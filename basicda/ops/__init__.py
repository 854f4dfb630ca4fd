"""Numerical building blocks: faiss-backed k-means and nearest-neighbour search."""
from .kmeans import KMEANS_BACKENDS, KNN_METRICS, canonicalize_clusters, faiss_kmeans, kmeans, knn

__all__ = ['canonicalize_clusters', 'faiss_kmeans', 'kmeans', 'knn', 'KMEANS_BACKENDS',
           'KNN_METRICS']
