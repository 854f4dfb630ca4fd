"""``generate_synfer``: draw the SynFER domains and write them in the real dataset formats.

Randomness: every sample ``i`` of domain ``d`` draws from its own
``Generator(PCG64([seed, d, 1, i]))``, subject ``j``'s appearance from
``Generator(PCG64([seed, d, 0, j]))`` and the file naming order from
``Generator(PCG64([seed, d, 2]))``, with the fixed domain codes of :data:`DOMAIN_CODES`. So the
same arguments give the same bytes, and one domain does not change when another is added.
"""
import json
import os
import os.path as osp
import shutil
import time

import cv2
import numpy as np
from tqdm import tqdm

from ..labels import CANONICAL_7
from ..readers import ExpwReader, Fer2013CsvReader, RafDbReader
from ..readers.casme3 import CASME3_CLASSES, Casme3Reader
from .domains import render_lab, render_lowres, render_wild, wild_jpeg_quality
from .faces import sample_expression, sample_identity
from .micro import generate_micro
from .writers import LabWriter, LowresWriter, WildWriter

DOMAINS = ('lab', 'wild', 'lowres', 'micro')
DOMAIN_CODES = {'lab': 0, 'wild': 1, 'lowres': 2, 'micro': 3}
#: what ``ferda synth`` generates without ``--domains`` (micro is its own benchmark: DVSCL)
DEFAULT_DOMAINS = ('lab', 'wild', 'lowres')
TEST_FRACTION = 0.25
MARKER = 'synfer.json'
PREVIEW_TILE = 96


def _rng(*key) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64([int(k) for k in key]))


def plan_domain(seed: int, domain: str, per_class: int, subjects: int) -> list[dict]:
    """The samples of a domain in file-naming order.

    Class ``c``'s samples have indices ``c * per_class + k``; the first
    ``floor(0.25 * per_class + 0.5)`` of them (at least one when ``per_class >= 2``) are test.

    Returns:
        dicts with ``index``, ``label``, ``split`` (``'train'``/``'test'``), shuffled.
    """
    num_test = max(int(np.floor(TEST_FRACTION * per_class + 0.5)), 1 if per_class >= 2 else 0)
    plan = [dict(index=c * per_class + k, label=c, split='test' if k < num_test else 'train')
            for c in range(len(CANONICAL_7)) for k in range(per_class)]
    order = _rng(seed, DOMAIN_CODES[domain], 2).permutation(len(plan))
    return [plan[i] for i in order]


def _check_args(out_dir, domains, per_class, subjects, ambiguity):
    if isinstance(domains, str):
        raise TypeError(f"domains must be a sequence of names, got the string {domains!r}; "
                        f"write ({domains!r},)")
    unknown = [d for d in domains if d not in DOMAINS]
    if unknown:
        raise ValueError(f'unknown SynFER domain(s) {unknown}; available: {list(DOMAINS)}')
    if len(set(domains)) != len(domains) or not domains:
        raise ValueError(f'domains must be non-empty and without repeats, got {list(domains)}')
    if int(per_class) != per_class or per_class < 2:
        raise ValueError(f'per_class must be an integer >= 2 (one test and one train image '
                         f'per class), got {per_class}')
    if int(subjects) != subjects or subjects < 1:
        raise ValueError(f'subjects must be an integer >= 1, got {subjects}')
    if not 0 <= ambiguity <= 1:
        raise ValueError(f'ambiguity must be in [0, 1], got {ambiguity}')


def _prepare_root(root: str, overwrite: bool) -> None:
    if osp.isdir(root) and os.listdir(root):
        if not overwrite:
            raise ValueError(f'{root} exists and is not empty; pass overwrite=True '
                             '(--overwrite) to regenerate it')
        if not osp.isfile(osp.join(root, MARKER)):
            raise ValueError(f'{root} is not a SynFER domain (no {MARKER}); refusing to '
                             'delete it, choose another out_dir')
        shutil.rmtree(root)
    os.makedirs(root, exist_ok=True)


