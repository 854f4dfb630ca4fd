from .epoch_loop import ResumableEpochBasedTrainLoop
from .iter_loop import ResumableIterBasedTrainLoop
from .multi_dataset import MultiDatasetTestLoop, MultiDatasetValLoop

__all__ = ['ResumableEpochBasedTrainLoop', 'ResumableIterBasedTrainLoop', 'MultiDatasetValLoop',
           'MultiDatasetTestLoop']
