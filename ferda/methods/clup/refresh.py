"""Optional pseudo-label refresh of the CluP student (an extension, off by default).

CluP computes its pseudo-labels once, with the frozen source model, and never
refreshes them (``docs/clup.md`` §1); ``interval=0`` keeps exactly that. With
``interval=E > 0``, :class:`PseudoLabelRefreshHook` relabels target train after
training epochs E, 2E, ... (never after the last epoch) with the *current student*
as the teacher of §2.2-2.7:
1. the student, in eval mode and float32, embeds the whole target train set with
   a dedicated loader (test pipeline, ``DefaultSampler(shuffle=False,
   round_up=False)``), exactly like the stage-3a teacher pass
   (:func:`ferda.methods.clup.loop.embed_dataset`), gathered by dataset index; the
   pass runs with every RNG saved and restored, so the training streams are
   untouched;
2. rank 0 runs :func:`clup_pseudo_labels` with the settings of the original
   artefact and seed = its seed + refresh round, and broadcasts the result;
3. ``<work_dir>/pseudo_labels_refresh_<round>.pt`` is written atomically (the keys
   of ``pseudo_labels.pt`` plus ``round``, ``epoch`` and ``source_artefact``; the
   ``teacher_*`` keys describe the student);
4. the training :class:`PseudoLabelDataset` and its sampler take the new
   selection in place (the train loader must not keep persistent workers).
The round and the current labels travel in the checkpoint (``clup_refresh``), so
``--resume`` continues with the refreshed labels; resuming past a refresh from a
checkpoint without that state raises. Ground truth only enters the logged ``diag/``
numbers.
"""
import copy
import hashlib
import math
import os.path as osp
from typing import Optional

import torch
from mmengine.dataset import DefaultSampler
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner.base_loop import BaseLoop

from basicda.engine.hooks.rng_state import capture_rng_state, restore_rng_state
from basicda.ops.gather import broadcast_object, world_info
from ferda.registry import HOOKS

from .artefact import load_artefact, save_artefact, settings_hash, target_checksum
from .dataset import PseudoLabelDataset
from .loop import (check_settings, clup_pseudo_labels, dataset_truth, embed_dataset,
                   selection_diagnostics)

__all__ = ['PseudoLabelRefreshHook', 'update_sampler_length', 'refresh_due', 'refreshes_done',
           'REFRESH_ARTEFACT', 'REFRESH_SETTINGS']

#: File name of refresh round t in the work dir.
REFRESH_ARTEFACT = 'pseudo_labels_refresh_{round}.pt'
#: Settings of ``clup_pseudo_labels`` taken from the original artefact (seed apart).
REFRESH_SETTINGS = ('num_clusters', 'fraction', 'mode', 'drop_outliers', 'iter_clusters',
                    'n_init', 'max_iter', 'backend', 'min_per_class', 'ssl_cycles')
#: Checkpoint key of the refresh state.
STATE_KEY = 'clup_refresh'


def update_sampler_length(sampler) -> int:
    """Recompute the per-rank length a sampler cached from ``len(sampler.dataset)``.

    mmengine's ``DefaultSampler`` stores ``num_samples`` and ``total_size`` in its
    ``__init__``; after the dataset changed length they are recomputed the same
    way (round-up or not, this rank's share). The shuffle seed and epoch are kept.

    Returns:
        int: the new ``len(sampler)``.

    Raises:
        TypeError: any other sampler type (its cached length cannot be updated).
    """
    if not isinstance(sampler, DefaultSampler):
        raise TypeError(f'the pseudo-label refresh changes the training set length, and a '
                        f'{type(sampler).__name__} cannot be updated in place: use '
                        "train_dataloader.sampler=dict(type='DefaultSampler', shuffle=True)")
    n = len(sampler.dataset)
    if sampler.round_up:
        sampler.num_samples = math.ceil(n / sampler.world_size)
        sampler.total_size = sampler.num_samples * sampler.world_size
    else:
        sampler.num_samples = math.ceil((n - sampler.rank) / sampler.world_size)
        sampler.total_size = n
    return sampler.num_samples


