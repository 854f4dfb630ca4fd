from .multi_dataset import MultiDatasetTestLoop, MultiDatasetValLoop

__all__ = ['MultiDatasetValLoop', 'MultiDatasetTestLoop']
