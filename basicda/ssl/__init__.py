"""Self-supervised pre-training algorithms (SwAV)."""
from .swav import SwAV, local_queue_length, push_queue, swav_collapse_stats

__all__ = ['SwAV', 'local_queue_length', 'push_queue', 'swav_collapse_stats']