def _generate_domain(domain, root, seed, per_class, subjects, ambiguity, bar):
    code = DOMAIN_CODES[domain]
    identities = {}
    previews = {}
    writer = {'lab': LabWriter, 'wild': WildWriter, 'lowres': LowresWriter}[domain](root, seed)
    plan = plan_domain(seed, domain, per_class, subjects)
    if domain == 'lowres':  # FER2013 lists Training rows before the test rows
        plan = [p for p in plan if p['split'] == 'train'] + [
            p for p in plan if p['split'] == 'test']
    counters = {'train': 0, 'test': 0, 'all': 0}
    for item in plan:
        rng = _rng(seed, code, 1, item['index'])
        subject = int(rng.integers(subjects))
        if subject not in identities:
            identities[subject] = sample_identity(_rng(seed, code, 0, subject))
        expression = sample_expression(rng, item['label'], ambiguity)
        sample = dict(label=item['label'], split=item['split'], subject=subject,
                      expression=expression)
        counters[item['split']] += 1
        counters['all'] += 1
        if domain == 'lab':
            image = render_lab(identities[subject], expression, rng)
            if item['split'] == 'train':
                name = f'train_{counters["train"]:05d}.jpg'
            else:
                name = f'test_{counters["test"]:04d}.jpg'
            writer.add(name, sample, image)
            crop = image
        elif domain == 'wild':
            image, box = render_wild(identities[subject], expression, rng)
            quality = wild_jpeg_quality(rng)
            confidence = float(rng.uniform(20, 90))
            writer.add(f'synfer_{counters["all"]:05d}.jpg', sample, image, box, quality,
                       confidence)
            crop = image[box[1]:box[3], box[0]:box[2]]
        else:
            image = render_lowres(identities[subject], expression, rng)
            writer.add(sample, image)
            crop = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        if item['index'] % per_class == 0:  # the first sample of each class
            previews[item['label']] = cv2.resize(crop, (PREVIEW_TILE, PREVIEW_TILE),
                                                 interpolation=cv2.INTER_AREA)
        bar.update(1)
    info = writer.close()
    return info, [previews[c] for c in range(len(CANONICAL_7))]


def _count(domain, root, info) -> dict:
    """Per-split class histograms, read back with the real reader (a self-check).

    ``micro`` has no fixed split (it is evaluated leave-one-subject-out): its ``'all'``.
    """
    counts = {}
    if domain == 'micro':
        labels = [r.label for r in Casme3Reader(root, info['list_root']).load()]
        return {'all': [labels.count(c) for c in range(len(CASME3_CLASSES))]}
    for split in ('train', 'val', 'test'):
        if domain == 'lab':
            reader = RafDbReader(root, split, val_split_file=info['val_split_file'])
        elif domain == 'wild':
            reader = ExpwReader(root, split, split_file=info['split_file'])
        else:
            reader = Fer2013CsvReader(root, split)
        labels = [r.label for r in reader.load(allow_empty=True)]  # val may be empty
        counts[split] = [labels.count(c) for c in range(len(CANONICAL_7))]
    return counts


