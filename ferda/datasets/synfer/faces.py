"""SynFER face model: a parametric 2D face drawn with anti-aliased OpenCV primitives.

A face is an :class:`Identity` (fixed per subject: head shape, skin tone, eye spacing and size,
brow thickness, hair shape and colour, nose length, ...) and an :class:`Expression`: action-like
parameters (:data:`EXPRESSION_PARAMS`) computed as

.. math::

    e = n + s \\sum_c w_c (p_c - n) + \\epsilon, \\qquad s \\sim U[0.35, 1],
    \\quad \\epsilon \\sim \\mathcal{N}(0, 0.04^2 I)

where :math:`n` is the neutral vector (zeros), :math:`p_c` the prototype of canonical class
:math:`c` (:data:`PROTOTYPES`), :math:`s` the intensity and :math:`w` the blend weights: one-hot
for most samples; for a fraction (default 15 %) a second class gets weight in [0.2, 0.4] and the
label stays the dominant class. Valence and arousal are
:math:`s \\sum_c w_c (v_c, a_c) + \\mathcal{N}(0, 0.05^2)`, clipped to [-1, 1], with the
circumplex coordinates :data:`CIRCUMPLEX`.

Coordinates: the face frame has x to the right and y down, and ``[-1, 1]^2`` is the tight face
box; :func:`draw_face` maps it to pixels with a centre, a scale (pixels per unit) and an
in-plane rotation. The head (with hair) fills about 85 % of the box.
"""
from dataclasses import dataclass

import cv2
import numpy as np

from ..labels import CANONICAL_7

EXPRESSION_PARAMS = ('mouth_corner', 'mouth_open', 'lip_press', 'mouth_width', 'brow_height',
                     'inner_brow', 'eye_open', 'nose_wrinkle', 'cheek_raise')
_P = {name: i for i, name in enumerate(EXPRESSION_PARAMS)}

NEUTRAL = np.zeros(len(EXPRESSION_PARAMS))
# One row per canonical class (CANONICAL_7 order), columns as EXPRESSION_PARAMS. Signs:
# mouth_corner > 0 lifts the corners (smile); inner_brow > 0 raises the inner brow ends
# (worry), < 0 lowers and knits them (anger); eye_open < 0 narrows the eyes.
PROTOTYPES = np.array([
    # corner open  press width brow  inner eye   nose  cheek
    [0.0, 1.0, 0.0, -0.4, 1.0, 0.3, 1.0, 0.0, 0.0],     # Surprise
    [-0.4, 0.45, 0.0, 0.9, 0.6, 1.0, 0.9, 0.0, 0.0],    # Fear
    [-0.6, 0.15, 0.3, 0.0, -0.4, -0.4, -0.5, 1.0, 0.4],  # Disgust
    [1.0, 0.35, 0.0, 0.5, 0.1, 0.0, -0.4, 0.0, 1.0],    # Happiness
    [-1.0, 0.0, 0.3, -0.2, -0.3, 1.0, -0.4, 0.0, 0.0],  # Sadness
    [-0.3, 0.0, 1.0, -0.3, -1.0, -1.0, 0.4, 0.3, 0.0],  # Anger
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],      # Neutral
])
# (valence, arousal) of each canonical class on Russell's circumplex.
CIRCUMPLEX = np.array([
    [0.2, 0.8], [-0.6, 0.7], [-0.65, 0.35], [0.8, 0.5], [-0.7, -0.4], [-0.5, 0.8], [0.0, 0.0]])

INTENSITY_RANGE = (0.35, 1.0)
PARAM_NOISE = 0.04
VA_NOISE = 0.05

_SKIN_LIGHT = np.array([190.0, 210.0, 240.0])  # BGR
_SKIN_DARK = np.array([55.0, 85.0, 135.0])
_HAIR_PALETTE = np.array([[30, 30, 35], [25, 45, 75], [40, 90, 150], [70, 140, 200],
                          [150, 150, 155], [30, 60, 140]], dtype=float)  # BGR
_IRIS_PALETTE = np.array([[40, 60, 90], [120, 90, 50], [70, 110, 80], [30, 40, 50]], float)


