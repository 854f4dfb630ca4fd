"""Optional pseudo-label refresh of the CluP student (an extension, off by default).

CluP computes its pseudo-labels once, with the frozen source model, and never
refreshes them (``docs/clup.md``); a student config without the refresh keeps
exactly that. The refresh is a :class:`~basicda.engine.loops.RoundBasedTrainLoop`
(``train_cfg = dict(type='RoundBasedTrainLoop', round_interval=E,
selection=dict(type='clup_refresh_selection'))``) plus
:class:`PseudoLabelRefreshHook`. After training epochs E, 2E, ... (never after
the last epoch) the loop runs refresh round t with the *current student* as the
teacher of stage 3a:
1. ``before_round`` (this hook): the student, in eval mode and float32, embeds the
   whole target train set with a dedicated loader (test pipeline,
   ``DefaultSampler(shuffle=False, round_up=False)``), exactly like the stage-3a
   teacher pass (:func:`ferda.methods.clup.loop.embed_dataset`), gathered by dataset
   index; the inputs are ``feat``, ``logits`` and ``settings`` = those of the
   original artefact (overridable) with seed = its seed + t; the loop saves and
   restores every RNG around the round, so the training streams are untouched;
2. rank 0 runs the pure :func:`clup_refresh_selection` (= :func:`clup_pseudo_labels`)
   and the loop broadcasts the result;
3. the training :class:`PseudoLabelDataset` takes the new selection
   (``apply_selection``) and the loop updates its sampler (the train loader must
   not keep persistent workers);
4. ``after_round`` (this hook): ``<work_dir>/pseudo_labels_refresh_<t>.pt`` is
   written atomically (the keys of ``pseudo_labels.pt`` plus ``round``, ``epoch``
   and ``source_artefact``; the ``teacher_*`` keys describe the student) and the
   ``diag/refresh_*`` numbers are logged (ground truth enters only these).
The round and its labels travel in the checkpoint (the loop's ``round_loop``
state), so ``--resume`` continues with the refreshed labels; resuming past a
refresh from a checkpoint without that state raises.
"""
import copy
import hashlib
import os.path as osp
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from basicda.engine.loops import RoundBasedTrainLoop, update_sampler_length
from basicda.ops.gather import world_info
from ferda.registry import FUNCTIONS, HOOKS

from .artefact import load_artefact, save_artefact, settings_hash, target_checksum
from .dataset import PseudoLabelDataset
from .loop import (check_settings, clup_pseudo_labels, dataset_truth, embed_dataset,
                   selection_diagnostics)

__all__ = ['PseudoLabelRefreshHook', 'clup_refresh_selection', 'update_sampler_length',
           'REFRESH_ARTEFACT', 'REFRESH_SETTINGS']

#: File name of refresh round t in the work dir.
REFRESH_ARTEFACT = 'pseudo_labels_refresh_{round}.pt'
#: Settings of ``clup_pseudo_labels`` taken from the original artefact (seed apart).
REFRESH_SETTINGS = ('num_clusters', 'fraction', 'mode', 'drop_outliers', 'iter_clusters',
                    'n_init', 'max_iter', 'backend', 'min_per_class', 'ssl_cycles')