def refresh_due(epoch: int, interval: int, max_epochs: int) -> bool:
    """Whether a refresh follows training epoch ``epoch`` (1-based, just finished):
    every ``interval`` epochs, never after the last one, never with ``interval=0``."""
    return interval > 0 and epoch % interval == 0 and epoch < max_epochs


def refreshes_done(epoch: int, interval: int, max_epochs: int) -> int:
    """How many refreshes a run has made by the end of epoch ``epoch``."""
    return 0 if interval <= 0 else min(epoch, max_epochs - 1) // interval


def _state_sha256(model: torch.nn.Module) -> str:
    """sha256 over the names and bytes of ``model.state_dict()`` (the student that
    relabelled, in place of the teacher checkpoint's file hash)."""
    digest = hashlib.sha256()
    for name, value in model.state_dict().items():
        digest.update(name.encode())
        digest.update(value.detach().cpu().contiguous().reshape(-1).view(torch.uint8)
                      .numpy().tobytes())
    return digest.hexdigest()


def _model(runner):
    return runner.model.module if is_model_wrapper(runner.model) else runner.model


@HOOKS.register_module()
class PseudoLabelRefreshHook(Hook):
    """Relabel target train with the student every ``interval`` epochs (see the
    module docstring). An extension: the paper keeps its pseudo-labels fixed.

    Args:
        interval (int): E, epochs between refreshes; 0 (default) never refreshes
            and the hook does nothing at all.
        refresh_dataloader (dict): the loader of the refresh pass, required when
            ``interval > 0``: target train (the same sample list as the training
            ``PseudoLabelDataset``, checked by checksum) with the *test* pipeline,
            ``sampler=dict(type='DefaultSampler', shuffle=False, round_up=False)``.
        num_clusters, fraction, mode, drop_outliers, iter_clusters, n_init, max_iter,
        backend, min_per_class, ssl_cycles: overrides of the settings stored in
            the original artefact; None (default) keeps the artefact's value.

    The training loader must use a ``DefaultSampler`` (its cached length is
    updated) and ``persistent_workers=False`` (workers re-forked every epoch see
    the new labels); both are checked before training starts.
    """

    # above CheckpointHook (VERY_LOW): epoch_E.pth already holds refresh round E / interval
    priority = 'NORMAL'

    def __init__(self, interval: int = 0, refresh_dataloader: Optional[dict] = None,
                 num_clusters: Optional[int] = None, fraction: Optional[float] = None,
                 mode: Optional[str] = None, drop_outliers: Optional[bool] = None,
                 iter_clusters: Optional[int] = None, n_init: Optional[int] = None,
                 max_iter: Optional[int] = None, backend: Optional[str] = None,
                 min_per_class: Optional[int] = None, ssl_cycles: Optional[int] = None) -> None:
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 0:
            raise ValueError(f'PseudoLabelRefreshHook: interval must be an int >= 0 (0 = never '
                             f'refresh), got {interval!r}')
        if interval > 0 and refresh_dataloader is None:
            raise ValueError('PseudoLabelRefreshHook(interval>0) needs refresh_dataloader=dict('
                             "...): target train with the test pipeline and sampler=dict(type="
                             "'DefaultSampler', shuffle=False, round_up=False)")
        self.interval = interval
        self.refresh_dataloader = copy.deepcopy(refresh_dataloader)
        overrides = dict(num_clusters=num_clusters, fraction=fraction, mode=mode,
                         drop_outliers=drop_outliers, iter_clusters=iter_clusters, n_init=n_init,
                         max_iter=max_iter, backend=backend, min_per_class=min_per_class,
                         ssl_cycles=ssl_cycles)
        self.overrides = {k: v for k, v in overrides.items() if v is not None}
        self.loader = None
        self.settings = None  # REFRESH_SETTINGS of the artefact with the overrides
        self.base_seed = None
        self.round = 0
        self.state = None  # labels / selected / soft of the last round

    # -- set-up ---------------------------------------------------------------------------

    @staticmethod
    def _train_set(runner) -> PseudoLabelDataset:
        dataset = runner.train_loop.dataloader.dataset
        if not isinstance(dataset, PseudoLabelDataset):
            raise TypeError('PseudoLabelRefreshHook relabels a PseudoLabelDataset; '
                            f'train_dataloader.dataset is {type(dataset).__name__}')
        return dataset

    def before_run(self, runner) -> None:
        # Before load_or_resume (so the checkpoint state can be applied) and before the
        # RNG states are restored; only for training, once.
        if self.interval == 0 or self.loader is not None or \
                not isinstance(runner._train_loop, BaseLoop):
            return
        dataset = self._train_set(runner)
        train_loader = runner.train_loop.dataloader
        if train_loader.persistent_workers:
            raise ValueError('the pseudo-label refresh needs train_dataloader.persistent_workers'
                             '=False: persistent workers keep their copy of the old labels')
        update_sampler_length(train_loader.sampler)  # fails early for another sampler type
        artefact = load_artefact(dataset.labels_file)
        settings = {k: artefact[k] for k in REFRESH_SETTINGS if k in artefact}
        settings.update(self.overrides)
        missing = [k for k in REFRESH_SETTINGS if k not in settings]
        if missing or 'seed' not in artefact:
            raise ValueError(f'{dataset.labels_file} does not store the pseudo-label settings '
                             f'{missing + ([] if "seed" in artefact else ["seed"])}; recompute '
                             'it (test_cfg.force_relabel=True) or give them to the hook')
        check_settings(settings['backend'], settings['mode'], settings['fraction'])
        self.settings, self.base_seed = settings, int(artefact['seed'])
        loader = runner.build_dataloader(self.refresh_dataloader, seed=runner.seed)
        sampler = loader.sampler
        if getattr(sampler, 'shuffle', True) or getattr(sampler, 'round_up', True) or \
                loader.drop_last:
            raise ValueError('the refresh pass needs refresh_dataloader.sampler = dict(type='
                             "'DefaultSampler', shuffle=False, round_up=False) and no drop_last: "
                             'every target sample exactly once')
        found = target_checksum(loader.dataset.records)
        if found != dataset.target_checksum:
            raise ValueError(f'refresh_dataloader.dataset is not the training target list '
                             f'(checksum {found[:12]}, train {dataset.target_checksum[:12]}): '
                             'same reader, split and order are required')
        self.loader = loader
        print_log(f'PseudoLabelRefreshHook: relabelling target train every {self.interval} '
                  f'epochs with the student; settings {settings}, seed {self.base_seed} + round',
                  logger='current')

    # -- refresh --------------------------------------------------------------------------

    def after_train_epoch(self, runner) -> None:
        epoch = runner.epoch + 1  # the epoch just finished (the loop counts it afterwards)
        if refresh_due(epoch, self.interval, runner.max_epochs):
            self.refresh(runner, epoch)

    def refresh(self, runner, epoch: int) -> dict:
        """Relabel with the current student after training epoch ``epoch``; return the
        written artefact."""
        dataset = self._train_set(runner)
        model = _model(runner)
        round_ = self.round + 1
        settings = dict(self.settings, seed=self.base_seed + round_)
        rank, _ = world_info()
        rng = capture_rng_state()
        was_training = model.training
        try:
            model.eval()
            gathered = embed_dataset(model, self.loader)
            result = None
            if rank == 0:
                result = clup_pseudo_labels(gathered['feat'], gathered['logits'], **settings)
            result = broadcast_object(result)
        finally:
            model.train(was_training)
            restore_rng_state(rng)
        num_classes = int(gathered['logits'].shape[1])
        artefact = dict(result, target_checksum=dataset.target_checksum,
                        teacher_sha256=_state_sha256(model) if rank == 0 else None,
                        settings_hash=settings_hash(settings), **settings,
                        num_classes=num_classes, num_samples=len(self.loader.dataset),
                        teacher_checkpoint=f'student after epoch {epoch}',
                        source_artefact=dataset.labels_file, round=round_, epoch=epoch)
        path = osp.join(runner.work_dir, REFRESH_ARTEFACT.format(round=round_))
        if rank == 0:
            save_artefact(path, artefact)
        if len(result['selected']) == 0:
            raise ValueError(f'pseudo-label refresh round {round_} (after epoch {epoch}) selects '
                             'no sample: raise the fraction r or lower K, or refresh less often')
        self._apply(runner, round_, result['labels'], result['selected'], result['soft'],
                    epochs_done=epoch, iters_done=runner.iter)
        truth = dataset_truth(dataset.dataset)  # None for an unlabelled target
        diag = selection_diagnostics(result['labels'], result['selected'], result['predictions'],
                                   truth, num_classes)
        hub = runner.message_hub
        hub.update_scalar('train/refresh_round', float(round_))
        hub.update_scalar('train/refresh_selected', float(len(result['selected'])))
        gt_part = ''
        if truth is not None:
            hub.update_scalar('train/diag/refresh_selection_precision', diag['precision'])
            hub.update_scalar('train/diag/refresh_student_accuracy', diag['accuracy'])
            gt_part = (f'; diag (ground truth): selection precision '
                       f'{100 * diag["precision"]:.1f} % vs student accuracy on all target '
                       f'train {100 * diag["accuracy"]:.1f} %')
        print_log(f'pseudo-label refresh round {round_} after epoch {epoch}: selected '
                  f'{len(result["selected"])}/{len(result["labels"])} target samples, per class '
                  f'{diag["counts"]}{gt_part}; wrote {path}', logger='current')
        return artefact

    def _apply(self, runner, round_: int, labels, selected, soft, epochs_done: int,
               iters_done: int) -> None:
        """Put a round's labels into the training set, its sampler and the loop's
        (re-estimated) ``max_iters``; remember them for the checkpoint."""
        dataset = self._train_set(runner)
        loop = runner.train_loop
        dataset.set_pseudo_labels(labels, selected, soft)
        update_sampler_length(loop.dataloader.sampler)
        # progress and ETA only (epoch-based schedules): the remaining epochs at the new length
        loop._max_iters = iters_done + (loop.max_epochs - epochs_done) * len(loop.dataloader)
        runner.message_hub.update_info('max_iters', loop._max_iters)
        self.round = round_
        self.state = dict(labels=dataset.labels.clone(), selected=dataset.selected.clone(),
                          soft=None if soft is None else torch.as_tensor(soft).float().clone())

    # -- resume ---------------------------------------------------------------------------

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.interval == 0:
            return
        state = self.state or dict(labels=None, selected=None, soft=None)
        checkpoint[STATE_KEY] = dict(state, round=self.round, interval=self.interval,
                                     target_checksum=self._train_set(runner).target_checksum)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get(STATE_KEY)
        if not runner._resume:  # load_from: weights only
            return
        epoch = int(checkpoint['meta']['epoch'])
        if self.interval == 0:
            if state is not None and state['round'] > 0:
                raise ValueError(f'the checkpoint was trained on refreshed pseudo-labels (round '
                                 f'{state["round"]}, interval {state["interval"]}) but this '
                                 'run has PseudoLabelRefreshHook(interval=0): resume with '
                                 f'interval={state["interval"]}')
            return
        if state is None:
            if refreshes_done(epoch, self.interval, runner.max_epochs) > 0:
                raise RuntimeError(
                    f'the checkpoint (epoch {epoch}) has no {STATE_KEY!r} state, but with '
                    f'interval={self.interval} the labels were refreshed by then: resuming '
                    'would silently train on the original pseudo-labels. Resume from a '
                    'checkpoint written with PseudoLabelRefreshHook')
            return
        dataset = self._train_set(runner)
        if state['interval'] != self.interval:
            raise ValueError(f'the checkpoint was refreshed every {state["interval"]} epochs, this '
                             f'run has PseudoLabelRefreshHook(interval={self.interval})')
        if state['target_checksum'] != dataset.target_checksum:
            raise ValueError("the checkpoint's refreshed pseudo-labels belong to a different "
                             'target train list (checksum mismatch)')
        if state['round'] > 0:
            self._apply(runner, int(state['round']), state['labels'], state['selected'],
                        state['soft'], epochs_done=epoch,
                        iters_done=int(checkpoint['meta']['iter']))
            print_log(f'PseudoLabelRefreshHook: resumed at epoch {epoch} with refresh round '
                      f'{self.round}: {len(dataset)} of {len(dataset.dataset)} target samples '
                      'selected', logger='current')
