"""SynFER ``micro``: micro-expression clips in the CAS(ME)^3 list format DVSCL uses.

Each sample is a clip of one subject: an onset frame (the subject's resting face) and an apex
frame whose expression is ``intensity * prototype`` with intensity in [0.1, 0.3] (a very weak
movement), both drawn with exactly the same geometry, in RGB and as a rendered depth map.
The difference images apex - onset of both views are what the method reads:

* RGB: ``clip(128 + DIFF_GAIN * (apex - onset))`` per channel, uint8 (3 channels);
* depth: the same of the depth maps, written as a 3-channel PNG whose channels are equal
  (the reader takes channel 0, as the reference does).

The depth map is the face drawn with fixed relief "heights" in place of colours (skin,
hair, lips, eyes), blurred, on a head-shaped dome: it moves with the same facial actions
but carries no colour.

Classes (:data:`~ferda.datasets.readers.casme3.CASME3_CLASSES`): negative (the Fear, Disgust,
Sadness or Anger prototype, one at random), others (one isolated action: lip press, mouth
widening or eye narrowing), positive (Happiness) and surprise (Surprise).

Written as (see :mod:`ferda.datasets.readers.casme3`)::

    micro/casme3_diff_imgs_all/<class>/<key>_diff.png
    micro/casme3_diff_depth_all/<class>/<key>_diff_depth.png
    micro/frames/<key>/{onset,apex}{,_depth}.png      the frames the differences come from
    micro/data/v_rgb/<subject>_{train,test}.txt, micro/data/v_rgb/subName.txt
    micro/data/v_depth/<subject>_{train,test}.txt
    micro/synfer_meta.csv                              key, subject, label, intensity, frames

List paths are absolute under the fictitious :data:`LIST_PREFIX` (as the shipped lists hold
the authors' paths); test lists group lines by class folder, and each depth list is in
another (shuffled) order than its RGB list, as in the shipped lists.
"""
import dataclasses
import os
import os.path as osp

import cv2
import numpy as np

from ..readers.casme3 import CASME3_CLASSES, VIEW_DIRS
from .faces import _P, EXPRESSION_PARAMS, PROTOTYPES, sample_identity, draw_face

MICRO_SIZE = 64
MICRO_INTENSITY = (0.1, 0.3)
DIFF_GAIN = 6.0
FRAME_NOISE = 0.6
LIST_PREFIX = '/home/synfer/casme3'
RGB_DIR, DEPTH_DIR = 'casme3_diff_imgs_all', 'casme3_diff_depth_all'
TASKS = 'abcdefghijkl'
META_HEADER = ['key', 'subject', 'label', 'intensity', 'onset_frame', 'apex_frame']
_SUPERSAMPLE = 4
# canonical prototypes (CANONICAL_7 rows) a class draws from: Fear, Disgust, Sadness, Anger
_NEGATIVE = (1, 2, 4, 5)
_OTHERS = ('lip_press', 'mouth_width', 'eye_open')


def micro_prototype(label: int, rng: np.random.Generator) -> np.ndarray:
    """``(P,)`` full-intensity expression parameters of a micro class ``label`` (0..3)."""
    if label == 0:
        return PROTOTYPES[_NEGATIVE[int(rng.integers(len(_NEGATIVE)))]].copy()
    if label == 1:
        proto = np.zeros(len(EXPRESSION_PARAMS))
        name = _OTHERS[int(rng.integers(len(_OTHERS)))]
        proto[_P[name]] = -1.0 if name == 'eye_open' else 1.0
        return proto
    if label == 2:
        return PROTOTYPES[3].copy()
    if label == 3:
        return PROTOTYPES[0].copy()
    raise ValueError(f'micro label must be in 0..3, got {label}')


def _depth_identity(identity):
    """The same face with colours replaced by relief heights (BGR-equal grey levels)."""
    return dataclasses.replace(identity, skin=(170.0,) * 3, hair_color=(120.0,) * 3,
                               iris_color=(140.0,) * 3)


def _render(identity, params, size, fill):
    big = size * _SUPERSAMPLE
    img = np.empty((big, big, 3), np.uint8)
    img[:] = np.uint8(fill)
    draw_face(img, identity, params, (big / 2, big / 2), big / 2)
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA).astype(np.float64)


def render_micro(identity, params: np.ndarray, rng: np.random.Generator,
                 size: int = MICRO_SIZE) -> dict:
    """Render onset (neutral) and apex (``params``) frames and their differences.

    Returns:
        dict of uint8 images: ``onset``, ``apex``, ``diff`` (``(size, size, 3)`` BGR) and
        ``onset_depth``, ``apex_depth`` (``(size, size)``), ``diff_depth`` (``(size, size, 3)``,
        equal channels).
    """
    neutral = np.zeros(len(EXPRESSION_PARAMS))
    background = int(rng.integers(90, 141))
    frames = {}
    for name, p in (('onset', neutral), ('apex', params)):
        rgb = _render(identity, p, size, background)
        frames[name] = rgb + rng.normal(0, FRAME_NOISE, rgb.shape)
        relief = cv2.GaussianBlur(_render(_depth_identity(identity), p, size, 0)[..., 0],
                                  (0, 0), size / 64)
        yy, xx = np.mgrid[-1:1:size * 1j, -1:1:size * 1j]
        dome = np.clip(1 - (xx / 0.8) ** 2 - (yy / 0.95) ** 2, 0, 1) * 60
        frames[name + '_depth'] = relief * 0.7 + dome + rng.normal(0, FRAME_NOISE, relief.shape)
    out = {k: np.clip(np.round(v), 0, 255).astype(np.uint8) for k, v in frames.items()}
    diff = 128 + DIFF_GAIN * (frames['apex'] - frames['onset'])
    out['diff'] = np.clip(np.round(diff), 0, 255).astype(np.uint8)
    ddiff = 128 + DIFF_GAIN * (frames['apex_depth'] - frames['onset_depth'])
    out['diff_depth'] = np.repeat(np.clip(np.round(ddiff), 0, 255).astype(np.uint8)[..., None],
                                  3, axis=2)
    return out


