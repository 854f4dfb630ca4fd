"""``ferda trust CONFIG CHECKPOINT [--flips F] [--out DIR]``: LDL's per-sample trust
lambda = sigmoid(lambda_hat) from a checkpoint (``docs/ldl.md`` §7).

Reads the training rows through the config's training reader (only the label list and the
VA file; no image is decoded), checks that they are the rows the checkpoint was trained on
(its fingerprint of the sample ids and labels), and writes ``trust.csv`` (sample_id, label,
lambda[, flipped]) and ``trust.json`` (:func:`ferda.methods.ldl.trust.trust_report`: mean
lambda overall and per class; with ``--flips``, the ``*.flips.csv`` of the ``ferda noise``
copy trained on, the mean on flipped and clean rows and the AUROC of 1 - lambda) into
``--out`` (default: the checkpoint's folder).
"""
import argparse
import json
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from basicda.fileio import atomic_write_json, atomic_write_text

__all__ = ['main']


def _train_reader_cfg(cfg: Config) -> dict:
    dataset = cfg.train_dataloader.dataset
    if dataset.get('type') != 'LDLNeighbourDataset':
        raise ValueError(f'{cfg.filename}: train_dataloader.dataset is '
                         f'{dataset.get("type")!r}; ferda trust needs an LDL config '
                         '(LDLNeighbourDataset)')
    return dataset.dataset.reader


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog='ferda trust', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--flips', help='the *.flips.csv of the noisy label file trained on')
    parser.add_argument('--out', help="output folder (default: the checkpoint's)")
    args = parser.parse_args(argv)
    import ferda  # noqa: F401  (registers the readers)
    from ferda.methods.ldl.dataset import _strings_sha256
    from ferda.methods.ldl.neighbours import array_sha256
    from ferda.methods.ldl.trust import read_flipped_ids, trust_report
    from ferda.registry import DATASETS

    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'ferda'))
    reader = DATASETS.build(_train_reader_cfg(cfg))
    records = reader.load()
    ids = [r.sample_id for r in records]
    labels = np.asarray([r.label for r in records], dtype=np.int64)
    ckpt = torch.load(args.checkpoint, map_location='cpu', weights_only=False)
    state = ckpt.get('method_state')
    if not state or 'lam_hat' not in state:
        raise ValueError(f'{args.checkpoint}: no LDL method state (method_state.lam_hat); '
                         'was it saved by an LDL run with MethodStateHook?')
    saved = state.get('fingerprint', {})
    for key, mine in (('sample_ids_sha256', _strings_sha256(ids)),
                      ('labels_sha256', array_sha256(labels))):
        if saved.get(key) != mine:
            raise ValueError(f'{args.checkpoint}: {key} is {saved.get(key)!r} but the '
                             f"training reader of {args.config} gives {mine!r}; the "
                             'checkpoint was trained on other rows or labels')
    flipped_ids = read_flipped_ids(args.flips) if args.flips else None
    report = trust_report(state['lam_hat'].numpy(), labels, ids, reader.num_classes,
                          flipped_ids)
    report.update(config=args.config, checkpoint=args.checkpoint, flips=args.flips)
    out = args.out or osp.dirname(osp.abspath(args.checkpoint))
    lam = torch.sigmoid(state['lam_hat'].reshape(-1).double()).numpy()
    keys = set()
    if flipped_ids is not None:
        keys = set(flipped_ids) | {osp.splitext(f)[0] for f in flipped_ids}
    head = 'sample_id,label,lambda' + (',flipped' if flipped_ids is not None else '')
    rows = [f'{sid},{int(y)},{v:.6f}' + (f',{int(sid in keys)}' if flipped_ids is not None
                                          else '')
            for sid, y, v in zip(ids, labels, lam)]
    atomic_write_text(head + '\n' + '\n'.join(rows) + '\n', osp.join(out, 'trust.csv'))
    atomic_write_json(report, osp.join(out, 'trust.json'), indent=1)
    print(json.dumps({k: v for k, v in report.items() if k != 'lambda_mean_per_class'},
                     indent=1))
    return report
