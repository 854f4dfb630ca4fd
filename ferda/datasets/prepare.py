"""The prepare step (datasets.md §4): a reader's records -> a decoded, cropped, resized cache.

Steps: read the annotations with the strict reader; decode each image with mmcv into RGB; crop
(``none``, ``box`` or ``landmarks5``) and resize to SxS (:mod:`ferda.datasets.face_crop`);
write the shards, index, meta and split lists of :mod:`ferda.datasets.cache_format`.

The same inputs give byte-identical files (shards are written in index order, nothing holds a
timestamp). A second run with the same arguments keeps each shard whose sha256 matches the one
recorded in ``progress.json`` when it was finished, and each text file whose content is
unchanged, and logs what it skipped and why.

Example:
    >>> summary = prepare_cache(dict(type='RafDbReader', data_root='data/raw/rafdb'),
    ...                         'data/cache/rafdb_112', size=112)  # doctest: +SKIP
    >>> summary['skipped']['images_0.u8.npy']                      # doctest: +SKIP
    'already complete (checksum matches)'
"""
import hashlib
import json
import logging
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from tqdm import tqdm

from basicda.fileio import atomic_path
from ferda.registry import DATASETS

from .cache_format import (FORMAT_VERSION, INDEX_FILE, MAX_SHARD_BYTES, META_FILE,
                           PROGRESS_FILE, SPLITS_DIR, SUMS_FILE, class_histograms, dumps,
                           index_csv, library_versions, portable_path, sha256_bytes, sha256_file,
                           shard_name, shard_ranges, split_lists, write_atomic)
from .face_crop import crop_face, decode_record, image_name
from .records import SampleRecord
from .splits import make_group_split, write_split_csv

CROP_MODES = ('none', 'box', 'landmarks5', 'detect')
MAX_EXAMPLES = 20
COMPLETE = 'already complete (checksum matches)'
# Published split sizes, checked (warning only) when the reader runs with its defaults.
EXPECTED_COUNTS = {
    'rafdb': {'train+val': 12271, 'test': 3068},
    'fer2013': {'train': 28709, 'val': 3589, 'test': 3589},
}


def load_face(record: SampleRecord, crop: str, size: int,
              enlarge: float) -> tuple[np.ndarray, Optional[str]]:
    """Decode, crop and resize one record: ``((S, S, 3) uint8 face, report note or None)``.

    Errors name the image and, when the record has one, its annotation line.
    """
    image = decode_record(record)
    try:
        return crop_face(image, crop, size, enlarge, record.box, record.landmarks)
    except ValueError as err:
        raise ValueError(f'image {image_name(record)}: {err}') from None




def _cache_identity(out_dir: str) -> Optional[dict]:
    """``dict(dataset, reader)`` of the cache in ``out_dir`` (its ``meta.json``, or the
    ``progress.json`` of an unfinished run), or None when the folder holds none."""
    for name in (META_FILE, PROGRESS_FILE):
        path = osp.join(out_dir, name)
        if osp.isfile(path):
            with open(path, encoding='utf-8') as f:
                state = json.load(f)
            if 'dataset' in state:
                return dict(dataset=state['dataset'], reader=state.get('reader'))
    return None


def check_out_dir(out_dir: str, dataset: str, reader: Optional[dict] = None,
                  overwrite: bool = False) -> None:
    """Refuse to prepare ``dataset`` into a folder holding the cache of another dataset.

    Another dataset: another reader name, or (when ``reader`` is given) another reader type or
    options; ``data_root`` is not compared (a moved raw folder is the same dataset). A changed
    size, crop, annotation file or library version of the same dataset is rewritten as before.

    Raises:
        FileExistsError: naming both datasets, unless ``overwrite``.
    """
    found = _cache_identity(out_dir)
    if found is None:
        return

    def options(cfg):
        return {k: v for k, v in (cfg or {}).items() if k != 'data_root'}

    other = found['dataset'] != dataset or (
        reader is not None and found['reader'] is not None
        and options(found['reader']) != options(reader))
    if not other:
        return
    described = f'{found["dataset"]} {options(found["reader"])}'
    wanted = f'{dataset} {options(reader)}' if reader is not None else dataset
    if not overwrite:
        raise FileExistsError(f'{out_dir} holds the prepared cache of {described}; this run '
                              f'prepares {wanted}. Choose another --out, or pass --overwrite '
                              '(overwrite=True) to replace that cache')
    _log(f'{out_dir}: replacing the cache of {described} by {wanted} (overwrite)',
         logging.WARNING)