def _png(path: str, img: np.ndarray) -> None:
    ok, buf = cv2.imencode('.png', img, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise RuntimeError(f'cv2.imencode failed for {path}')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(buf.tobytes())


def _text(path: str, lines) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(''.join(f'{line}\n' for line in lines).encode('utf-8'))


def subject_name(subject: int) -> str:
    """``spNO<subject + 1>``: subjects are numbered from 1 as in CAS(ME)^3."""
    return f'spNO{subject + 1}'


def generate_micro(root: str, seed: int, per_class: int, subjects: int, rng_factory,
                   code: int, bar=None) -> dict:
    """Draw ``4 * per_class`` clips over ``subjects`` subjects and write them under ``root``.

    Sample ``i`` (class ``i // per_class``) draws from ``rng_factory(seed, code, 1, i)``, its
    subject's appearance from ``rng_factory(seed, code, 0, subject)``, the depth-list orders
    from ``rng_factory(seed, code, 2, subject)``.

    Returns:
        dict with ``format``, ``list_root`` (relative to ``root``), ``subjects`` (names of the
        subjects that have clips) and ``previews`` (the first RGB difference of each class).
    """
    identities, samples, keys, previews = {}, [], set(), {}
    for i in range(len(CASME3_CLASSES) * per_class):
        label = i // per_class
        rng = rng_factory(seed, code, 1, i)
        subject = int(rng.integers(subjects))
        if subject not in identities:
            identities[subject] = sample_identity(rng_factory(seed, code, 0, subject))
        intensity = float(rng.uniform(*MICRO_INTENSITY))
        params = intensity * micro_prototype(label, rng)
        task = TASKS[int(rng.integers(len(TASKS)))]
        onset = int(rng.integers(1, 3000))
        apex = onset + int(rng.integers(0, 12))
        s = subject + 1
        key = f'spNO.{s}-{task}-{apex}-spNO.{s}-{task}-{onset}'
        while key in keys:  # a repeated (task, frame) of one subject: move the clip on
            onset, apex = onset + 1, apex + 1
            key = f'spNO.{s}-{task}-{apex}-spNO.{s}-{task}-{onset}'
        keys.add(key)
        images = render_micro(identities[subject], params, rng)
        cls = CASME3_CLASSES[label]
        _png(osp.join(root, RGB_DIR, cls, f'{key}_diff.png'), images['diff'])
        _png(osp.join(root, DEPTH_DIR, cls, f'{key}_diff_depth.png'), images['diff_depth'])
        for name in ('onset', 'apex', 'onset_depth', 'apex_depth'):
            _png(osp.join(root, 'frames', key, f'{name}.png'), images[name])
        previews.setdefault(label, images['diff'])
        samples.append(dict(key=key, subject=subject, label=label, intensity=intensity,
                            onset=onset, apex=apex))
        if bar is not None:
            bar.update(1)
    _text(osp.join(root, 'synfer_meta.csv'), [','.join(META_HEADER)] + [
        f"{s['key']},{subject_name(s['subject'])},{s['label']},{s['intensity']:.4f},"
        f"{s['onset']},{s['apex']}" for s in sorted(samples, key=lambda s: s['key'])])

    def line(s, view):
        folder, suffix = (RGB_DIR, '_diff.png') if view == 'rgb' else (DEPTH_DIR,
                                                                       '_diff_depth.png')
        return f"{LIST_PREFIX}/{folder}/{CASME3_CLASSES[s['label']]}/{s['key']}{suffix} " \
               f"{s['label']} 0"

    present = sorted({s['subject'] for s in samples})
    if len(present) < 2:
        raise ValueError(f'micro needs clips of at least 2 subjects (LOSO train lists), got '
                         f'{len(present)}; raise subjects or per_class')
    names = [subject_name(j) for j in present]
    list_root = osp.join(root, 'data')
    for j in present:
        order = rng_factory(seed, code, 2, j)
        for split in ('test', 'train'):
            chosen = [s for s in samples if (s['subject'] == j) == (split == 'test')]
            chosen.sort(key=lambda s: s['label'])  # grouped by class folder (stable)
            _text(osp.join(list_root, VIEW_DIRS['rgb'], f'{subject_name(j)}_{split}.txt'),
                  [line(s, 'rgb') for s in chosen])
            shuffled = [chosen[k] for k in order.permutation(len(chosen))]
            _text(osp.join(list_root, VIEW_DIRS['depth'], f'{subject_name(j)}_{split}.txt'),
                  [line(s, 'depth') for s in shuffled])
    _text(osp.join(list_root, VIEW_DIRS['rgb'], 'subName.txt'), sorted(names))
    return dict(format='casme3-dvscl', list_root='data', subjects=sorted(names),
                previews=[previews[c] for c in range(len(CASME3_CLASSES))])
