"""The student's training set: the selected target samples with their pseudo-labels."""
from typing import Optional

import torch
from mmengine.logging import print_log

from ferda.registry import DATASETS

from .artefact import load_artefact, target_checksum


@DATASETS.register_module()
class PseudoLabelDataset(torch.utils.data.Dataset):
    """The ``selected`` samples of a target dataset, labelled by a CluP artefact.

    Ground truth is never read: ``gt_label`` is the pseudo-label ỹ, and with
    ``soft=True`` ``soft_label`` (C,) carries the cluster's soft label (the
    ``soft-purity`` mode). ``sample_idx`` stays the index in the full target set.

    Args:
        dataset: config of the target train dataset (e.g. ``FaceDataset`` with the
            training pipeline); its sample list must be the one the labels were
            computed on (checked by checksum).
        labels_file: the artefact (``runs/EXP/pseudo_labels/pseudo_labels.pt``);
            the pipeline runner fills it in.
        soft: train on soft labels. Default: False.
    """

    def __init__(self, dataset: dict, labels_file: Optional[str] = None, soft: bool = False):
        if labels_file is None:
            raise ValueError('PseudoLabelDataset needs labels_file=<pseudo_labels.pt> (set by '
                             'experiments/clup.sh, or train_dataloader.dataset.labels_file=...)')
        self.dataset = DATASETS.build(dataset)
        artefact = load_artefact(labels_file)
        found = target_checksum(self.dataset.records)
        if artefact['target_checksum'] != found:
            raise ValueError(f'{labels_file} was computed on a different target list '
                             f'(checksum {artefact["target_checksum"][:12]}, this dataset '
                             f'{found[:12]}): same reader, split and order are required')
        self.labels_file = labels_file
        self.target_checksum = found
        self.num_classes = int(artefact['num_classes'])
        self.soft = soft
        if artefact['selected'].numel() == 0:
            raise ValueError(f'{labels_file} selects no sample: raise the fraction r or lower K')
        self.set_pseudo_labels(artefact['labels'], artefact['selected'],
                               artefact['soft'] if soft else None)
        counts = torch.bincount(self.labels[self.selected], minlength=self.num_classes)
        print_log(f'PseudoLabelDataset: {len(self.selected)} of {len(self.dataset)} target '
                  f'samples selected; per pseudo-class {counts.tolist()}', logger='current')

    def apply_selection(self, result: dict) -> None:
        """A refresh round's ``labels``, ``selected`` and ``soft`` (the
        ``RoundBasedTrainLoop`` protocol): :meth:`set_pseudo_labels`."""
        self.set_pseudo_labels(result['labels'], result['selected'], result.get('soft'))

    def set_pseudo_labels(self, labels: torch.Tensor, selected: torch.Tensor,
                          soft: Optional[torch.Tensor] = None) -> None:
        """Replace the pseudo-labels and the selection in place (a CluP refresh).

        The length changes with the selection: a sampler that cached it must be
        updated too (:func:`basicda.engine.loops.update_sampler_length`).

        Args:
            labels: (N,) integer pseudo-label per target sample (N = the wrapped
                dataset's length; -1 allowed outside the selection).
            selected: (S,) strictly ascending indices in [0, N), S >= 1, whose labels
                are classes in [0, C).
            soft: (N, C) soft labels; required when the dataset trains on soft labels
                (``soft=True``), otherwise only checked and dropped.

        Raises:
            ValueError: a shape, dtype or index range is wrong (the message says which).
        """
        n, c = len(self.dataset), self.num_classes
        labels, selected = torch.as_tensor(labels), torch.as_tensor(selected)
        if labels.dtype.is_floating_point or labels.shape != (n,):
            raise ValueError(f'set_pseudo_labels: labels must be ({n},) integers, got '
                             f'{tuple(labels.shape)} {labels.dtype}')
        if selected.dtype.is_floating_point or selected.dim() != 1 or selected.numel() == 0:
            raise ValueError(f'set_pseudo_labels: selected must be a non-empty 1-D integer '
                             f'tensor, got {tuple(selected.shape)} {selected.dtype}')
        selected, labels = selected.long(), labels.long()
        if int(selected.min()) < 0 or int(selected.max()) >= n:
            raise ValueError(f'set_pseudo_labels: selected indices must be in [0, {n}), got '
                             f'[{int(selected.min())}, {int(selected.max())}]')
        if selected.numel() > 1 and not bool((selected[1:] > selected[:-1]).all()):
            raise ValueError('set_pseudo_labels: selected must be strictly ascending (no '
                             'duplicates)')
        picked = labels[selected]
        if int(picked.min()) < 0 or int(picked.max()) >= c:
            raise ValueError(f'set_pseudo_labels: the selected samples need labels in [0, {c}), '
                             f'got [{int(picked.min())}, {int(picked.max())}]')
        if soft is None and self.soft:
            raise ValueError('set_pseudo_labels: this dataset trains on soft labels (soft=True) '
                             'and needs soft (N, C)')
        if soft is not None:
            soft = torch.as_tensor(soft).float()
            if soft.shape != (n, c):
                raise ValueError(f'set_pseudo_labels: soft must be ({n}, {c}), got '
                                 f'{tuple(soft.shape)}')
        self.labels, self.selected = labels.clone(), selected.clone()
        self.soft_labels = soft.clone() if self.soft else None

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def __len__(self) -> int:
        return int(self.selected.numel())

    def __getitem__(self, i: int) -> dict:
        idx = int(self.selected[i])
        item = self.dataset[idx]
        samples = dict(item['data_samples'], gt_label=int(self.labels[idx]), sample_idx=idx)
        if self.soft:
            samples['soft_label'] = self.soft_labels[idx]
        return dict(inputs=item['inputs'], data_samples=samples)
