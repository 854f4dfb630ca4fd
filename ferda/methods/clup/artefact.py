"""The pseudo-label artefact of CluP: written once before student training, verified
on every read (``docs/clup.md`` §7)."""
import hashlib
import json
import os.path as osp
from typing import Mapping, Sequence

import torch

from basicda.fileio import atomic_path

ARTEFACT = 'pseudo_labels.pt'
TENSOR_KEYS = ('labels', 'conf', 'soft', 'selected', 'predictions')




def target_checksum(records: Sequence) -> str:
    """sha256 of the target train list in dataset order (image paths and boxes), so a
    pseudo-label file can never be applied to a different or reordered list."""
    digest = hashlib.sha256()
    for r in records:
        box = None if r.box is None else [round(float(v), 3) for v in r.box]
        digest.update(json.dumps([r.img_path, box]).encode())
    return digest.hexdigest()


def settings_hash(settings: Mapping) -> str:
    return hashlib.sha256(json.dumps(dict(settings), sort_keys=True).encode()).hexdigest()[:16]


def save_artefact(path: str, artefact: dict) -> None:
    """Atomic write (temp file + rename) of plain tensors and metadata."""
    with atomic_path(path) as tmp:
        torch.save(artefact, tmp)


def load_artefact(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'pseudo-label file {path} does not exist (run the '
                                'pseudo_labels stage first: bash experiments/clup.sh EXP CONFIG '
                                '--stage pseudo_labels)')
    artefact = torch.load(path, map_location='cpu', weights_only=True)
    missing = [k for k in TENSOR_KEYS + ('target_checksum', 'num_classes') if k not in artefact]
    if missing:
        raise ValueError(f'{path}: not a CluP pseudo-label file, missing {missing}')
    return artefact


def verify_artefact(artefact: dict, path: str, **expected) -> None:
    """Raise naming every field of ``artefact`` that differs from ``expected``."""
    problems = [f'{k}: file has {artefact.get(k)!r}, expected {v!r}'
                for k, v in expected.items() if artefact.get(k) != v]
    if problems:
        raise ValueError(f'{path} was made for a different run: ' + '; '.join(problems) +
                         '. Recompute with force_relabel=True (test_cfg.force_relabel=True) '
                         'or point to the right file.')