def make_expw_split(reader: dict, out_dir: str, seed: int,
                    ratios: Sequence[float] = (0.8, 0.1, 0.1)) -> str:
    """Make the seeded ExpW group split of every face and write it under ``out_dir/splits/``.

    Args:
        reader: ``ExpwReader`` config (``split``/``split_file`` are overridden).

    Returns:
        the path of ``splits/expw_seed{seed}.csv`` (a ``.sha256`` file sits next to it).
    """
    records = DATASETS.build(dict(reader, split='all', split_file=None)).load()
    path = osp.join(out_dir, SPLITS_DIR, f'expw_seed{seed}.csv')
    write_split_csv(make_group_split(records, seed=seed, ratios=ratios), path)
    return path


def _annotation_files(reader_cfg: dict, records: Sequence[SampleRecord]) -> list[str]:
    """Every annotation file the records came from, plus file paths among the reader options."""
    paths = {rec.src[0] for rec in records if rec.src}
    for key, value in reader_cfg.items():
        if key not in ('type', 'data_root') and isinstance(value, str) and osp.isfile(value):
            paths.add(value)
    return sorted(paths)


def _fingerprint(records: Sequence[SampleRecord]) -> str:
    """Digest of what a shard is made from: ids, labels, boxes and each image's size/mtime."""
    digest = hashlib.sha256()
    for rec in records:
        if rec.img_path is None:
            stamp = sha256_bytes(np.ascontiguousarray(rec.extras['pixels']).tobytes())
        else:
            st = os.stat(rec.img_path)
            stamp = f'{st.st_size}:{st.st_mtime_ns}'
        lm = None if rec.landmarks is None else np.asarray(rec.landmarks).tolist()
        digest.update(f'{rec.sample_id}\t{rec.img_path}\t{rec.label}\t{rec.box}\t{lm}\t{stamp}\n'
                      .encode('utf-8'))
    return digest.hexdigest()




def _merge_notes(reports: Sequence[dict]) -> dict:
    """Concatenate per-shard ``{reason: {count, examples}}`` in shard order."""
    merged = {}
    for report in reports:
        for reason, entry in report.items():
            slot = merged.setdefault(reason, dict(count=0, examples=[]))
            slot['count'] += entry['count']
            slot['examples'] = (slot['examples'] + entry['examples'])[:MAX_EXAMPLES]
    return dict(sorted(merged.items()))


def _log(msg: str, level=logging.INFO) -> None:
    print_log(msg, logger='current', level=level)


def _log_histograms(name: str, hist: dict, class_names: Sequence[str], reader_cfg: dict):
    for split, counts in hist.items():
        cells = ', '.join(f'{c}={n}' for c, n in zip(class_names, counts))
        _log(f'{name} {split}: {sum(counts)} faces ({cells})')
        empty = [c for c, n in zip(class_names, counts) if n == 0]
        if empty:
            _log(f'{name} split {split!r} has no face of class(es) {empty}; metrics that '
                 'average over classes will only see the present ones', logging.WARNING)
    defaults = not (set(reader_cfg) - {'type', 'data_root', 'split'})
    for group, expected in EXPECTED_COUNTS.get(name, {}).items() if defaults else ():
        found = sum(sum(hist.get(s, ())) for s in group.split('+'))
        if found != expected:
            _log(f'{name} {group}: {found} faces, but the published count is {expected}; '
                 'check the download is complete', logging.WARNING)


