"""Iteration-based training that resumes exactly.

mmengine's ``IterBasedTrainLoop`` resumes by calling ``next`` on a fresh data
iterator ``iter`` times: every skipped batch is decoded and augmented again,
under different random streams than the first time (a new iterator draws new
worker seeds), so the continuation differs from an uninterrupted run; it also
sleeps 2 s at every epoch boundary. This loop instead

* keeps the data epoch as the loop's ``epoch`` (``iter // batches_per_epoch``,
  so it is a function of the iteration) and sets it on the sampler before an
  epoch's iterator is created;
* on resume, skips the batches of the current epoch that were already consumed
  **by index** (the batch sampler is advanced; nothing is decoded), building that
  one iterator under ``torch.random.fork_rng``: in the uninterrupted run this
  epoch's iterator was created before the checkpoint, so its seed draw is
  already inside the RNG state ``RngStateHook`` restored;
* repeats the validation a kill interrupted: ``CheckpointHook`` saves in
  ``after_train_iter``, before that iteration's validation.

Augmentation randomness that must survive a resume mid-epoch comes from the
per-sample seeds of ``SeededAugSampler`` (``basicda/datasets/multi_view.py``);
evaluation never moves the training RNG (``MultiDatasetValLoop``).
"""
from typing import Optional

import torch
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.base_loop import BaseLoop
from torch.utils.data import DataLoader, Sampler

from basicda.registry import LOOPS

__all__ = ['ResumableIterBasedTrainLoop']


class _SkipBatches(Sampler):
    """A batch sampler without its first ``skip`` batches (indices only)."""

    def __init__(self, batch_sampler, skip: int) -> None:
        self.batch_sampler = batch_sampler
        self.skip = skip

    def __iter__(self):
        batches = iter(self.batch_sampler)
        for _ in range(self.skip):
            next(batches)
        yield from batches

    def __len__(self) -> int:
        return len(self.batch_sampler) - self.skip


def _loader_skipping(loader: DataLoader, skip: int) -> DataLoader:
    """``loader`` (same dataset, workers, collate, seeds) minus its first ``skip`` batches."""
    kwargs = dict(num_workers=loader.num_workers, collate_fn=loader.collate_fn,
                  pin_memory=loader.pin_memory, timeout=loader.timeout,
                  worker_init_fn=loader.worker_init_fn, generator=loader.generator,
                  multiprocessing_context=loader.multiprocessing_context)
    if loader.num_workers > 0:
        kwargs.update(prefetch_factor=loader.prefetch_factor,
                      persistent_workers=loader.persistent_workers)
    return DataLoader(loader.dataset, batch_sampler=_SkipBatches(loader.batch_sampler, skip),
                      **kwargs)


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):
    """``IterBasedTrainLoop`` with exact resume (see the module docstring).

    Args:
        runner: the Runner.
        dataloader: the training dataloader or its config. It must give the same
            number of batches every epoch (any mmengine sampler does).
        max_iters (int): total iterations.
        val_begin (int): first iteration after which validation may run. Default: 1.
        val_interval (int): validate every ``val_interval`` iterations and after
            the last one. Default: 1000.
    """

    def __init__(self, runner, dataloader, max_iters: int, val_begin: int = 1,
                 val_interval: int = 1000) -> None:
        BaseLoop.__init__(self, runner, dataloader)
        if int(max_iters) != max_iters or max_iters < 1:
            raise ValueError(f'max_iters must be a positive int, got {max_iters!r}')
        if val_interval < 1:
            raise ValueError(f'val_interval must be >= 1, got {val_interval}')
        self._max_iters = int(max_iters)
        self._max_epochs = 1  # mmengine's convention for iteration-based loops
        self._epoch = 0
        self._iter = 0
        self.val_begin = val_begin
        self.val_interval = val_interval
        self.stop_training = False
        self.batches_per_epoch = len(self.dataloader)
        if self.batches_per_epoch == 0:
            raise ValueError('the training dataloader yields no batch (dataset smaller than '
                             'one batch with drop_last=True?)')
        if hasattr(self.dataloader.dataset, 'metainfo'):
            self.runner.visualizer.dataset_meta = self.dataloader.dataset.metainfo
        # Epoch-local iterator, created lazily at the first batch of each epoch.
        self._batches: Optional[object] = None
        # dynamic intervals are not supported; keep the attribute mmengine reads
        self.dynamic_milestones, self.dynamic_intervals = [0], [val_interval]

    def _set_sampler_epoch(self, epoch: int) -> None:
        sampler = getattr(self.dataloader, 'sampler', None)
        if not hasattr(sampler, 'set_epoch'):
            sampler = getattr(getattr(self.dataloader, 'batch_sampler', None), 'sampler', None)
        if hasattr(sampler, 'set_epoch'):
            sampler.set_epoch(epoch)

    def _next_batch(self):
        if self._batches is None:
            self._set_sampler_epoch(self._epoch)
            self._batches = iter(self.dataloader)
        try:
            return next(self._batches)
        except StopIteration:
            self._epoch += 1
            self._batches = None
            return self._next_batch()

    def _val_due(self, iteration: int) -> bool:
        return (self.runner.val_loop is not None and iteration >= self.val_begin
                and (iteration % self.val_interval == 0 or iteration == self._max_iters))

    def _resume_position(self) -> None:
        """Put the data stream where an uninterrupted run is after ``self._iter`` batches."""
        epoch, done = divmod(self._iter, self.batches_per_epoch)
        self._epoch = epoch
        self._batches = None
        if done:
            self._set_sampler_epoch(epoch)
            # This epoch's iterator was created (and drew its seed) before the
            # checkpoint in the uninterrupted run: do not draw again.
            with torch.random.fork_rng(devices=[]):
                self._batches = iter(_loader_skipping(self.dataloader, done))
        print_log(f'resumed at iteration {self._iter}: data epoch {epoch}, skipped {done} '
                  'batches by index', logger='current')

    def run(self):
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        if self._iter > 0:
            self._resume_position()
            if self._val_due(self._iter):
                print_log(f'repeating the validation of iteration {self._iter}, which ran '
                          'after that checkpoint was written', logger='current')
                self.runner.val_loop.run()
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = self._next_batch()
            self.run_iter(data_batch)
            if self._val_due(self._iter):
                self.runner.val_loop.run()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model
