from .epoch_loop import ResumableEpochBasedTrainLoop
from .multi_dataset import MultiDatasetTestLoop, MultiDatasetValLoop

__all__ = ['ResumableEpochBasedTrainLoop', 'MultiDatasetValLoop', 'MultiDatasetTestLoop']
