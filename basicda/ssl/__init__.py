"""Self-supervised pre-training algorithms (SwAV)."""
from .swav import SwAV, local_queue_length, push_queue

__all__ = ['SwAV', 'local_queue_length', 'push_queue']
