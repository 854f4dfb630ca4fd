"""Evaluation on several datasets at once (source val/test plus every target).

Each dataset gets its own dataloader and its own copy of the evaluator whose
metrics report under the dataset's name as prefix (``wild_test/accuracy``), so
one validation pass yields the label-free selection metric (source val) and the
target numbers side by side. Evaluation runs inside ``torch.random.fork_rng``:
it never moves the training RNG, so a run that evaluates and a run resumed from
a checkpoint continue with the same random stream.
"""
import copy
import os.path as osp
from typing import Dict, Optional

import torch
from mmengine.evaluator import Evaluator
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.amp import autocast

from basicda.registry import LOOPS

NON_SCALAR_KEYS = ('confusion', )


def _evaluator_named(evaluator: Evaluator, name: str) -> Evaluator:
    """A fresh copy of ``evaluator`` whose metrics all report under ``name``."""
    new = copy.deepcopy(evaluator)
    for metric in new.metrics:
        metric.results = []
        metric.prefix = name
    return new


class _MultiDatasetMixin:
    """Shared machinery of the val and test loops below."""

    def _setup_datasets(self, extra_dataloaders: Optional[Dict[str, dict]]) -> None:
        main_name = self.evaluator.metrics[0].prefix
        if not main_name:
            raise ValueError(f'{type(self).__name__}: the evaluator metric needs a `prefix` '
                             '(the dataset name, e.g. "lab_val") so results can be told apart')
        self.datasets = {main_name: (self.dataloader, self.evaluator)}
        for name, loader_cfg in (extra_dataloaders or {}).items():
            if name in self.datasets:
                raise ValueError(f'{type(self).__name__}: dataset name {name!r} is used twice')
            loader = self.runner.build_dataloader(loader_cfg, seed=self.runner.seed)
            evaluator = _evaluator_named(self.evaluator, name)
            if hasattr(loader.dataset, 'metainfo'):
                evaluator.dataset_meta = loader.dataset.metainfo
            self.datasets[name] = (loader, evaluator)

    def _evaluate_all(self, stage: str) -> dict:
        metrics: dict = {}
        with torch.random.fork_rng(devices=[]):
            for name, (loader, evaluator) in self.datasets.items():
                for idx, data_batch in enumerate(loader):
                    self._run_batch(stage, idx, data_batch, evaluator)
                metrics.update(evaluator.evaluate(len(loader.dataset)))
        return metrics

    @torch.no_grad()
    def _run_batch(self, stage: str, idx: int, data_batch, evaluator: Evaluator) -> None:
        self.runner.call_hook(f'before_{stage}_iter', batch_idx=idx, data_batch=data_batch)
        with autocast(enabled=self.fp16):
            step = self.runner.model.val_step if stage == 'val' else self.runner.model.test_step
            outputs = step(data_batch)
        evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook(f'after_{stage}_iter', batch_idx=idx, data_batch=data_batch,
                              outputs=outputs)


@LOOPS.register_module()
class MultiDatasetValLoop(_MultiDatasetMixin, ValLoop):
    """Validation over ``dataloader`` (the selection set) plus ``extra_dataloaders``.

    Args:
        runner: the Runner.
        dataloader: dataloader (or its config) of the first dataset, usually the
            labelled source validation split that label-free selection reads.
        evaluator: evaluator (or config) whose metric ``prefix`` names that dataset.
        extra_dataloaders: ``{name: dataloader config}`` evaluated with a copy of
            the evaluator, reporting under ``name/``.
        fp16: evaluate under autocast.
    """

    def __init__(self, runner, dataloader, evaluator, extra_dataloaders: dict = None,
                 fp16: bool = False) -> None:
        super().__init__(runner, dataloader, evaluator, fp16=fp16)
        self._setup_datasets(extra_dataloaders)

    def run(self) -> dict:
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        metrics = self._evaluate_all('val')
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics


@LOOPS.register_module()
class MultiDatasetTestLoop(_MultiDatasetMixin, TestLoop):
    """Final evaluation of the selected checkpoint on every dataset.

    Args:
        runner, dataloader, evaluator, extra_dataloaders, fp16: as
            :class:`MultiDatasetValLoop`.
        checkpoint: which weights to evaluate. ``'best'``: the label-free best
            checkpoint recorded by mmengine's ``CheckpointHook(save_best=...)``
            (falls back to the current weights, with a warning, when no best was
            saved); ``'current'``: the weights in the model now (the last
            iteration after training, or what ``load_from`` loaded); or a path.
            Never chosen by target labels.
    """

    def __init__(self, runner, dataloader, evaluator, extra_dataloaders: dict = None,
                 fp16: bool = False, checkpoint: str = 'best') -> None:
        super().__init__(runner, dataloader, evaluator, fp16=fp16)
        self.checkpoint = checkpoint
        self._setup_datasets(extra_dataloaders)

    def _best_key(self) -> str:
        for hook in self.runner.hooks:
            if isinstance(hook, CheckpointHook) and getattr(hook, 'key_indicators', None):
                return hook.key_indicators[0]
        return 'the validation metric'

    def _load_selected(self) -> tuple:
        """Load the weights ``checkpoint`` names; returns (path, how it was chosen)."""
        if self.checkpoint == 'current':
            return 'current', 'current weights (last iteration or load_from)'
        path, how = self.checkpoint, f'given path {self.checkpoint}'
        if path == 'best':
            path = self.runner.message_hub.get_info('best_ckpt')
            how = f'best {self._best_key()} (label-free)'
            if path is None:
                print_log('test_cfg.checkpoint="best" but no best checkpoint was saved '
                          '(is CheckpointHook.save_best set?); testing the current weights',
                          logger='current', level=30)
                return 'current', 'current weights (no best checkpoint saved)'
        if not osp.isfile(path):
            raise FileNotFoundError(f'test_cfg.checkpoint: {path} does not exist')
        self.runner.load_checkpoint(path)
        return path, how

    def run(self) -> dict:
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        used, how = self._load_selected()
        self.runner.message_hub.update_info('test_checkpoint', used)
        self.runner.message_hub.update_info('test_selection', how)
        self.runner.model.eval()
        metrics = self._evaluate_all('test')
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics
