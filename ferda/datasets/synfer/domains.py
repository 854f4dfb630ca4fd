"""SynFER domain styles: how a face is photographed in ``lab``, ``wild`` and ``lowres``.

Domains differ in style, not in what an expression looks like (synfer.md):

* ``lab``: frontal, centred, plain light background, even light, colour, 100x100.
* ``wild``: a style/degradation shift with mild geometry: a scene image with a textured,
  cluttered background; the face box is 88-132 px; the face is rotated in-plane within
  +-12 degrees, scaled by +-8 % and shifted by up to 5 % of the box; occluders on 15 % of
  images; a light gradient (gain 0.5-0.9 across the scene), a per-channel colour cast
  (0.6-1.4), Gaussian blur (sigma 1.0-2.2 px), noise (sigma 7-18) and JPEG quality 18-50
  (chosen here, encoded by the writer). These strengths were calibrated so that a small CNN
  trained on ``lab`` with strong augmentation loses more than 20 points on ``wild`` while one
  trained on ``wild`` stays at or above 85 %.
* ``lowres``: 48x48 greyscale, contrast scaled by 0.3-0.5, noise sigma 6-12.

Each ``render_*`` takes the face and the sample's generator and draws all its randomness from
it, so a sample's pixels depend only on ``(seed, domain, sample index)``.
"""
import cv2
import numpy as np

from .faces import Expression, Identity, draw_face

LAB_SIZE = 100
LOWRES_SIZE = 48
WILD_ROTATION = 12.0  # degrees, either way
WILD_OCCLUDER_PROB = 0.15
_SUPERSAMPLE = 2


def _finish(img: np.ndarray) -> np.ndarray:
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def render_lab(identity: Identity, expression: Expression, rng: np.random.Generator
               ) -> np.ndarray:
    """Return a ``(100, 100, 3)`` uint8 BGR studio portrait."""
    size = LAB_SIZE * _SUPERSAMPLE
    background = rng.uniform(205, 240) + rng.normal(0, 4, 3)
    img = np.empty((size, size, 3), np.uint8)
    img[:] = np.clip(background, 0, 255).astype(np.uint8)
    center = size / 2 + rng.normal(0, 0.01 * size, 2)
    draw_face(img, identity, expression.params, center, size / 2)
    img = cv2.resize(img, (LAB_SIZE, LAB_SIZE), interpolation=cv2.INTER_AREA)
    noise = rng.normal(0, 1.5, img.shape)
    return _finish(img + noise)


def textured_background(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A cluttered scene: low-frequency colour field, fine texture and random shapes.

    Returns:
        ``(height, width, 3)`` float32 BGR in 0..255.
    """
    base = rng.uniform(30, 220, 3)
    grid = rng.uniform(-70, 70, (int(rng.integers(2, 7)), int(rng.integers(2, 7)), 3))
    img = base + cv2.resize(grid.astype(np.float32), (width, height),
                            interpolation=cv2.INTER_CUBIC)
    fine = rng.normal(0, rng.uniform(6, 20), (height // 3 + 1, width // 3 + 1, 1))
    img = img + cv2.resize(fine.astype(np.float32), (width, height),
                           interpolation=cv2.INTER_LINEAR)[..., None]
    img = np.clip(img, 0, 255).astype(np.float32)
    for _ in range(int(rng.integers(3, 9))):
        color = tuple(float(c) for c in rng.uniform(0, 255, 3))
        x, y = int(rng.integers(width)), int(rng.integers(height))
        kind = rng.integers(3)
        if kind == 0:
            w, h = int(rng.integers(8, width // 2 + 9)), int(rng.integers(8, height // 2 + 9))
            cv2.rectangle(img, (x, y), (x + w, y + h), color, -1, cv2.LINE_AA)
        elif kind == 1:
            cv2.circle(img, (x, y), int(rng.integers(5, max(6, width // 5))), color, -1,
                       cv2.LINE_AA)
        else:
            x2, y2 = int(rng.integers(width)), int(rng.integers(height))
            cv2.line(img, (x, y), (x2, y2), color, int(rng.integers(2, 7)), cv2.LINE_AA)
    return img


def _occlude(img: np.ndarray, box, rng: np.random.Generator) -> None:
    """Cover part of the face box with a hand-, hair- or object-like blob, in place."""
    x1, y1, x2, y2 = box
    side = x2 - x1
    color = tuple(float(c) for c in rng.uniform(20, 235, 3))
    cx = x1 + side * rng.uniform(0.1, 0.9)
    cy = y1 + side * rng.uniform(0.15, 0.95)
    axes = (int(side * rng.uniform(0.12, 0.25)), int(side * rng.uniform(0.1, 0.22)))
    cv2.ellipse(img, (int(cx), int(cy)), axes, float(rng.uniform(0, 180)), 0, 360, color, -1,
                cv2.LINE_AA)


def render_wild(identity: Identity, expression: Expression, rng: np.random.Generator
                ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Return a BGR uint8 scene and the face box ``(x1, y1, x2, y2)`` (ints, inside it)."""
    side = int(rng.integers(88, 133))
    width = int(side * rng.uniform(1.25, 1.8))
    height = int(side * rng.uniform(1.25, 1.8))
    x1 = int(rng.integers(0, width - side + 1))
    y1 = int(rng.integers(0, height - side + 1))
    box = (x1, y1, x1 + side, y1 + side)
    img = textured_background(height, width, rng)
    center = np.array([x1 + side / 2, y1 + side / 2]) + rng.uniform(-0.05, 0.05, 2) * side
    scale = side / 2 * rng.uniform(0.92, 1.08)
    angle = rng.uniform(-WILD_ROTATION, WILD_ROTATION)
    draw_face(img, identity, expression.params, center, scale, angle)
    if rng.uniform() < WILD_OCCLUDER_PROB:
        _occlude(img, box, rng)
    # Light: a linear gradient in a random direction, then a per-channel colour cast.
    theta = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = (np.cos(theta) * xx / width + np.sin(theta) * yy / height)
    ramp = (ramp - ramp.min()) / max(float(ramp.max() - ramp.min()), 1e-6) - 0.5
    img = img * (1 + rng.uniform(0.5, 0.9) * ramp)[..., None]
    img = img * rng.uniform(0.6, 1.4, 3).astype(np.float32) + rng.uniform(-25, 25)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(1.0, 2.2))
    img = img + rng.normal(0, rng.uniform(7, 18), img.shape).astype(np.float32)
    return _finish(img), box


def wild_jpeg_quality(rng: np.random.Generator) -> int:
    """JPEG quality of a wild scene, drawn from the sample's generator."""
    return int(rng.integers(18, 51))


def render_lowres(identity: Identity, expression: Expression, rng: np.random.Generator
                  ) -> np.ndarray:
    """Return a ``(48, 48)`` uint8 grey, low-contrast, noisy face."""
    size = LOWRES_SIZE * _SUPERSAMPLE
    img = np.empty((size, size, 3), np.uint8)
    img[:] = int(rng.integers(60, 190))
    draw_face(img, identity, expression.params, size / 2 + rng.normal(0, 0.01 * size, 2),
              size / 2)
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    grey = cv2.resize(grey, (LOWRES_SIZE, LOWRES_SIZE), interpolation=cv2.INTER_AREA)
    grey = grey.astype(np.float32)
    mean = float(grey.mean())
    grey = (grey - mean) * rng.uniform(0.3, 0.5) + rng.uniform(95, 160)
    return _finish(grey + rng.normal(0, rng.uniform(6, 12), grey.shape))