def prepare_cache(reader: dict, out_dir: str, size: int = 112, crop: str = 'none',
                  enlarge: float = 0.0, max_shard_bytes: int = MAX_SHARD_BYTES,
                  extra_meta: Optional[dict] = None, progress: bool = True,
                  overwrite: bool = False, detect: Optional[dict] = None) -> dict:
    """Run the prepare step of datasets.md §4 into ``out_dir`` (resumable).

    Args:
        reader: reader config, built with ``ferda.registry.DATASETS``; ``split`` defaults to
            ``'all'`` (every split in one cache).
        out_dir: the cache folder (created).
        size: S, the side of the stored square faces.
        crop: ``'none'``, ``'box'``, ``'landmarks5'`` or ``'detect'`` (see
            :func:`ferda.datasets.face_crop.crop_face`).
        enlarge: with ``crop='box'``, grow each side of the box by this fraction.
        max_shard_bytes: size limit of one shard file.
        extra_meta: more JSON-able facts to record in ``meta.json`` (e.g. how a split was made).
        progress: show a tqdm bar.
        overwrite: replace a cache of another dataset in ``out_dir`` (see
            :func:`check_out_dir`); without it that is an error.
        detect: with ``crop='detect'``, ``dict(model='hog'|'cnn', choose='largest'|'central',
            no_face='skip'|'centre', upsample=1)`` for
            :func:`ferda.datasets.detect.detect_records` (defaults for missing keys); what
            happened per image goes to ``index.csv`` (``extras.detect``), the count and the
            names of the images without a face to ``meta.json`` (``report.detect``).

    Returns:
        ``dict(written=[file names], skipped={file name: reason}, redone={file name: reason},
        meta=the meta.json content)``.

    Raises:
        DatasetFormatError / ValueError: bad annotations, an undecodable or 16-bit image, or a
            box under 2 px; the message names the image and its annotation line.
        FileExistsError: ``out_dir`` holds the cache of another dataset (``overwrite=False``).
    """
    if crop not in CROP_MODES:
        raise ValueError(f'crop must be one of {CROP_MODES}, got {crop!r}')
    if not isinstance(size, int) or size < 1:
        raise ValueError(f'size must be a positive int, got {size!r}')
    if enlarge < 0:
        raise ValueError(f'enlarge must be >= 0, got {enlarge}')
    reader_cfg, reader_obj, records = _read(reader)
    data_root = reader_cfg['data_root']
    portable_cfg = {k: portable_path(v, data_root, out_dir)
                    if k != 'data_root' and isinstance(v, str) and osp.isfile(v) else v
                    for k, v in reader_cfg.items()}
    check_out_dir(out_dir, reader_obj.name, portable_cfg, overwrite)
    os.makedirs(osp.join(out_dir, SPLITS_DIR), exist_ok=True)
    detect_report = None
    if crop == 'detect':
        from .detect import FaceDetector, detect_records
        detect = dict(dict(model='hog', choose='largest', no_face='skip', upsample=1),
                      **(detect or {}))
        detector = FaceDetector(detect['model'], detect['choose'], detect['upsample'])
        records, detect_report = detect_records(
            records, decode_record,
            detector, detect['no_face'])
        if not records:
            raise ValueError(f'crop=detect found no face in any of the '
                             f'{detect_report["no_face"]["count"]} images of {data_root}')

    annotations = {portable_path(p, data_root, out_dir): sha256_file(p)
                   for p in _annotation_files(reader_cfg, records)}
    prepare_args = dict(size=size, crop=crop, enlarge=float(enlarge),
                        max_shard_bytes=int(max_shard_bytes))
    if crop == 'detect':
        prepare_args['detect'] = detect
    ranges = shard_ranges(len(records), size, max_shard_bytes)
    plan = sha256_bytes(dumps(dict(format_version=FORMAT_VERSION, reader=portable_cfg,
                                   prepare=prepare_args, annotations=annotations,
                                   versions=library_versions(), ranges=ranges,
                                   extra=extra_meta)).encode())

    summary = dict(written=[], skipped={}, redone={})
    identity = dict(dataset=reader_obj.name, reader=portable_cfg)  # for check_out_dir
    done = _load_progress(out_dir, plan)
    todo = _shards_to_write(out_dir, records, ranges, done, summary)
    progress_path = osp.join(out_dir, PROGRESS_FILE)
    bar = tqdm(total=sum(stop - start for _, start, stop, _ in todo), desc='prepare',
               unit='face', disable=not (progress and todo))
    for k, start, stop, fingerprint in todo:
        notes = _write_shard(osp.join(out_dir, shard_name(k)), records[start:stop], crop, size,
                             enlarge, bar)
        done[shard_name(k)] = dict(sha256=sha256_file(osp.join(out_dir, shard_name(k))),
                                   fingerprint=fingerprint, report=notes)
        write_atomic(progress_path, dumps(dict(plan=plan, shards=done, **identity)).encode())
        summary['written'].append(shard_name(k))
    bar.close()
    write_atomic(progress_path, dumps(dict(plan=plan, shards=done, **identity)).encode())
    _remove_stale(out_dir, len(ranges), split_lists(records))

    names = [shard_name(k) for k in range(len(ranges))]
    shard_info = [dict(file=name, start=start, num_samples=stop - start,
                       bytes=osp.getsize(osp.join(out_dir, name)))
                  for name, (start, stop) in zip(names, ranges)]
    index_bytes = index_csv(records, data_root)
    split_bytes = split_lists(records)
    sums = ''.join(f'{sha256_bytes(data)}  {name}\n' for name, data in sorted(
        {**split_bytes, **_other_split_files(out_dir, split_bytes)}.items()))
    split_bytes[SUMS_FILE] = sums.encode('utf-8')
    hist = class_histograms(records, reader_obj.num_classes)
    meta = dict(
        format_version=FORMAT_VERSION, dataset=reader_obj.name, reader=portable_cfg,
        prepare=prepare_args, classes=list(reader_obj.class_names),
        num_classes=reader_obj.num_classes, num_samples=len(records),
        image_shape=[size, size, 3], class_histograms=hist, shards=shard_info,
        report=dict(
            reader_skipped={reason: dict(  # every skipped row or file the reader named
                count=n, examples=list(getattr(reader_obj, 'skip_examples', {}).get(reason, [])))
                            for reason, n in sorted(reader_obj.num_skipped.items())},
            counted=_merge_notes([done[name]['report'] for name in names]),
            **({} if detect_report is None else dict(detect=detect_report))),
        versions=library_versions(),
        sha256=dict(annotations=annotations, index=sha256_bytes(index_bytes),
                    shards={name: done[name]['sha256'] for name in names},
                    splits={name: sha256_bytes(data) for name, data in split_bytes.items()}),
        extra=extra_meta or {})
    outputs = {INDEX_FILE: index_bytes, META_FILE: dumps(meta).encode('utf-8')}
    outputs.update({f'{SPLITS_DIR}/{name}': data for name, data in split_bytes.items()})
    for name, data in outputs.items():
        path = osp.join(out_dir, *name.split('/'))
        if osp.isfile(path) and sha256_file(path) == sha256_bytes(data):
            summary['skipped'][name] = COMPLETE
        else:
            write_atomic(path, data)
            summary['written'].append(name)

    _log_histograms(reader_obj.name, hist, reader_obj.class_names, reader_cfg)
    _log_summary(out_dir, meta, summary)
    summary['meta'] = meta
    return summary


