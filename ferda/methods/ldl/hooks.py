"""LDL's set-up hook: hand the training set's neighbour table, kernel, labels and
fingerprint to the model before a resume loads the method state, and record the
table as ``knn.npy`` in the run (``docs/ldl.md``)."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from basicda.ops.gather import world_info
from ferda.registry import HOOKS

from .dataset import LDLNeighbourDataset
from .neighbours import record_knn

__all__ = ['LDLSetupHook']


@HOOKS.register_module()
class LDLSetupHook(Hook):
    """``before_run``: :meth:`LDLModel.init_state` from the training
    :class:`LDLNeighbourDataset`; rank 0 writes (or, on resume, checks)
    ``work_dir/knn.npy`` and ``knn.json``."""

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        dataset = runner.train_dataloader.dataset
        if not isinstance(dataset, LDLNeighbourDataset):
            raise TypeError(f'LDLSetupHook needs train_dataloader.dataset to be an '
                            f'LDLNeighbourDataset, got {type(dataset).__name__}')
        model.init_state(dataset.labels, dataset.neighbours, dataset.kernel,
                         dataset.fingerprint)
        if world_info()[0] == 0:
            record_knn(runner.work_dir, dataset.neighbours, dataset.knn_meta)
