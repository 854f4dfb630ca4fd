"""CluP stage 3a: the frozen source model labels the target train set by clusters.

Run as the test loop of a pseudo-label config (``train.py`` with no ``train_cfg``
only tests): the runner loads the source checkpoint (``load_from``), and this loop
1. embeds every target train image once with the test pipeline in float32
   (h = input of the source classifier, o = logits), on every rank's shard of a
   non-padding sampler, and gathers (index, h, o) by dataset index;
2. on rank 0 only: z = shot_normalize(h), k-means, cluster matching, selection
   (the pure functions of :mod:`basicda.pseudo_label`), then broadcasts the result;
3. writes ``<work_dir>/pseudo_labels.pt`` (plus ``round_<t>.pt`` per clustering
   round) atomically before any student training, and logs the selected count per
   class and, under ``diag/``, the precision of the selection against the ground
   truth next to the teacher's accuracy on all of target train.
An existing artefact is loaded and verified, never silently recomputed
(``force_relabel=True`` recomputes).
"""
import itertools
import os.path as osp
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop

from basicda.datasets.samples import dataset_has_labels, gt_labels
from basicda.fileio import sha256_file
from basicda.ops.embed import embed_by_index
from basicda.ops.gather import broadcast_object, world_info
from basicda.ops.kmeans import KMEANS_BACKENDS, kmeans
from basicda.pseudo_label import (LABELED_SAMPLES_MODES, iterative_cluster_selection,
                                  pseudo_labels_by_mode, select_purest, shot_normalize)
from ferda.registry import LOOPS

from .artefact import (ARTEFACT, load_artefact, save_artefact, settings_hash,
                       target_checksum, verify_artefact)


def clup_pseudo_labels(feats: torch.Tensor, logits: torch.Tensor, num_clusters: int,
                       fraction: float, mode: str = 'purity', drop_outliers: bool = False,
                       iter_clusters: int = 1, n_init: int = 10, max_iter: int = 300,
                       seed: int = 1234, backend: str = 'faiss', min_per_class: int = 0,
                       ssl_cycles: int = 0, tie_order: Optional[Sequence[int]] = None) -> dict:
    """Pseudo-labels and selection of CluP from teacher features and logits (pure).

    Args:
        feats: (N, D) teacher features h (input of its classifier).
        logits: (N, C) teacher logits o.
        num_clusters: K. fraction: r. mode: ``labeled_samples_mode``.
        iter_clusters: T rounds of cluster -> select on the remaining samples
            (purity modes only).

    Returns:
        dict of ``labels`` (N,) int64 (-1 where never labelled), ``conf`` (N,),
        ``soft`` (N, C), ``selected`` (S,) ascending, ``predictions`` (N,) teacher
        argmax, ``cluster_ids`` list of per-round (|R_t|,) tensors, ``candidates``
        list of per-round R_t.
    """
    if mode not in LABELED_SAMPLES_MODES:
        raise ValueError(f'mode must be one of {LABELED_SAMPLES_MODES}, got {mode!r}')
    num_classes = logits.shape[1]
    z = shot_normalize(feats.float())
    predictions = logits.argmax(1)

    def cluster_fn(x, k, s):
        return torch.as_tensor(kmeans(x.numpy(), k, n_init=n_init, max_iter=max_iter, seed=s,
                                      backend=backend)[0]).long()

    if mode in ('purity', 'soft-purity'):
        labels, conf, selected, details = iterative_cluster_selection(
            z, predictions, num_clusters, fraction, iter_clusters, cluster_fn,
            num_classes=num_classes, seed=seed, drop_outliers=drop_outliers,
            min_per_class=min_per_class, tie_order=tie_order, return_details=True)
        return dict(labels=labels, conf=conf, soft=details['soft'], selected=selected,
                    predictions=predictions, cluster_ids=details['cluster_ids'],
                    candidates=details['candidates'])
    if iter_clusters != 1:
        raise ValueError(f'iter_clusters={iter_clusters} needs a purity mode, got {mode!r}')
    labels, conf, soft = pseudo_labels_by_mode(mode, logits.float(), features=z,
                                               ssl_cycles=ssl_cycles, drop_outliers=drop_outliers,
                                               tie_order=tie_order)
    selected = select_purest(labels, conf, fraction, num_classes, min_per_class=min_per_class)
    return dict(labels=labels, conf=conf, soft=soft, selected=selected, predictions=predictions,
                cluster_ids=[], candidates=[torch.arange(len(labels))])