def _read(reader: dict) -> tuple[dict, object, list[SampleRecord]]:
    """Build the reader (``split='all'`` unless given) and load its records."""
    reader_cfg = dict(reader)
    reader_cls = DATASETS.get(reader_cfg.get('type'))
    if reader_cls is None:
        raise KeyError(f'reader type {reader_cfg.get("type")!r} is not registered in DATASETS')
    if 'split' not in reader_cfg:
        if 'all' not in reader_cls.splits:
            raise ValueError(f'{reader_cls.__name__} has no split "all"; pass split= one of '
                             f'{reader_cls.splits}')
        reader_cfg['split'] = 'all'
    reader_obj = DATASETS.build(dict(reader_cfg))
    records = reader_obj.load()
    if not records:
        raise ValueError(f'{reader_cls.__name__}({reader_cfg}) returned no samples')
    return reader_cfg, reader_obj, records


def _load_progress(out_dir: str, plan: str) -> dict:
    """``{shard name: dict(sha256, fingerprint, report)}`` finished under the same plan."""
    path = osp.join(out_dir, PROGRESS_FILE)
    if not osp.isfile(path):
        return {}
    with open(path, encoding='utf-8') as f:
        state = json.load(f)
    if state.get('plan') == plan:
        return state.get('shards', {})
    _log(f'{out_dir}: arguments, annotations or library versions changed since the last run; '
         'every shard is rewritten', logging.WARNING)
    return {}


