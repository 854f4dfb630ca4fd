"""Data-loader helpers registered in ``FUNCTIONS``."""
import random

import numpy as np
import torch

from basicda.registry import FUNCTIONS


@FUNCTIONS.register_module()
def seed_worker_from_torch(worker_id: int) -> None:
    """Seed numpy and ``random`` in a data-loader worker from torch's seed.

    torch gives each worker ``base_seed + worker_id`` where ``base_seed`` is drawn
    from the main process's generator when the iterator is created: a fresh,
    different stream every epoch, reproduced exactly after a resume that restores
    the main generator. (mmengine's default re-seeds every epoch with the same
    constant, so each epoch repeats the previous epoch's random draws.)
    """
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)