def write_preview(path: str, tiles: dict) -> None:
    """Write a PNG grid: one row per class, one column per domain, with captions."""
    t = PREVIEW_TILE
    names = list(tiles)
    label_w, head_h = 90, 20
    grid = np.full((head_h + t * len(CANONICAL_7), label_w + t * len(names), 3), 255, np.uint8)
    for j, name in enumerate(names):
        cv2.putText(grid, name, (label_w + j * t + 4, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 0, 0), 1, cv2.LINE_AA)
        for c, tile in enumerate(tiles[name]):
            grid[head_h + c * t:head_h + (c + 1) * t, label_w + j * t:label_w + (j + 1) * t] = tile
    for c, cls in enumerate(CANONICAL_7):
        cv2.putText(grid, cls, (4, head_h + c * t + t // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.42,
                    (0, 0, 0), 1, cv2.LINE_AA)
    ok, buf = cv2.imencode('.png', grid)
    if not ok:
        raise RuntimeError('cv2.imencode failed on the preview grid')
    with open(path, 'wb') as f:
        f.write(buf.tobytes())


def generate_synfer(out_dir: str, domains=DEFAULT_DOMAINS, per_class: int = 400,
                    subjects: int = 60,
                    seed: int = 0, preview: bool = False, progress: bool = True,
                    ambiguity: float = 0.15, overwrite: bool = False) -> dict:
    """Generate SynFER domains under ``out_dir/<domain>/`` in the real dataset formats.

    Args:
        out_dir: output folder; each domain goes to ``out_dir/<domain>``.
        domains: any of ``'lab'`` (RAF-DB layout), ``'wild'`` (ExpW), ``'lowres'`` (FER2013
            CSV), ``'micro'`` (CAS(ME)^3 lists of DVSCL: see :mod:`.micro`); default the first
            three.
        per_class: images per class and domain; a quarter of them are test, the rest train
            (10 % of train held out as val). The default 400 gives 300 train / 100 test.
            ``micro`` has 4 classes and no split: per-subject LOSO lists.
        subjects: number of identities per domain; each sample picks one at random.
        seed: the one seed of everything; the same arguments give the same bytes.
        preview: also write ``out_dir/preview.png`` (classes x domains).
        progress: show a tqdm bar.
        ambiguity: fraction of samples blending a second class (weights in ``synfer_meta.csv``).
        overwrite: replace existing SynFER domain folders (never a folder without
            ``synfer.json``).

    Returns:
        dict with ``out_dir``, ``seed``, ``per_class``, ``subjects``, ``seconds``,
        ``preview`` (path or None) and ``domains``: per domain its ``root``, ``format``,
        ``reader`` (the reader config dict that reads a split) and ``counts``
        (``{split: [count per canonical class]}``).
    """
    _check_args(out_dir, domains, per_class, subjects, ambiguity)
    start = time.perf_counter()
    out_dir = os.fspath(out_dir)
    summary = dict(out_dir=out_dir, seed=seed, per_class=per_class, subjects=subjects,
                   ambiguity=ambiguity, domains={}, preview=None)
    tiles = {}
    total = sum(len(CASME3_CLASSES if d == 'micro' else CANONICAL_7) for d in domains
                ) * per_class
    with tqdm(total=total, desc='SynFER', unit='img', disable=not progress) as bar:
        for domain in domains:
            root = osp.join(out_dir, domain)
            _prepare_root(root, overwrite)
            if domain == 'micro':
                info = generate_micro(root, seed, per_class, subjects, _rng,
                                      DOMAIN_CODES['micro'], bar)
                tiles[domain] = [cv2.resize(t, (PREVIEW_TILE, PREVIEW_TILE),
                                            interpolation=cv2.INTER_NEAREST)
                                 for t in info.pop('previews')]
                tiles[domain] += [np.full_like(tiles[domain][0], 255)] * (
                    len(CANONICAL_7) - len(CASME3_CLASSES))
            else:
                info, tiles[domain] = _generate_domain(domain, root, seed, per_class,
                                                       subjects, ambiguity, bar)
            reader = dict(type=dict(lab='RafDbReader', wild='ExpwReader',
                                    lowres='Fer2013CsvReader', micro='Casme3Reader')[domain],
                          data_root=root)
            reader.update({k: v for k, v in info.items() if k not in ('format', 'subjects')})
            entry = dict(root=root, format=info['format'], reader=reader,
                         counts=_count(domain, root, info))
            marker = dict(domain=domain, seed=seed, per_class=per_class, subjects=subjects,
                          ambiguity=ambiguity, format=info['format'], counts=entry['counts'],
                          class_names=list(CASME3_CLASSES if domain == 'micro'
                                           else CANONICAL_7))
            with open(osp.join(root, MARKER), 'w', encoding='utf-8', newline='\n') as f:
                json.dump(marker, f, indent=2, sort_keys=True)
                f.write('\n')
            summary['domains'][domain] = entry
    if preview:
        summary['preview'] = osp.join(out_dir, 'preview.png')
        write_preview(summary['preview'], tiles)
    summary['seconds'] = time.perf_counter() - start
    return summary