@FUNCTIONS.register_module()
def clup_refresh_selection(inputs: dict, round: int) -> dict:
    """The selection of a CluP refresh round: :func:`clup_pseudo_labels` of the
    student's embedding with the round's settings.

    Args:
        inputs (dict): ``feat`` (N, D) and ``logits`` (N, C) of target train by
            dataset index, ``settings`` (the keyword arguments of
            :func:`clup_pseudo_labels`, seed included).
        round (int): the refresh round t (only named in errors).

    Returns:
        dict: the result of :func:`clup_pseudo_labels` (``labels``, ``selected``, ...).

    Raises:
        ValueError: the round selects no sample.
    """
    result = clup_pseudo_labels(inputs['feat'], inputs['logits'], **inputs['settings'])
    if len(result['selected']) == 0:
        raise ValueError(f'pseudo-label refresh round {round} selects no sample: raise the '
                         'fraction r or lower K, or refresh less often')
    return result


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
    """The CluP side of a refresh round of :class:`RoundBasedTrainLoop` (see the
    module docstring): the student's embedding of target train as the round's
    inputs, then the round's artefact file and diagnostics. An extension: the
    paper keeps its pseudo-labels fixed.

    Args:
        refresh_dataloader (dict): the loader of the refresh pass: target train
            (the same sample list as the training ``PseudoLabelDataset``, checked by
            checksum) with the *test* pipeline,
            ``sampler=dict(type='DefaultSampler', shuffle=False, round_up=False)``.
        num_clusters, fraction, mode, drop_outliers, iter_clusters, n_init, max_iter,
        backend, min_per_class, ssl_cycles: overrides of the settings stored in
            the original artefact; None (default) keeps the artefact's value.

    The training loader must use ``persistent_workers=False`` (workers re-forked
    every epoch see the new labels); checked before training starts.
    """

    def __init__(self, refresh_dataloader: dict, num_clusters: Optional[int] = None,
                 fraction: Optional[float] = None, mode: Optional[str] = None,
                 drop_outliers: Optional[bool] = None, iter_clusters: Optional[int] = None,
                 n_init: Optional[int] = None, max_iter: Optional[int] = None,
                 backend: Optional[str] = None, min_per_class: Optional[int] = None,
                 ssl_cycles: Optional[int] = None) -> None:
        if not isinstance(refresh_dataloader, dict):
            raise TypeError('PseudoLabelRefreshHook needs refresh_dataloader=dict(...): target '
                            "train with the test pipeline and sampler=dict(type='DefaultSampler"
                            "', shuffle=False, round_up=False)")
        self.refresh_dataloader = copy.deepcopy(refresh_dataloader)
        overrides = dict(num_clusters=num_clusters, fraction=fraction, mode=mode,
                         drop_outliers=drop_outliers, iter_clusters=iter_clusters, n_init=n_init,
                         max_iter=max_iter, backend=backend, min_per_class=min_per_class,
                         ssl_cycles=ssl_cycles)
        self.overrides = {k: v for k, v in overrides.items() if v is not None}
        self.loader = None
        self.settings = None  # REFRESH_SETTINGS of the artefact with the overrides
        self.base_seed = None

    @staticmethod
    def _train_set(runner) -> PseudoLabelDataset:
        dataset = runner.train_loop.dataloader.dataset
        if not isinstance(dataset, PseudoLabelDataset):
            raise TypeError('PseudoLabelRefreshHook relabels a PseudoLabelDataset; '
                            f'train_dataloader.dataset is {type(dataset).__name__}')
        return dataset

    def before_train(self, runner) -> None:
        if not isinstance(runner.train_loop, RoundBasedTrainLoop):
            raise TypeError("PseudoLabelRefreshHook runs in the rounds of train_cfg=dict(type="
                            "'RoundBasedTrainLoop', round_interval=E, selection=dict(type="
                            "'clup_refresh_selection')), not in "
                            f'{type(runner.train_loop).__name__}')
        dataset = self._train_set(runner)
        if runner.train_loop.dataloader.persistent_workers:
            raise ValueError('the pseudo-label refresh needs train_dataloader.persistent_workers'
                             '=False: persistent workers keep their copy of the old labels')
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
        print_log(f'PseudoLabelRefreshHook: relabelling target train every '
                  f'{runner.train_loop.round_interval} epochs with the student; settings '
                  f'{settings}, seed {self.base_seed} + round', logger='current')

    def before_round(self, runner, round: int, inputs: dict) -> None:
        """The student's embedding of target train and round ``round``'s settings."""
        gathered = embed_dataset(_model(runner), self.loader)
        inputs.update(feat=gathered['feat'], logits=gathered['logits'],
                      settings=dict(self.settings, seed=self.base_seed + round))

    def after_round(self, runner, round: int, inputs: dict, result: dict) -> None:
        """Write ``pseudo_labels_refresh_<round>.pt`` and log the diagnostics."""
        dataset = self._train_set(runner)
        epoch = runner.epoch + 1  # the epoch just finished (the loop counts it afterwards)
        rank, _ = world_info()
        settings = inputs['settings']
        num_classes = int(inputs['logits'].shape[1])
        artefact = dict(result, target_checksum=dataset.target_checksum,
                        teacher_sha256=_state_sha256(_model(runner)) if rank == 0 else None,
                        settings_hash=settings_hash(settings), **settings,
                        num_classes=num_classes, num_samples=len(self.loader.dataset),
                        teacher_checkpoint=f'student after epoch {epoch}',
                        source_artefact=dataset.labels_file, round=round, epoch=epoch)
        path = osp.join(runner.work_dir, REFRESH_ARTEFACT.format(round=round))
        if rank == 0:
            save_artefact(path, artefact)
        truth = dataset_truth(dataset.dataset)  # None for an unlabelled target
        diag = selection_diagnostics(result['labels'], result['selected'], result['predictions'],
                                     truth, num_classes)
        hub = runner.message_hub
        hub.update_scalar('train/refresh_round', float(round))
        hub.update_scalar('train/refresh_selected', float(len(result['selected'])))
        gt_part = ''
        if truth is not None:
            hub.update_scalar('train/diag/refresh_selection_precision', diag['precision'])
            hub.update_scalar('train/diag/refresh_student_accuracy', diag['accuracy'])
            gt_part = (f'; diag (ground truth): selection precision '
                       f'{100 * diag["precision"]:.1f} % vs student accuracy on all target '
                       f'train {100 * diag["accuracy"]:.1f} %')
        print_log(f'pseudo-label refresh round {round} after epoch {epoch}: selected '
                  f'{len(result["selected"])}/{len(result["labels"])} target samples, per class '
                  f'{diag["counts"]}{gt_part}; wrote {path}', logger='current')
