"""``ferda trust CONFIG CHECKPOINT [--flips F] [--out DIR]``: LDL's per-sample trust
lambda = sigmoid(lambda_hat) from a checkpoint (``docs/ldl.md`` §7).

Reads the training rows through the config's training reader (only the label list and the
VA file; no image is decoded), checks that they are the rows the checkpoint was trained on
(its fingerprint of the sample ids and labels), and writes ``trust.csv`` (sample_id, label,
lambda[, flipped]) and ``trust.json`` (:func:`ferda.methods.ldl.trust.trust_report`: mean
lambda overall and per class; with ``--flips``, the ``*.flips.csv`` of the ``ferda noise``
copy trained on, the mean on flipped and clean rows and the AUROC of 1 - lambda) into
``--out`` (default: the checkpoint's folder).

``--blend [META_CSV]`` (SynFER; without a value the ``synfer_meta.csv`` the training reader
already reads) adds ``ambiguity_kl.json`` and a small table: over the training rows the
generator blended from two classes (``w_<Class>`` columns), the mean KL from the blend weights
to LDL's target t under the checkpoint's model
(:meth:`~ferda.methods.ldl.model.LDLModel.target_distributions`: one eval-mode pass over the
training set through ``val_dataloader``'s transforms), against the mean KL to the one-hot
label (:func:`ferda.methods.ldl.trust.ambiguity_kl_report`).
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


def _blend_file(reader_cfg: dict, value: str, config: str) -> str:
    """``--blend``'s file: the value, or for ``auto`` the training reader's SynFER meta CSV."""
    if value != 'auto':
        return value
    extras = reader_cfg.get('extras_file') if reader_cfg.get('type') == 'ExtrasCsvReader' else None
    if extras is None or osp.basename(extras) != 'synfer_meta.csv':
        raise SystemExit(f'ferda trust: the training reader of {config} reads no synfer_meta.csv; '
                         'name the blend-weight file: --blend META_CSV')
    return extras


def ambiguity_kl(cfg: Config, ckpt: dict, reader_cfg: dict, class_names, ids,
                 blend_file: str) -> dict:
    """The ``--blend`` report (module docstring) of checkpoint ``ckpt`` (a loaded dict)."""
    from mmengine.dataset import default_collate
    from torch.utils.data import DataLoader

    from basicda.datasets.multi_view import PipelineView
    from basicda.datasets.transforms import build_pipeline
    from ferda.methods.ldl.trust import ambiguity_kl_report
    from ferda.registry import DATASETS, MODELS

    columns = {f'w_{name}': 'float' for name in class_names}
    records = DATASETS.build(dict(type='ExtrasCsvReader', reader=reader_cfg,
                                  extras_file=blend_file, columns=columns)).load()
    if [r.sample_id for r in records] != list(ids):
        raise ValueError(f'{blend_file}: read with the training reader, it gives other rows '
                         'than the training set')
    blend = np.asarray([[r.extras[col] for col in columns] for r in records], dtype=np.float64)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    model = MODELS.build(cfg.model)
    model.init_state(dataset.labels, dataset.neighbours, dataset.kernel, dataset.fingerprint)
    model.load_state_dict(ckpt['state_dict'])
    model.load_method_state_dict(ckpt['method_state'])  # refuses other data
    pipeline = build_pipeline(cfg.val_dataloader.dataset.pipeline)
    loader = DataLoader(PipelineView(dataset.dataset, pipeline), batch_size=64, shuffle=False,
                        collate_fn=default_collate)
    targets = model.target_distributions(loader).double().numpy()
    report = ambiguity_kl_report(blend, targets, dataset.labels)
    report.update(blend_file=blend_file)
    return report


def _kl_table(report: dict) -> str:
    if not report['n_ambiguous']:
        return f'ambiguous training samples: 0 of {report["n"]} (no KL to report)'
    return '\n'.join([
        f'ambiguous training samples: {report["n_ambiguous"]} of {report["n"]}',
        f'{"target":<22}{"mean KL(blend || target), nats":>32}',
        f'{"LDL target t":<22}{report["kl_target_mean"]:>32.4f}',
        f'{"one-hot label":<22}{report["kl_onehot_mean"]:>32.4f}',
        f't closer than one-hot on {100 * report["frac_target_closer"]:.1f} % of them '
        f'(eps {report["eps"]:g})'])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog='ferda trust', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--flips', help='the *.flips.csv of the noisy label file trained on')
    parser.add_argument('--out', help="output folder (default: the checkpoint's)")
    parser.add_argument('--blend', nargs='?', const='auto', metavar='META_CSV',
                        help="SynFER's blend weights (w_<Class> columns): write "
                        'ambiguity_kl.json; without a value, the synfer_meta.csv of the '
                        'training reader')
    args = parser.parse_args(argv)
    import ferda  # noqa: F401  (registers the readers)
    from ferda.methods.ldl.dataset import _strings_sha256
    from ferda.methods.ldl.neighbours import array_sha256
    from ferda.methods.ldl.trust import read_flipped_ids, trust_report
    from ferda.registry import DATASETS

    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'ferda'))
    reader_cfg = _train_reader_cfg(cfg)
    blend_file = _blend_file(reader_cfg, args.blend, args.config) if args.blend else None
    reader = DATASETS.build(reader_cfg)
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
    if blend_file is not None:
        kl = ambiguity_kl(cfg, ckpt, reader_cfg, reader.class_names, ids, blend_file)
        kl.update(config=args.config, checkpoint=args.checkpoint)
        atomic_write_json(kl, osp.join(out, 'ambiguity_kl.json'), indent=1)
        print(_kl_table(kl))
        report['ambiguity_kl'] = kl
    return report