def check_settings(backend: str, mode: str, fraction: float) -> None:
    """Raise ``ValueError`` for a k-means backend, ``labeled_samples_mode`` or fraction r
    that :func:`clup_pseudo_labels` cannot run, before any pass is spent on it."""
    if backend not in KMEANS_BACKENDS:
        raise ValueError(f'backend must be one of {KMEANS_BACKENDS}, got {backend!r}')
    if mode not in LABELED_SAMPLES_MODES:
        raise ValueError(f'mode must be one of {LABELED_SAMPLES_MODES}, got {mode!r}')
    if not 0 < fraction <= 1:
        raise ValueError(f'fraction must be in (0, 1], got {fraction}')


@torch.no_grad()
def embed_batch(model, batch: dict) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict]:
    """CluP's embedding of one batch by a classifier (teacher or student), float32.

    h = ``model.backbone(x)``; the feature is ``model.head.forward_features(h)`` when the
    head has one (e.g. a bottleneck), else h; the logits are ``model.head(h)``. The
    caller sets eval mode.

    Args:
        model: an ``ImageClassifier``-like model (``data_preprocessor``, ``backbone``,
            ``head``), not wrapped.
        batch: a collated batch whose ``data_samples`` carry ``sample_idx``.

    Returns:
        tuple: ``index`` (B,) dataset indices, ``feat`` (B, D) and ``logits`` (B, C)
        float32 on the model's device, and the preprocessed ``data_samples``.
    """
    data = model.data_preprocessor(batch, False)
    h = model.backbone(data['inputs'].float())
    feat = model.head.forward_features(h) if hasattr(model.head, 'forward_features') else h
    logits = model.head(h).float()
    samples = data['data_samples']
    return samples['sample_idx'], feat.float(), logits, samples


@torch.no_grad()
def embed_dataset(model, dataloader, on_batch: Optional[Callable] = None,
                  before_batch: Optional[Callable] = None) -> Dict[str, torch.Tensor]:
    """:func:`embed_batch` over a non-padding sharded loader, gathered by dataset index
    (:func:`basicda.ops.embed.embed_by_index`).

    Args:
        model: as in :func:`embed_batch` (in eval mode).
        dataloader: every sample once over all ranks (``DefaultSampler(shuffle=False,
            round_up=False)``, no ``drop_last``).
        on_batch: optional ``f(i, batch, logits, data_samples)`` after each batch.
        before_batch: optional ``f(i, batch)`` before each batch.

    Returns:
        dict: ``feat`` (N, D) and ``logits`` (N, C), float32 on the CPU, row j = sample
        j, identical on every rank (N = ``len(dataloader.dataset)``).
    """
    batches = itertools.count()

    def forward(batch):
        i = next(batches)
        if before_batch is not None:
            before_batch(i, batch)
        index, feat, logits, samples = embed_batch(model, batch)
        if on_batch is not None:
            on_batch(i, batch, logits, samples)
        return index, dict(feat=feat, logits=logits)

    # gathered where the model ran (NCCL cannot gather CPU tensors), returned on the CPU
    rows = embed_by_index(dataloader, forward, len(dataloader.dataset))
    return dict(feat=rows['feat'].cpu(), logits=rows['logits'].cpu())


def dataset_truth(dataset) -> Optional[torch.Tensor]:
    """(N,) ground-truth labels of a target dataset for diagnostics, or None when it is
    unlabelled (its ``labels`` is None)."""
    labels = getattr(dataset, 'labels', None)
    return None if labels is None else torch.as_tensor(np.asarray(labels))


