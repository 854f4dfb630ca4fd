"""EERCL's hook: when to refresh the banks.

* :class:`BankRefreshHook` decides *when* (``t % R == 0``, before the forward)
  and builds the dedicated refresh loader (in ``before_run``, where it also sizes
  the banks from the training set, before a resume loads them);
  :meth:`EERCL.refresh_banks` does the work.

EERCL runs DDP with ``broadcast_buffers=False``; the BN buffers are broadcast from
rank 0 before every evaluation and save by the default runtime's
``BroadcastBuffersHook`` and ``DACheckpointHook`` (basicda), which replace the
``SyncBuffersHook`` EERCL had (it shadowed mmengine's hook of that name).

The method state (banks, queues, prototypes) goes through basicda's generic
``MethodStateHook`` (``EERCL.method_state_dict`` / ``load_method_state_dict``).
"""
from typing import Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from basicda.datasets.multi_view import MultiViewDataset
from ferda.registry import HOOKS

__all__ = ['BankRefreshHook']

REFRESH_PIPELINES = ('test', 'weak')


def _algorithm(runner):
    return runner.model.module if is_model_wrapper(runner.model) else runner.model


@HOOKS.register_module()
class BankRefreshHook(Hook):
    """Refresh EERCL's banks and prototypes every ``interval`` iterations, before the
    forward (iteration 0 included), from a dedicated loader.

    The refresh loader reads the training set itself (the base dataset of the
    training ``MultiViewDataset``, sharing its image cache, so its N rows are the
    banks' N rows) sequentially: unshuffled, no padding (``DefaultSampler(shuffle=
    False, round_up=False)``), sharded over ranks, outputs gathered by index. It is
    never the training iterator, whose position and random stream it leaves
    alone (the pass runs under ``torch.random.fork_rng``).

    Args:
        interval (int): R, iterations between refreshes. Default: 50.
        test_pipeline (list[dict], optional): the transforms of the refresh pass
            with ``refresh_pipeline='test'`` (the eval pipeline). Required then.
        refresh_pipeline (str): ``'test'`` (ours) or ``'weak'``: the training
            set's weak view, randomly augmented (the reference). Default: ``'test'``.
        bank_fill_drop_last (bool): the reference's ``drop_last`` in the fill:
            rows in the dropped last batch keep their N(0, 1) initial values
            (no "filled" check). Default: False (every row filled, asserted).
        batch_size (int): refresh batch size per rank. Default: 128.
        num_workers (int): refresh loader workers. Default: 0.
    """

    priority = 'NORMAL'

    def __init__(self, interval: int = 50, test_pipeline: Optional[Sequence[dict]] = None,
                 refresh_pipeline: str = 'test', bank_fill_drop_last: bool = False,
                 batch_size: int = 128, num_workers: int = 0) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'interval must be an int >= 1, got {interval!r}')
        if refresh_pipeline not in REFRESH_PIPELINES:
            raise ValueError(f'refresh_pipeline must be one of {REFRESH_PIPELINES}, got '
                             f'{refresh_pipeline!r}')
        if refresh_pipeline == 'test' and test_pipeline is None:
            raise ValueError("refresh_pipeline='test' needs test_pipeline (the eval transforms)")
        self.interval = interval
        self.test_pipeline = list(test_pipeline) if test_pipeline is not None else None
        self.refresh_pipeline = refresh_pipeline
        self.bank_fill_drop_last = bank_fill_drop_last
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.loader = None

    def before_run(self, runner) -> None:
        # Before load_or_resume, so the banks exist (sized) when the method state loads.
        # Only for training: a test-only run has no built training loop.
        if self.loader is not None or runner.built_train_loop is None:
            return
        model = _algorithm(runner)
        if not hasattr(model, 'refresh_banks'):
            raise TypeError(f'BankRefreshHook needs an algorithm with refresh_banks() (EERCL), '
                            f'got {type(model).__name__}')
        train_set = runner.train_loop.dataloader.dataset
        if not isinstance(train_set, MultiViewDataset):
            raise TypeError('BankRefreshHook reads the training set through its '
                            f'MultiViewDataset; train_dataloader.dataset is '
                            f'{type(train_set).__name__}')
        if model.num_samples is None:
            model.init_banks(len(train_set))
        elif len(train_set) != model.num_samples:
            raise ValueError(f'model.num_samples={model.num_samples} but the training set has '
                             f'{len(train_set)} samples; set num_samples to the dataset length '
                             'or leave it None')
        pipeline = self.test_pipeline if self.refresh_pipeline == 'test' else 'weak'
        self.loader = runner.build_dataloader(
            dict(dataset=train_set.single_view(pipeline), batch_size=self.batch_size,
                 num_workers=self.num_workers, drop_last=self.bank_fill_drop_last,
                 sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
                 collate_fn=dict(type='default_collate')),
            seed=runner.seed)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        # Due *before* the forward of iteration t with t % R == 0 (mmengine's
        # every_n_train_iters counts (t + 1) and suits after_train_iter).
        if runner.iter % self.interval != 0:
            return
        model = _algorithm(runner)
        with torch.random.fork_rng(devices=[]):
            diagnostics = model.refresh_banks(self.loader, runner.iter,
                                              allow_missing=self.bank_fill_drop_last)
        for key, value in diagnostics.items():
            runner.message_hub.update_scalar(f'train/{key}', value)
        print_log(f'iteration {runner.iter}: banks refreshed; ' +
                  ', '.join(f'{k} {v:.4f}' for k, v in diagnostics.items()), logger='current')