def _shards_to_write(out_dir: str, records: Sequence[SampleRecord], ranges: list, done: dict,
                     summary: dict) -> list[tuple[int, int, int, str]]:
    """``[(k, start, stop, fingerprint)]`` of the shards that are not complete; ``done`` loses
    their entries, ``summary`` records why each existing file is redone or skipped."""
    todo = []
    for k, (start, stop) in enumerate(ranges):
        name, path = shard_name(k), osp.join(out_dir, shard_name(k))
        fingerprint = _fingerprint(records[start:stop])
        entry = done.get(name)
        reason = None
        if not osp.isfile(path):
            reason = None if entry is None else 'file missing'
        elif entry is None:
            reason = 'not recorded as complete'
        elif entry['fingerprint'] != fingerprint:
            reason = 'images changed (size or mtime)'
        elif sha256_file(path) != entry['sha256']:
            reason = 'checksum mismatch (damaged or partial file)'
        if osp.isfile(path) and reason is None:
            summary['skipped'][name] = COMPLETE
            continue
        if reason is not None:
            summary['redone'][name] = reason
        todo.append((k, start, stop, fingerprint))
        done.pop(name, None)
    return todo


def _write_shard(path: str, records: Sequence[SampleRecord], crop: str, size: int,
                 enlarge: float, bar) -> dict:
    """Write the (n, S, S, 3) shard of ``records`` (atomically, :func:`basicda.fileio.atomic_path`) and return
    its report notes ``{reason: dict(count, examples)}``."""
    notes = {}
    with atomic_path(path) as tmp:
        shard = np.lib.format.open_memmap(tmp, mode='w+', dtype=np.uint8,
                                          shape=(len(records), size, size, 3))
        for i, record in enumerate(records):
            shard[i], note = load_face(record, crop, size, enlarge)
            if note is not None:
                slot = notes.setdefault(note, dict(count=0, examples=[]))
                slot['count'] += 1
                if len(slot['examples']) < MAX_EXAMPLES:
                    slot['examples'].append(record.sample_id)
            bar.update(1)
        shard.flush()
        del shard
    return notes


def _log_summary(out_dir: str, meta: dict, summary: dict) -> None:
    for reason, entry in {**meta['report']['reader_skipped'],
                          **meta['report']['counted']}.items():
        _log(f'{meta["dataset"]}: {entry["count"]} face(s): {reason}', logging.WARNING)
    for name, reason in summary['skipped'].items():
        _log(f'{out_dir}: skipped {name}: {reason}')
    for name, reason in summary['redone'].items():
        _log(f'{out_dir}: rewrote {name}: {reason}', logging.WARNING)
    _log(f'{out_dir}: {meta["num_samples"]} faces in {len(meta["shards"])} shard(s); wrote '
         f'{len(summary["written"])} file(s), skipped {len(summary["skipped"])} already complete')


def _other_split_files(out_dir: str, planned: dict) -> dict[str, bytes]:
    """Files already in ``splits/`` that the plan does not write (a generated ExpW csv)."""
    folder = osp.join(out_dir, SPLITS_DIR)
    out = {}
    for name in sorted(os.listdir(folder)):
        path = osp.join(folder, name)
        if (name in planned or name == SUMS_FILE or name.endswith(('.sha256', '.partial', '.tmp'))
                or not osp.isfile(path)):
            continue
        with open(path, 'rb') as f:
            out[name] = f.read()
    return out


def _remove_stale(out_dir: str, num_shards: int, planned_splits: dict) -> None:
    """Delete shards and split lists of an earlier, larger or different plan."""
    stale = [name for name in os.listdir(out_dir)
             if name.startswith('images_') and name.endswith('.u8.npy')
             and name not in {shard_name(k) for k in range(num_shards)}]
    stale += [osp.join(SPLITS_DIR, name) for name in os.listdir(osp.join(out_dir, SPLITS_DIR))
              if name.endswith('.txt') and name not in planned_splits]
    for name in sorted(stale):
        os.remove(osp.join(out_dir, name))
        _log(f'{out_dir}: removed {name}, left over from an earlier run', logging.WARNING)
