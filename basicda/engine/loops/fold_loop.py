"""Subject-wise cross-validation (leave-one-subject-out or k-fold) as a train loop.

``train_cfg = dict(type='FoldLoop', max_epochs=E, scheme='loso', eval_dataloader=...)``.
For every fold f = 1..F (:func:`~basicda.engine.loops.folds.assign_folds`) the
loop

1. re-seeds every RNG with ``fold_seed(seed, held-out subjects)`` and builds a **fresh** model
   from ``cfg.model`` (``init_checkpoint``: then loads that pre-trained
   checkpoint), optimiser and parameter schedulers from the config;
2. trains it for ``max_epochs`` on the training subjects (the standard hook
   points run, so logging, schedulers and timers work as usual) and writes
   ``folds/<f>/epoch_<e>.pth`` every ``checkpoint_interval`` epochs and after the
   last (model, optimiser, schedulers, RNG states, position; only the newest is
   kept);
3. predicts the held-out subjects with ``eval_dataloader`` (same samples, test
   pipeline) and writes ``folds/<f>.csv`` (``index, subject, label, prediction,
   score_0..score_{C-1}``, rows in sample order) and then ``folds/<f>.json`` (held-out
   subjects, per-fold metrics, the sha256 of the config, the final checkpoint
   and the CSV): the JSON marks the fold complete.

Fold f runs on rank (f - 1) mod W and on one process only (its sampler covers the
whole fold, the model is not DDP-wrapped, nothing in a fold is a collective), so
with per-fold seeds the predictions do not depend on W. When every rank is done,
rank 0 computes the **pooled** metrics once over all folds' predictions and the
**fold average** (mean of the per-fold metrics, labelled as such) into
``results.json``.

``--resume`` skips every fold whose JSON, checkpoint and CSV verify (hashes, and
the same config), and continues an unfinished fold from its newest checkpoint.
A fold whose files do not verify is trained again; a fold written under another
config is an error (a new work dir, or delete ``folds/``).
"""
import copy
import glob
import hashlib
import json
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset import worker_init_fn as default_worker_init_fn
from mmengine.device import get_device
from mmengine.dist import barrier, get_rank, get_world_size
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmengine.registry import DATA_SAMPLERS
from mmengine.runner.base_loop import BaseLoop
from mmengine.runner.checkpoint import load_checkpoint, save_checkpoint, weights_to_cpu
from mmengine.runner.utils import set_random_seed
from torch.utils.data import Subset

from basicda.engine.checkpoint import atomic_write_bytes, latest_checkpoint, safe_load
from basicda.engine.hooks.rng_state import capture_rng_state, restore_rng_state
from basicda.registry import LOOPS
from basicda.fileio import sha256_file

from .folds import assign_folds, fold_metrics, fold_split, read_fold_csv
from .round_loop import build_function
from .samplers import make_single_process

__all__ = ['FoldLoop', 'fold_seed', 'config_sha256']

#: config keys that say where/how a run is launched, not what it computes
_RUN_KEYS = ('work_dir', 'resume', 'load_from', 'launcher', 'model_wrapper_cfg', 'gpu_ids')
def fold_seed(seed: int, held_out: Sequence) -> int:
    """The seed of the fold that holds out ``held_out``: a function of (run seed,
    held-out subjects) only, so a fold starts from the same RNG state on any rank,
    after any other fold, and whatever the fold's number (subjects added or removed)."""
    subjects = hashlib.sha256(json.dumps(sorted(map(str, held_out))).encode()).digest()
    return int(np.random.SeedSequence([int(seed), int.from_bytes(subjects[:8], 'little')])
               .generate_state(1)[0])


