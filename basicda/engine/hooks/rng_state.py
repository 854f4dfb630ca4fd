"""Keep the RNG streams in the checkpoint so ``--resume`` continues the same
random sequence (shuffling seeds, data-loader worker seeds, augmentation)."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook

from basicda.registry import HOOKS


def capture_rng_state() -> dict:
    """The python, numpy, torch CPU and (if present) CUDA generator states."""
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict) -> None:
    """Inverse of :func:`capture_rng_state`."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    np.random.set_state(tuple(state['numpy']))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@HOOKS.register_module()
class RngStateHook(Hook):
    """Save the RNG states with every checkpoint and restore them on resume.

    mmengine re-seeds on resume but does not restore the generators, so the
    data-loader seeds and augmentations after a resume would differ from an
    uninterrupted run. Restoring the states at the epoch boundary where the
    checkpoint was written makes the continuation identical (epoch-based loops;
    evaluation never consumes the training RNG, see ``MultiDatasetValLoop``).
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['rng_state'] = capture_rng_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'rng_state' in checkpoint and runner.resume_requested:
            restore_rng_state(checkpoint['rng_state'])