@dataclass(frozen=True)
class Identity:
    """Appearance of one subject; sizes are in face units (the box half-width is 1)."""
    head_w: float
    head_h: float
    skin: tuple
    hair_color: tuple
    hair_style: int  # 0 short, 1 long, 2 very short
    iris_color: tuple
    eye_y: float
    eye_spacing: float
    eye_size: float
    brow_thickness: float
    nose_length: float
    mouth_width: float
    rest: tuple  # the subject's resting offset of the expression parameters


@dataclass(frozen=True)
class Expression:
    """One sample's expression.

    Attributes:
        label: the dominant canonical class.
        intensity: in [0.35, 1].
        weights: ``(7,)`` blend weights over CANONICAL_7, summing to 1.
        params: ``(P,)`` expression parameters, P = len(EXPRESSION_PARAMS).
        valence, arousal: in [-1, 1].
    """
    label: int
    intensity: float
    weights: np.ndarray
    params: np.ndarray
    valence: float
    arousal: float


def sample_identity(rng: np.random.Generator) -> Identity:
    """Draw a subject's appearance."""
    tone = rng.uniform(0, 1)
    skin = (1 - tone) * _SKIN_LIGHT + tone * _SKIN_DARK + rng.normal(0, 6, 3)
    hair = _HAIR_PALETTE[rng.integers(len(_HAIR_PALETTE))] + rng.normal(0, 8, 3)
    iris = _IRIS_PALETTE[rng.integers(len(_IRIS_PALETTE))]
    return Identity(
        head_w=rng.uniform(0.66, 0.78), head_h=rng.uniform(0.82, 0.92),
        skin=tuple(np.clip(skin, 0, 255)), hair_color=tuple(np.clip(hair, 0, 255)),
        hair_style=int(rng.integers(3)), iris_color=tuple(iris),
        eye_y=rng.uniform(-0.1, -0.03), eye_spacing=rng.uniform(0.25, 0.33),
        eye_size=rng.uniform(0.085, 0.11), brow_thickness=rng.uniform(0.025, 0.045),
        nose_length=rng.uniform(0.18, 0.26), mouth_width=rng.uniform(0.2, 0.26),
        rest=tuple(rng.normal(0, 0.05, len(EXPRESSION_PARAMS))))


def sample_expression(rng: np.random.Generator, label: int, ambiguity: float = 0.15
                      ) -> Expression:
    """Draw an expression of class ``label`` (see the module docstring for the formula)."""
    if not 0 <= label < len(CANONICAL_7):
        raise ValueError(f'label must be a canonical id in 0..6, got {label}')
    intensity = rng.uniform(*INTENSITY_RANGE)
    weights = np.zeros(len(CANONICAL_7))
    if rng.uniform() < ambiguity:
        other = (label + 1 + rng.integers(len(CANONICAL_7) - 1)) % len(CANONICAL_7)
        weights[label] = rng.uniform(0.6, 0.8)
        weights[other] = 1 - weights[label]
    else:
        weights[label] = 1.0
    params = NEUTRAL + intensity * (weights @ (PROTOTYPES - NEUTRAL))
    params = params + rng.normal(0, PARAM_NOISE, params.shape)
    va = intensity * (weights @ CIRCUMPLEX) + rng.normal(0, VA_NOISE, 2)
    va = np.clip(va, -1, 1)
    return Expression(label, float(intensity), weights, params, float(va[0]), float(va[1]))


class _Pen:
    """Draws face-frame primitives into an image through a similarity transform."""
    SHIFT = 4  # sub-pixel bits of the cv2 coordinates

    def __init__(self, img, center, scale, angle_deg):
        self.img = img
        self.center = np.asarray(center, float)
        self.scale = float(scale)
        self.angle = float(angle_deg)
        t = np.deg2rad(angle_deg)
        self.rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])

    def _px(self, points):
        # (K, 2) face units -> (K, 2) fixed-point pixels
        pts = self.center + self.scale * (np.asarray(points, float) @ self.rot.T)
        return np.round(pts * (1 << self.SHIFT)).astype(np.int32)

    def ellipse(self, center, axes, color, angle=0.0, start=0, end=360, thickness=-1):
        c = tuple(int(v) for v in self._px([center])[0])
        ax = tuple(max(1, int(round(a * self.scale * (1 << self.SHIFT)))) for a in axes)
        th = thickness if thickness < 0 else max(1, int(round(thickness * self.scale)))
        cv2.ellipse(self.img, c, ax, angle + self.angle, start, end, _bgr(color), th,
                    cv2.LINE_AA, self.SHIFT)

    def polygon(self, points, color):
        cv2.fillPoly(self.img, [self._px(points)], _bgr(color), cv2.LINE_AA, self.SHIFT)

    def polyline(self, points, color, thickness, closed=False):
        th = max(1, int(round(thickness * self.scale)))
        cv2.polylines(self.img, [self._px(points)], closed, _bgr(color), th, cv2.LINE_AA,
                      self.SHIFT)


