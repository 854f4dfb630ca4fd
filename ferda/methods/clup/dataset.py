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
        self.selected = artefact['selected'].long()
        self.labels = artefact['labels'].long()
        self.soft_labels = artefact['soft'].float() if soft else None
        self.soft = soft
        if self.selected.numel() == 0:
            raise ValueError(f'{labels_file} selects no sample: raise the fraction r or lower K')
        counts = torch.bincount(self.labels[self.selected], minlength=artefact['num_classes'])
        print_log(f'PseudoLabelDataset: {len(self.selected)} of {len(self.dataset)} target '
                  f'samples selected; per pseudo-class {counts.tolist()}', logger='current')

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
