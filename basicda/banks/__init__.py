"""Feature/score banks and ring queues, correct for any world size."""
from .feature_bank import BANK_INIT, IndexedBank, fill_bank
from .nce_memory import NCEMemoryBank, init_memory, memory_update
from .ring_queue import QUEUE_INIT, QUEUE_OVERFLOW, RingQueue

__all__ = ['BANK_INIT', 'IndexedBank', 'fill_bank', 'QUEUE_INIT', 'QUEUE_OVERFLOW', 'RingQueue',
           'NCEMemoryBank', 'init_memory', 'memory_update']