def config_sha256(cfg) -> str:
    """sha256 of the config without the keys that only say where and how the run
    was launched (:data:`_RUN_KEYS`)."""
    data = {k: v for k, v in cfg.to_dict().items() if k not in _RUN_KEYS}
    text = json.dumps(data, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()




def fold_scalars(scheme: str, pooled: dict, average: dict, per_fold: List[dict]) -> dict:
    """TensorBoard/JSON scalars of a fold run: ``<scheme>/pooled/<metric>``,
    ``<scheme>/fold_average/<metric>`` and, per fold, ``<scheme>/<name>/<metric>`` where
    ``<name>`` is ``subject_<id>`` when the fold holds out one subject (LOSO: per-subject
    accuracy), else ``fold_<f>``. Only float metrics are kept.

    >>> fold_scalars('loso', {'uar': 0.5}, {'uar': 0.4}, [dict(fold=1, held_out=['s1'], uar=0.4)])
    {'loso/pooled/uar': 0.5, 'loso/fold_average/uar': 0.4, 'loso/subject_s1/uar': 0.4}
    """
    out = {f'{scheme}/pooled/{k}': v for k, v in pooled.items() if isinstance(v, float)}
    out.update({f'{scheme}/fold_average/{k}': v for k, v in average.items()
                if isinstance(v, float)})
    for info in per_fold:
        held = info['held_out']
        name = f'subject_{held[0]}' if len(held) == 1 else f'fold_{info["fold"]}'
        out.update({f'{scheme}/{name}/{k}': v for k, v in info.items()
                    if isinstance(v, float)})
    return out


def _scalars(metrics: dict) -> str:
    return ', '.join(f'{k} {v:.4f}' for k, v in metrics.items() if isinstance(v, float))


@LOOPS.register_module()
class FoldLoop(BaseLoop):
    """Train and evaluate one fresh model per subject fold (see the module docstring).

    Args:
        runner: the Runner.
        dataloader (dict): the training loader over **all** samples; its dataset
            gives every sample's subject id as ``dataset.subjects`` (length N).
            Each fold uses it on its training subjects with a fold-seeded
            ``DefaultSampler``.
        max_epochs (int): training epochs of every fold.
        eval_dataloader (dict): the loader the held-out subjects are predicted
            with: the same samples in the same order (same ``subjects``), test
            pipeline; its sampler is replaced by an in-order one.
        scheme (str): ``'loso'`` (default) or ``'kfold'``.
        num_folds (int, optional): k of ``'kfold'``.
        split_seed (int): permutation seed of ``'kfold'``. Default: 0.
        checkpoint_interval (int): save a fold checkpoint every this many epochs
            (and after the last). Default: 1.
        init_checkpoint (str, optional): a pre-trained checkpoint every fold's
            fresh model starts from (strict load of its ``state_dict``).
        metric (dict, optional): ``dict(type=name, **kwargs)`` of a function
            registered in ``FUNCTIONS``, ``fn(labels, predictions, num_classes,
            **kwargs) -> dict`` (a method's own convention, e.g. MEGC's UF1/UAR),
            computed per fold and once over the pooled predictions; its float
            values are averaged over folds. Default: :func:`fold_metrics`.
    """

    def __init__(self, runner, dataloader: dict, max_epochs: int, eval_dataloader: dict,
                 scheme: str = 'loso', num_folds: Optional[int] = None, split_seed: int = 0,
                 checkpoint_interval: int = 1, init_checkpoint: Optional[str] = None,
                 metric: Optional[dict] = None) -> None:
        if not isinstance(dataloader, dict) or not isinstance(eval_dataloader, dict):
            raise TypeError('FoldLoop needs train_dataloader and train_cfg.eval_dataloader as '
                            'config dicts: each fold rebuilds them on its subjects')
        for name, value in (('max_epochs', max_epochs),
                            ('checkpoint_interval', checkpoint_interval)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f'FoldLoop: {name} must be an int >= 1, got {value!r}')
        if runner.cfg.get('load_from') is not None:
            raise ValueError(f'FoldLoop builds a fresh model for every fold, so load_from='
                             f"{runner.cfg.load_from!r} would be ignored: give a pre-trained "
                             'model as train_cfg.init_checkpoint, and resume with --resume '
                             'without a path (each fold resumes from folds/<f>/)')
        self._loader_cfg = copy.deepcopy(dataloader)
        self._eval_cfg = copy.deepcopy(eval_dataloader)
        super().__init__(runner, dataloader)
        self._train_set = self.dataloader.dataset
        self._eval_set = runner.build_dataloader(self._eval_cfg, seed=runner.seed).dataset
        self.subjects = self._subjects(self._train_set, 'train_dataloader')
        if list(self._subjects(self._eval_set, 'eval_dataloader')) != list(self.subjects):
            raise ValueError('train_cfg.eval_dataloader.dataset must hold the same samples in the '
                             'same order as train_dataloader.dataset (their subjects differ)')
        self.held_out: List[list] = assign_folds(self.subjects, scheme, num_folds, split_seed)
        self.scheme = scheme
        self.checkpoint_interval = checkpoint_interval
        self.init_checkpoint = init_checkpoint
        self.metric = fold_metrics if metric is None else build_function(metric,
                                                                          'train_cfg.metric')
        self._max_epochs = max_epochs
        self._max_iters = 0
        self._epoch = 0
        self._iter = 0
        self._fold = 0  # 1-based while a fold trains, 0 outside

    @staticmethod
    def _subjects(dataset, key: str) -> Sequence:
        subjects = getattr(dataset, 'subjects', None)
        if subjects is None or len(subjects) != len(dataset):
            raise TypeError(f'FoldLoop needs the subject id of every sample: {key}.dataset '
                            f'({type(dataset).__name__}) must have a `subjects` sequence of '
                            f'length len(dataset)')
        return subjects

    # -- what hooks read (runner.epoch/iter/max_* delegate here) ---------------------------

    @property
    def max_epochs(self) -> int:
        return self._max_epochs

    @property
    def max_iters(self) -> int:
        return self._max_iters

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def iter(self) -> int:
        return self._iter

    @property
    def fold(self) -> int:
        """The fold being trained (1-based), 0 between folds."""
        return self._fold

    @property
    def num_folds(self) -> int:
        return len(self.held_out)

    def folds_of_rank(self, rank: int, world_size: int) -> List[int]:
        """The folds rank ``rank`` of ``world_size`` runs: f with (f - 1) mod W = rank."""
        return [f for f in range(1, self.num_folds + 1) if (f - 1) % world_size == rank]

    # -- files -----------------------------------------------------------------------------

    def _path(self, *parts: str) -> str:
        return osp.join(self.runner.work_dir, 'folds', *parts)

    def _complete(self, fold: int, config_hash: str) -> bool:
        """Whether ``fold``'s files verify (raises if they belong to another config)."""
        manifest = self._path(f'{fold}.json')
        if not osp.isfile(manifest):
            return False
        with open(manifest) as f:
            info = json.load(f)
        if info['config_sha256'] != config_hash:
            raise ValueError(f'{manifest} was written under another config (sha256 '
                             f'{info["config_sha256"][:12]}, now {config_hash[:12]}): resume '
                             'with the same config, or use a new work dir')
        for key, name in (('checkpoint', info['checkpoint']),
                          ('predictions', info['predictions'])):
            path = self._path(name)
            if not osp.isfile(path) or sha256_file(path) != info[f'{key}_sha256']:
                print_log(f'fold {fold}: {path} is missing or changed since {manifest} was '
                          'written; training the fold again', logger='current', level=30)
                return False
        return True

    def _save(self, fold: int, config_hash: str) -> str:
        folder = self._path(str(fold))
        path = osp.join(folder, f'epoch_{self._epoch}.pth')
        schedulers = self.runner.param_schedulers or []
        checkpoint = dict(
            meta=dict(fold=fold, epoch=self._epoch, iter=self._iter, config_sha256=config_hash,
                      seed=self.runner.seed),
            state_dict=weights_to_cpu(self.runner.model.state_dict()),
            optimizer=self.runner.optim_wrapper.state_dict(),
            param_schedulers=[s.state_dict() for s in schedulers],
            rng_state=capture_rng_state())
        save_checkpoint(checkpoint, path)
        for old in glob.glob(osp.join(folder, 'epoch_*.pth')):
            if old != path:
                os.remove(old)
        return path

    def _load(self, path: str, config_hash: str) -> None:
        checkpoint = safe_load(path)
        meta = checkpoint['meta']
        if meta['config_sha256'] != config_hash:
            raise ValueError(f'{path} was written under another config: resume with the same '
                             'config, or use a new work dir')
        self.runner.model.load_state_dict(checkpoint['state_dict'])
        self.runner.optim_wrapper.load_state_dict(checkpoint['optimizer'])
        for scheduler, state in zip(self.runner.param_schedulers or [],
                                    checkpoint['param_schedulers']):
            scheduler.load_state_dict(state)
        restore_rng_state(checkpoint['rng_state'])
        self._epoch, self._iter = int(meta['epoch']), int(meta['iter'])
        print_log(f'fold {meta["fold"]}: resumed from {path} at epoch {self._epoch}',
                  logger='current')

    # -- one fold --------------------------------------------------------------------------

    def _loader(self, cfg: dict, dataset, indices: List[int], seed: int):
        cfg = copy.deepcopy(cfg)
        subset = Subset(dataset, indices)
        sampler = DATA_SAMPLERS.build(cfg.pop('sampler'),
                                      default_args=dict(dataset=subset, seed=seed))
        cfg.update(dataset=subset, sampler=make_single_process(sampler),
                   worker_init_fn=dict(type=default_worker_init_fn,
                                       num_workers=cfg.get('num_workers', 0), rank=0, seed=seed))
        return self.runner.build_dataloader(cfg, seed=seed)

    def _build_fold(self, fold: int, train_idx: List[int]) -> None:
        """Fresh model, optimiser, schedulers and loader of ``fold``, seeded by fold."""
        runner, cfg = self.runner, self.runner.cfg
        seed = fold_seed(runner.seed, self.held_out[fold - 1])
        set_random_seed(seed)
        model = runner.build_model(copy.deepcopy(cfg.model))
        if hasattr(model, 'init_weights'):
            model.init_weights()
        if self.init_checkpoint is not None:
            load_checkpoint(model, self.init_checkpoint, map_location='cpu', strict=True)
        runner.model = model.to(get_device())  # one process per fold: no DDP wrapper
        runner.optim_wrapper = runner.build_optim_wrapper(copy.deepcopy(cfg.optim_wrapper))
        self.dataloader = self._loader(self._loader_cfg, self._train_set, train_idx, seed)
        runner.param_schedulers = None
        if cfg.get('param_scheduler') is not None:
            runner.param_schedulers = runner.build_param_scheduler(
                copy.deepcopy(cfg.param_scheduler))
        self._epoch = self._iter = 0
        self._max_iters = self._max_epochs * len(self.dataloader)
        runner.message_hub.update_info('max_iters', self._max_iters)

    def _train_fold(self, fold: int, config_hash: str) -> str:
        runner = self.runner
        checkpoint = None
        while self._epoch < self._max_epochs:
            runner.call_hook('before_train_epoch')
            runner.model.train()
            for idx, data_batch in enumerate(self.dataloader):
                runner.call_hook('before_train_iter', batch_idx=idx, data_batch=data_batch)
                outputs = runner.model.train_step(data_batch, optim_wrapper=runner.optim_wrapper)
                runner.call_hook('after_train_iter', batch_idx=idx, data_batch=data_batch,
                                 outputs=outputs)
                self._iter += 1
            runner.call_hook('after_train_epoch')
            self._epoch += 1
            if self._epoch % self.checkpoint_interval == 0 or self._epoch == self._max_epochs:
                checkpoint = self._save(fold, config_hash)
        if checkpoint is None:  # resumed from the last epoch's checkpoint
            checkpoint = latest_checkpoint(self._path(str(fold)))
        return checkpoint

    @torch.no_grad()
    def _predict(self, fold: int, test_idx: List[int]) -> dict:
        """Predict the held-out samples; write ``folds/<f>.csv``; return its columns."""
        eval_cfg = dict(self._eval_cfg, sampler=dict(type='DefaultSampler', shuffle=False,
                                                     round_up=False))
        seed = fold_seed(self.runner.seed, self.held_out[fold - 1])
        loader = self._loader(eval_cfg, self._eval_set, test_idx, seed)
        model = self.runner.model
        model.eval()
        outputs = []
        for data_batch in loader:
            outputs.extend(model.test_step(data_batch))
        if len(outputs) != len(test_idx):
            raise RuntimeError(f'fold {fold}: {len(outputs)} predictions for {len(test_idx)} '
                               'held-out samples')
        lines = []
        for position, (index, out) in enumerate(zip(test_idx, outputs)):
            if 'gt_label' not in out:
                raise KeyError("FoldLoop needs 'gt_label' in the model's test outputs: the "
                               'held-out samples are scored against it')
            if 'sample_idx' in out and int(out['sample_idx']) != index:
                raise RuntimeError(f'fold {fold}: prediction {position} is for sample '
                                   f'{out["sample_idx"]}, expected {index}')
            score = torch.as_tensor(out['pred_score']).float().reshape(-1)  # (C,)
            if position == 0:
                header = ['index', 'subject', 'label', 'prediction'] + [
                    f'score_{c}' for c in range(len(score))]
                lines.append(','.join(header))
            lines.append(','.join(
                [str(index), str(self.subjects[index]), str(int(out['gt_label'])),
                 str(int(score.argmax()))] + [format(float(v), '.9g') for v in score]))
        path = self._path(f'{fold}.csv')
        atomic_write_bytes(('\n'.join(lines) + '\n').encode(), path)
        return path

    def _run_fold(self, fold: int, config_hash: str, resume: bool) -> None:
        train_idx, test_idx = fold_split(self.subjects, self.held_out[fold - 1])
        self._fold = fold
        self._build_fold(fold, train_idx)
        found = latest_checkpoint(self._path(str(fold))) if resume else None
        if found is not None:
            self._load(found, config_hash)
        else:
            stale = self._path(f'{fold}.json')
            if osp.isfile(stale):
                os.remove(stale)
        print_log(f'fold {fold}/{self.num_folds}: held out {self.held_out[fold - 1]} '
                  f'({len(test_idx)} samples), training on {len(train_idx)}', logger='current')
        checkpoint = self._train_fold(fold, config_hash)
        csv = self._predict(fold, test_idx)
        cols = read_fold_csv(csv)
        num_classes = sum(1 for name in cols if name.startswith('score_'))
        manifest = dict(
            fold=fold, held_out=self.held_out[fold - 1], num_samples=len(test_idx),
            metrics=self.metric(cols['label'], cols['prediction'], num_classes),
            config_sha256=config_hash, checkpoint=osp.relpath(checkpoint, self._path()),
            checkpoint_sha256=sha256_file(checkpoint), predictions=f'{fold}.csv',
            predictions_sha256=sha256_file(csv))
        atomic_write_bytes(json.dumps(manifest, indent=1).encode(), self._path(f'{fold}.json'))
        print_log(f'fold {fold}: {_scalars(manifest["metrics"])} on {len(test_idx)} held-out '
                  f'samples; wrote {csv}', logger='current')
        self._fold = 0

    # -- the run ---------------------------------------------------------------------------

    def _check_run(self) -> None:
        if any(isinstance(hook, CheckpointHook) for hook in self.runner.hooks):
            raise ValueError('FoldLoop checkpoints every fold itself under folds/<f>/: set '
                             'default_hooks.checkpoint=None')
        if self.runner.cfg.get('val_cfg') is not None:
            raise ValueError("FoldLoop evaluates every fold's held-out subjects itself "
                             '(train_cfg.eval_dataloader): remove val_cfg, val_dataloader and '
                             'val_evaluator')

    def run(self):
        runner = self.runner
        self._check_run()
        config_hash = config_sha256(runner.cfg)
        resume = bool(runner.cfg.get('resume', False))
        rank, world_size = get_rank(), get_world_size()
        runner.call_hook('before_train')
        for fold in self.folds_of_rank(rank, world_size):
            if resume and self._complete(fold, config_hash):
                print_log(f'fold {fold}: complete (verified), skipped', logger='current')
                continue
            self._run_fold(fold, config_hash, resume)
        barrier()
        if rank == 0:
            self._write_results()
        runner.call_hook('after_train')
        return runner.model

    def _write_results(self) -> dict:
        """Pooled and fold-averaged metrics of all folds into ``results.json``."""
        labels, predictions, per_fold = [], [], []
        num_classes = None
        for fold in range(1, self.num_folds + 1):
            with open(self._path(f'{fold}.json')) as f:
                info = json.load(f)
            cols = read_fold_csv(self._path(info['predictions']))
            num_classes = sum(1 for name in cols if name.startswith('score_'))
            labels += cols['label']
            predictions += cols['prediction']
            per_fold.append(dict(fold=fold, held_out=info['held_out'], **info['metrics']))
        pooled = self.metric(labels, predictions, num_classes)
        average = {k: float(np.mean([m[k] for m in per_fold])) for k, v in pooled.items()
                   if isinstance(v, float)}
        results = dict(
            scheme=self.scheme, num_folds=self.num_folds,
            selection='last epoch of every fold',
            metrics=dict(pooled=pooled, fold_average=average),
            folds=per_fold)
        atomic_write_bytes(json.dumps(results, indent=1).encode(),
                           osp.join(self.runner.work_dir, 'results.json'))
        self.runner.visualizer.add_scalars(fold_scalars(self.scheme, pooled, average, per_fold))
        print_log(f'{self.scheme}: pooled {_scalars(pooled)} over {len(labels)} predictions of '
                  f'{self.num_folds} folds; fold average {_scalars(average)}', logger='current')
        return results
