"""Self-supervised pre-training algorithms (SwAV, SimCLR)."""
from .simclr import SimCLR, view_ids
from .swav import SwAV, local_queue_length, push_queue, swav_collapse_stats

__all__ = ['SwAV', 'local_queue_length', 'push_queue', 'swav_collapse_stats', 'SimCLR',
           'view_ids']