def _bgr(color):
    return tuple(float(c) for c in color)


def _mix(a, b, t):
    t = float(np.clip(t, 0, 1))
    return tuple((1 - t) * np.asarray(a, float) + t * np.asarray(b, float))


def draw_face(img: np.ndarray, identity: Identity, params: np.ndarray, center, scale: float,
              angle: float = 0.0) -> None:
    """Draw a face into ``img`` in place.

    Args:
        img: ``(H, W, 3)`` uint8 BGR image, modified in place.
        identity: the subject.
        params: ``(P,)`` expression parameters (:data:`EXPRESSION_PARAMS`).
        center: ``(x, y)`` pixel position of the face-box centre.
        scale: pixels per face unit (half the box side).
        angle: in-plane rotation in degrees (positive turns clockwise on screen).
    """
    e = dict(zip(EXPRESSION_PARAMS, np.asarray(params, float) + np.asarray(identity.rest)))
    pen = _Pen(img, center, scale, angle)
    idt = identity
    skin = np.asarray(idt.skin)
    shade = tuple(skin * 0.72)
    line_dark = tuple(skin * 0.35)

    # Hair behind the head, ears, head.
    hw, hh = idt.head_w, idt.head_h
    if idt.hair_style == 1:
        pen.ellipse((0, 0.1), (hw + 0.1, hh + 0.02), idt.hair_color)
    pen.ellipse((-hw, 0.02), (0.07, 0.13), shade)
    pen.ellipse((hw, 0.02), (0.07, 0.13), shade)
    pen.ellipse((0, 0.05), (hw, hh), idt.skin)
    cap = {0: 0.62, 1: 0.7, 2: 0.5}[idt.hair_style]
    pen.ellipse((0, -0.45), (hw * 1.03, hh * cap * 0.75), idt.hair_color, start=180, end=360)

    # Cheeks: blush and raised cheek contour.
    cheek = max(e['cheek_raise'], 0)
    blush = _mix(skin, (skin[0] * 0.7, skin[1] * 0.7, min(255, skin[2] * 1.05)),
                 0.2 + 0.6 * cheek)
    ex = idt.eye_spacing
    for s in (-1, 1):
        pen.ellipse((s * (ex + 0.06), idt.eye_y + 0.3 - 0.06 * cheek), (0.13, 0.08), blush)

    # Forehead lines (raised brows) and the furrow between lowered brows.
    lift = e['brow_height']
    if lift > 0.25:
        color = _mix(skin, line_dark, min(1.0, (lift - 0.25) * 0.9))
        for k in range(2):
            y = idt.eye_y - 0.33 - 0.055 * k
            pen.ellipse((0, y + 0.2), (0.28, 0.2), color, start=235, end=305, thickness=0.018)
    knit = max(-e['inner_brow'], 0)
    if knit > 0.25:
        color = _mix(skin, line_dark, min(1.0, (knit - 0.25) * 1.2))
        for s in (-1, 1):
            pen.polyline([(s * 0.035, idt.eye_y - 0.2), (s * 0.05, idt.eye_y - 0.09)], color,
                         0.02)

    # Eyes: sclera, iris, pupil, upper lid.
    ew = idt.eye_size * 1.5
    eh = idt.eye_size * 0.75 * float(np.clip(1 + 0.7 * e['eye_open'], 0.25, 1.9))
    ey = idt.eye_y - 0.25 * idt.eye_size * cheek
    for s in (-1, 1):
        c = (s * ex, ey)
        pen.ellipse(c, (ew, eh), (245, 245, 245))
        r = idt.eye_size * 0.62
        pen.ellipse(c, (r, min(r, eh)), idt.iris_color)
        pen.ellipse(c, (r * 0.45, min(r * 0.45, eh)), (15, 15, 15))
        pen.ellipse(c, (ew, eh), line_dark, thickness=0.012)
        pen.ellipse(c, (ew * 1.02, eh * 1.05), line_dark, start=180, end=360, thickness=0.025)

    # Brows: inner end moves with inner_brow, the whole brow with brow_height.
    base = idt.eye_y - 0.16 - 0.11 * lift
    inner = 0.1 * e['inner_brow']
    brow_color = _mix(idt.hair_color, (20, 20, 20), 0.4)
    for s in (-1, 1):
        pts = [(s * (ex - ew * 0.95 + 0.04 * knit), base + 0.03 - inner),
               (s * ex, base - 0.035 - 0.3 * inner),
               (s * (ex + ew * 1.15), base + 0.02 + 0.25 * inner)]
        pen.polyline(pts, brow_color, idt.brow_thickness)

    # Nose: bridge, wrinkles, nostrils (raised and flared by nose_wrinkle).
    wrinkle = max(e['nose_wrinkle'], 0)
    tip_y = idt.eye_y + idt.nose_length + 0.08
    pen.polyline([(0.0, idt.eye_y + 0.04), (0.025, tip_y - 0.02)], shade, 0.018)
    if wrinkle > 0.1:
        color = _mix(skin, line_dark, min(1.0, wrinkle * 1.1))
        for k in range(3):
            y = idt.eye_y + 0.06 + 0.045 * k
            pen.polyline([(-0.07, y + 0.015), (0, y), (0.07, y + 0.015)], color, 0.014)
    nostril_y = tip_y - 0.03 * wrinkle
    pen.ellipse((0, nostril_y - 0.01), (0.08 + 0.02 * wrinkle, 0.035), shade, start=0,
                end=180, thickness=0.018)
    for s in (-1, 1):
        pen.ellipse((s * 0.045, nostril_y), (0.03 + 0.01 * wrinkle, 0.016), line_dark)

    # Smile folds from the nostrils to the mouth corners.
    corner = e['mouth_corner']
    mw = idt.mouth_width * (1 + 0.3 * e['mouth_width'] + 0.15 * max(corner, 0))
    mouth_y = tip_y + 0.19
    corner_dy = -0.14 * corner
    fold = max(corner, 0) * 0.8 + cheek * 0.4
    if fold > 0.2:
        color = _mix(skin, line_dark, min(1.0, (fold - 0.2) * 0.9))
        for s in (-1, 1):
            pen.polyline([(s * 0.1, nostril_y - 0.01), (s * (mw + 0.04), mouth_y + corner_dy)],
                         color, 0.016)

    # Mouth: lips around a mid curve whose ends move with mouth_corner.
    press = float(np.clip(e['lip_press'], 0, 1))
    opening = 0.2 * max(e['mouth_open'], 0)
    raise_upper = 0.03 * wrinkle
    x = np.linspace(-mw, mw, 15)
    u = x / mw
    bulge = 1 - u ** 2                       # 0 at the corners, 1 in the middle
    mid = mouth_y + corner_dy * u ** 2
    upper_in = mid - 0.5 * opening * bulge - raise_upper * bulge
    lower_in = mid + 0.5 * opening * bulge
    upper_out = upper_in - 0.04 * (1 - 0.7 * press) * np.sqrt(bulge) - 0.004
    lower_out = lower_in + 0.05 * (1 - 0.7 * press) * np.sqrt(bulge) + 0.004
    lip = _mix(skin, (skin[0] * 0.6, skin[1] * 0.55, min(255, skin[2] * 1.0)), 0.7)
    pen.polygon(np.concatenate([np.stack([x, upper_out], 1), np.stack([x, lower_out], 1)[::-1]]),
                lip)
    if opening + raise_upper > 0.015:
        pen.polygon(np.concatenate([np.stack([x, upper_in], 1),
                                    np.stack([x, lower_in], 1)[::-1]]), (35, 25, 60))
        teeth = np.minimum(upper_in + 0.4 * (lower_in - upper_in), upper_in + 0.05)
        pen.polygon(np.concatenate([np.stack([x, upper_in], 1), np.stack([x, teeth], 1)[::-1]]),
                    (235, 240, 240))
    pen.polyline(np.stack([x, (upper_in + lower_in) / 2], 1) if opening < 0.015 else
                 np.stack([x, upper_in], 1), _mix(lip, line_dark, 0.5 + 0.4 * press), 0.012)