def selection_diagnostics(labels: torch.Tensor, selected: torch.Tensor,
                        predictions: torch.Tensor, truth: Optional[torch.Tensor],
                        num_classes: int) -> dict:
    """Selected count per pseudo-class and the ground-truth diagnostics of a
    pseudo-labelling (stage 3a or a refresh).

    Args:
        labels: (N,) pseudo-labels. selected: (S,) indices. predictions: (N,) argmax
            of the labelling model (teacher or student). truth: (N,) ground truth
            (diagnostics only), or None for an unlabelled target.

    Returns:
        dict: ``counts`` (list of C ints), ``precision`` of labels[selected] against
        the truth, ``accuracy`` of that model's argmax on all N samples (both None
        without truth).
    """
    counts = torch.bincount(labels[selected], minlength=num_classes).tolist()
    if truth is None:
        return dict(counts=counts, precision=None, accuracy=None)
    precision = float((labels[selected] == truth[selected]).float().mean()) \
        if len(selected) else float('nan')
    accuracy = float((predictions == truth).float().mean())
    return dict(counts=counts, precision=precision, accuracy=accuracy)


@LOOPS.register_module()
class ClusterPseudoLabelLoop(BaseLoop):
    """Test loop computing CluP's pseudo-label artefact (see the module docstring).

    Args:
        runner, dataloader, evaluator: given by the runner (``test_dataloader`` =
            target train with the test pipeline and
            ``DefaultSampler(shuffle=False, round_up=False)``; ``test_evaluator``
            measures the teacher on it, a ground-truth diagnostic).
        num_clusters (int): K.
        fraction (float): r.
        mode (str): ``labeled_samples_mode``: normal | centroid | purity |
            soft-purity. Default: 'purity'.
        drop_outliers (bool): Default: False.
        iter_clusters (int): T. Default: 1.
        n_init (int): k-means restarts (faiss nredo). Default: 10.
        max_iter (int): k-means iterations. Default: 300.
        seed (int): k-means seed of round 1. Default: 1234.
        backend (str): 'faiss' or 'sklearn' (the reference's). Default: 'faiss'.
        min_per_class (int): Default: 0.
        ssl_cycles (int): re-centring rounds of the centroid mode. Default: 0.
        force_relabel (bool): recompute even if the artefact exists. Default: False.
    """

    def __init__(self, runner, dataloader, evaluator=None, num_clusters: int = 250,
                 fraction: float = 0.3, mode: str = 'purity', drop_outliers: bool = False,
                 iter_clusters: int = 1, n_init: int = 10, max_iter: int = 300,
                 seed: int = 1234, backend: str = 'faiss', min_per_class: int = 0,
                 ssl_cycles: int = 0, force_relabel: bool = False) -> None:
        super().__init__(runner, dataloader)
        check_settings(backend=backend, mode=mode, fraction=fraction)
        self.evaluator = runner.build_evaluator(evaluator) if isinstance(evaluator, dict) or \
            isinstance(evaluator, list) else evaluator
        self.settings = dict(num_clusters=num_clusters, fraction=fraction, mode=mode,
                             drop_outliers=drop_outliers, iter_clusters=iter_clusters,
                             n_init=n_init, max_iter=max_iter, seed=seed, backend=backend,
                             min_per_class=min_per_class, ssl_cycles=ssl_cycles)
        self.force_relabel = force_relabel
        sampler = dataloader.sampler
        if getattr(sampler, 'shuffle', False) or getattr(sampler, 'round_up', False):
            raise ValueError('the pseudo-label pass needs test_dataloader.sampler = '
                             "dict(type='DefaultSampler', shuffle=False, round_up=False): no "
                             'shuffling, no padded duplicates')

    @torch.no_grad()
    def _teacher_pass(self):
        runner = self.runner
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        model.eval()

        def before_batch(i, batch):
            runner.call_hook('before_test_iter', batch_idx=i, data_batch=batch)

        # the evaluator measures the teacher against the ground truth: a diagnostic, skipped
        # when the target is unlabelled
        evaluate = self.evaluator is not None and dataset_has_labels(self.dataloader.dataset)

        def on_batch(i, batch, logits, samples):
            outputs = [dict(pred_score=row, sample_idx=int(j))
                       for row, j in zip(logits, samples['sample_idx'].tolist())]
            truth = gt_labels(samples)
            if truth is not None:
                for out, y in zip(outputs, truth.tolist()):
                    out['gt_label'] = y
            if evaluate:
                self.evaluator.process(data_samples=outputs, data_batch=batch)
            runner.call_hook('after_test_iter', batch_idx=i, data_batch=batch, outputs=outputs)
            if i % 20 == 0:
                print_log(f'pseudo-labels: teacher pass {i + 1}/{len(self.dataloader)}',
                          logger='current')

        return embed_dataset(model, self.dataloader, on_batch=on_batch,
                             before_batch=before_batch)

    def _expected(self, dataset) -> dict:
        load_from = self.runner.load_from
        if not load_from:
            raise ValueError('the pseudo-label pass needs the source model: set load_from=<source '
                             'checkpoint> (experiments/clup.sh does)')
        return dict(target_checksum=target_checksum(dataset.records),
                    teacher_sha256=sha256_file(load_from),
                    settings_hash=settings_hash(self.settings))

    def run(self) -> dict:
        runner = self.runner
        runner.call_hook('before_test')
        runner.call_hook('before_test_epoch')
        dataset = self.dataloader.dataset
        path = osp.join(runner.work_dir, ARTEFACT)
        expected = self._expected(dataset)
        gathered = self._teacher_pass()
        evaluate = self.evaluator is not None and dataset_has_labels(dataset)
        if self.evaluator is not None and not evaluate:
            print_log('pseudo-labels: the target is unlabelled; the ground-truth diagnostics '
                      '(test_evaluator, selection precision) are skipped', logger='current')
        metrics = self.evaluator.evaluate(len(dataset)) if evaluate else {}
        rank, _ = world_info()
        if osp.isfile(path) and not self.force_relabel:
            artefact = load_artefact(path)
            verify_artefact(artefact, path, **expected)
            print_log(f'pseudo-labels: {path} exists and matches (targets, teacher, settings); '
                      'reused, not recomputed', logger='current')
        else:
            result = None
            if rank == 0:
                result = clup_pseudo_labels(gathered['feat'], gathered['logits'], **self.settings)
            result = broadcast_object(result)
            artefact = dict(result, **expected, **self.settings,
                            num_classes=int(gathered['logits'].shape[1]),
                            num_samples=len(dataset), teacher_checkpoint=runner.load_from)
            if rank == 0:
                for t, (cand, ids) in enumerate(zip(result['candidates'],
                                                    result['cluster_ids']), 1):
                    save_artefact(osp.join(runner.work_dir, f'round_{t}.pt'),
                                  dict(round=t, candidates=cand, cluster_ids=ids))
                save_artefact(path, artefact)
        metrics.update(self._diagnostics(artefact, dataset))
        runner.message_hub.update_info('test_checkpoint', path)
        runner.message_hub.update_info('test_selection', 'CluP pseudo-labels (no selection)')
        runner.call_hook('after_test_epoch', metrics=metrics)
        runner.call_hook('after_test')
        return metrics

    def _diagnostics(self, artefact: dict, dataset) -> dict:
        """Selected count per class; precision of the selection vs the teacher (GT: diag/)."""
        num_classes = artefact['num_classes']
        selected, labels = artefact['selected'], artefact['labels']
        truth = dataset_truth(dataset)
        diag = selection_diagnostics(labels, selected, artefact['predictions'], truth,
                                     num_classes)
        counts, precision, teacher_acc = diag['counts'], diag['precision'], diag['accuracy']
        out = {'diag/selected': float(len(selected))}
        message = (f'pseudo-labels: selected {len(selected)}/{len(labels)} target samples, per '
                   f'class {counts}')
        if truth is not None:
            message += (f'; diag (ground truth): selection precision {100 * precision:.1f} % vs '
                        f'teacher accuracy on all target train {100 * teacher_acc:.1f} %')
            out.update({'diag/teacher_accuracy': teacher_acc,
                        'diag/selection_precision': precision})
        print_log(message, logger='current')
        for c, n in enumerate(counts):
            out[f'diag/selected_class{c}'] = float(n)
        return out
