from .active_learning_loop import ActiveLearningLoop
from .epoch_loop import ResumableEpochBasedTrainLoop
from .fold_loop import FoldLoop
from .folds import assign_folds, fold_split
from .iter_loop import ResumableIterBasedTrainLoop
from .round_loop import RoundBasedTrainLoop, round_due, rounds_done
from .multi_dataset import MultiDatasetTestLoop, MultiDatasetValLoop
from .samplers import make_single_process, update_sampler_length

__all__ = ['ResumableEpochBasedTrainLoop', 'ResumableIterBasedTrainLoop', 'MultiDatasetValLoop',
           'MultiDatasetTestLoop', 'FoldLoop', 'assign_folds', 'fold_split',
           'update_sampler_length', 'make_single_process', 'RoundBasedTrainLoop', 'round_due',
           'rounds_done', 'ActiveLearningLoop']
