"""LDL's hooks (``docs/ldl.md``): :class:`LDLSetupHook` hands the training set's
neighbour table, kernel, labels and fingerprint to the model before a resume loads the
method state, and records the table as ``knn.npy`` in the run;
:class:`LDLBankRefreshHook` refills the bank of bank mode."""
import logging
from typing import Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from basicda.datasets.multi_view import PipelineView
from basicda.datasets.transforms import build_pipeline

from basicda.ops.gather import world_info
from ferda.registry import HOOKS

from .dataset import LDLNeighbourDataset
from .neighbours import record_knn

__all__ = ['LDLSetupHook', 'LDLBankRefreshHook']


def _algorithm(runner):
    return runner.model.module if is_model_wrapper(runner.model) else runner.model


@HOOKS.register_module()
class LDLSetupHook(Hook):
    """``before_run``: :meth:`LDLModel.init_state` from the training
    :class:`LDLNeighbourDataset`; rank 0 writes (or, on resume, checks)
    ``work_dir/knn.npy`` and ``knn.json``."""

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        if runner.built_train_loop is None:  # a test-only run
            return
        model = _algorithm(runner)
        dataset = runner.train_loop.dataloader.dataset
        if not isinstance(dataset, LDLNeighbourDataset):
            raise TypeError(f'LDLSetupHook needs train_dataloader.dataset to be an '
                            f'LDLNeighbourDataset, got {type(dataset).__name__}')
        bank = model.neighbour_source == 'bank'
        if dataset.neighbour_views == bank:
            raise ValueError(f"LDL: model.neighbour_source={model.neighbour_source!r} needs "
                             f'train_dataloader.dataset.neighbour_views={not bank}')
        model.init_state(dataset.labels, dataset.neighbours, dataset.kernel,
                         dataset.fingerprint)
        if world_info()[0] == 0:
            record_knn(runner.work_dir, dataset.neighbours, dataset.knn_meta)


@HOOKS.register_module()
class LDLBankRefreshHook(Hook):
    """Bank mode: refill the model's feature/prediction bank before every
    ``interval``-th training epoch (epoch 0 included) with one eval-mode pass over the
    training set through ``test_pipeline`` (unshuffled, sharded without padding).

    A resume at a refresh epoch refreshes from the resumed model, as the
    uninterrupted run did; otherwise the checkpoint's bank is kept. A checkpoint saved
    with ``model.bank_in_checkpoint=False`` holds no bank: the resumed run refreshes it
    before its first epoch, with a warning (off the interval, the continuation then
    differs from an uninterrupted run).

    Args:
        test_pipeline (list[dict]): the transforms of the pass (the eval pipeline).
        interval (int): epochs between refreshes. Default: 1.
        batch_size (int): per rank. Default: 128. num_workers (int): Default: 0.
    """

    priority = 'NORMAL'

    def __init__(self, test_pipeline: Sequence[dict], interval: int = 1, batch_size: int = 128,
                 num_workers: int = 0) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'interval must be an int >= 1, got {interval!r}')
        self.test_pipeline = list(test_pipeline)
        self.interval, self.batch_size, self.num_workers = interval, batch_size, num_workers
        self.loader: Optional[object] = None

    def before_run(self, runner) -> None:
        if runner.built_train_loop is None:
            return
        dataset = runner.train_loop.dataloader.dataset
        if not isinstance(dataset, LDLNeighbourDataset):
            raise TypeError('LDLBankRefreshHook needs an LDLNeighbourDataset training set, '
                            f'got {type(dataset).__name__}')
        self.loader = runner.build_dataloader(
            dict(dataset=PipelineView(dataset.dataset, build_pipeline(self.test_pipeline)),
                 batch_size=self.batch_size, num_workers=self.num_workers,
                 sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
                 collate_fn=dict(type='default_collate')),
            seed=runner.seed)

    def before_train_epoch(self, runner) -> None:
        model = _algorithm(runner)
        scheduled = runner.epoch % self.interval == 0
        missing = not bool(model.bank_filled.all())  # a resume without the bank
        if not (scheduled or missing):
            return
        if missing and runner.epoch > 0:
            print_log(f'LDL: resumed at epoch {runner.epoch} from a checkpoint without the '
                      'bank (model.bank_in_checkpoint=False): refreshing it from the resumed '
                      'model' + ('' if scheduled else
                                 f' (off the refresh interval {self.interval}: the run '
                                 'continues from another bank than an uninterrupted run)'),
                      logger='current', level=logging.WARNING)
        with torch.random.fork_rng(devices=[]):
            model.refresh_bank(self.loader)
        print_log(f'LDL: epoch {runner.epoch}: bank refreshed', logger='current')
