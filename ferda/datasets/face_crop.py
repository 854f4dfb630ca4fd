"""Decoding and face geometry of the prepare step (datasets.md §4, steps 2-4).

Pure functions of arrays (image in, image out) plus :func:`decode_rgb`, which reads one
file. :func:`ferda.datasets.prepare.prepare_cache` chains them per record:

    decode_rgb -> box_crop / align_landmarks5 / (none) -> resize_square

Example:
    >>> import numpy as np
    >>> image = np.zeros((20, 30, 3), np.uint8)
    >>> clip_box((-4, 2, 10, 12), 0.0, width=30, height=20)
    ((0, 2, 10, 12), True)
    >>> resize_square(image, 8).shape
    (8, 8, 3)
"""
from typing import Optional, Sequence

import cv2
import mmcv
import numpy as np

# The 5-point face template of ArcFace/InsightFace alignment for a 112x112 crop, in pixels:
# (x, y) of the left eye, right eye, nose tip, left mouth corner and right mouth corner, "left"
# meaning the image's left. Scaled by S / 112 for an SxS crop. The readers' 5-point order
# (AFE, JAFFE cdfer `landmark_5`) is assumed to be the same (to confirm on the real files).
LANDMARKS5_TEMPLATE_112 = np.array([
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [41.5493, 92.3655],
    [70.7299, 92.2041],
], dtype=np.float64)

# IMREAD_COLOR makes grey and palette images 3-channel (and drops alpha); IMREAD_ANYDEPTH
# keeps 16-bit data 16-bit, so it can be refused instead of silently scaled to 8 bits.
_DECODE_FLAGS = cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH


def decode_rgb(path: str, where: str = '') -> np.ndarray:
    """Decode an image file with mmcv into an (H, W, 3) uint8 RGB array.

    Args:
        path: the image file.
        where: the annotation line it comes from (``'file:line'``), quoted in errors.

    Raises:
        ValueError: the file cannot be read or decoded, or holds 16-bit (or float) samples.
    """
    suffix = f' (annotation {where})' if where else ''
    try:
        with open(path, 'rb') as f:
            content = f.read()
    except OSError as err:
        raise ValueError(f'cannot read image {path}{suffix}: {err}') from None
    image = mmcv.imfrombytes(content, flag=_DECODE_FLAGS, backend='cv2') if content else None
    if image is None:
        raise ValueError(f'cannot decode image {path}{suffix}: not a readable image file')
    if image.dtype != np.uint8:
        raise ValueError(f'image {path}{suffix} has {image.dtype} samples; only 8-bit images '
                         'are supported (convert 16-bit images to 8 bits first)')
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def record_location(record) -> str:
    """``'annotation file:line'`` of a :class:`~ferda.datasets.records.SampleRecord`, or ``''``."""
    return f'{record.src[0]}:{record.src[1]}' if record.src else ''


def image_name(record) -> str:
    """How errors name a record's image: ``'<path> (annotation <file>:<line>)'``."""
    where = record_location(record)
    name = record.img_path or f'inline pixels of {record.sample_id}'
    return f'{name} (annotation {where})' if where else name


def decode_record(record) -> np.ndarray:
    """The (H, W, 3) uint8 RGB pixels of one record: its image file through :func:`decode_rgb`
    (errors name the file and the annotation line), or its inline ``extras['pixels']``.

    The one decoder of ``ferda prepare`` and of the datasets that read image files
    (:class:`~ferda.datasets.face_dataset.FaceDataset`), so both fail with the same message.
    """
    if record.img_path is None:
        return as_rgb(record.extras['pixels'])
    return decode_rgb(record.img_path, record_location(record))


def as_rgb(pixels: np.ndarray) -> np.ndarray:
    """Inline pixels (FER2013's (48, 48) grey arrays) as (H, W, 3) uint8."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise ValueError(f'inline pixels must be uint8, got {pixels.dtype}')
    if pixels.ndim == 2:
        return np.repeat(pixels[:, :, None], 3, axis=2)
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        return pixels
    raise ValueError(f'inline pixels must be (H, W) or (H, W, 3), got {pixels.shape}')


def clip_box(box: Sequence[float], enlarge: float, width: int,
             height: int) -> tuple[tuple[int, int, int, int], bool]:
    """The integer crop window of ``box`` = (x1, y1, x2, y2), enlarged and clipped.

    Each side moves out by ``enlarge`` times the box width/height, is rounded, then clipped
    to the image. :func:`ferda.datasets.face_dataset.crop_box` uses this window too, so a
    cache holds the pixels ``FaceDataset(crop='box')`` would crop.

    Returns:
        ``((x1, y1, x2, y2), outside)``, where ``outside`` says whether the annotated box
        itself (before enlarging) reaches outside the image.

    Raises:
        ValueError: less than 2 px remain in either direction after clipping.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    outside = x1 < 0 or y1 < 0 or x2 > width or y2 > height
    dx, dy = (x2 - x1) * enlarge, (y2 - y1) * enlarge
    left, top = max(0, int(round(x1 - dx))), max(0, int(round(y1 - dy)))
    right, bottom = min(width, int(round(x2 + dx))), min(height, int(round(y2 + dy)))
    if right - left < 2 or bottom - top < 2:
        raise ValueError(f'box {tuple(box)} leaves {max(0, right - left)}x{max(0, bottom - top)} '
                         f'px inside the '
                         f'{width}x{height} image (at least 2x2 needed)')
    return (left, top, right, bottom), outside


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (rotation, uniform scale, translation; no reflection).

    Finds ``a, b, tx, ty`` minimising ``sum_i ||M [x_i, y_i, 1]^T - dst_i||^2`` with

        M = [[a, -b, tx],
             [b,  a, ty]]

    by solving the linear system ``x' = a x - b y + tx``, ``y' = b x + a y + ty``.

    Args:
        src: (K, 2) points, K >= 2, not all equal.
        dst: (K, 2) target points.

    Returns:
        (2, 3) float64 affine matrix for ``cv2.warpAffine``.
    """
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 2:
        raise ValueError(f'src and dst must both be (K, 2) with K >= 2, got {src.shape} and '
                         f'{dst.shape}')
    k = len(src)
    system = np.zeros((2 * k, 4))  # rows: x' equations then y' equations; columns a, b, tx, ty
    system[:k] = np.stack([src[:, 0], -src[:, 1], np.ones(k), np.zeros(k)], axis=1)
    system[k:] = np.stack([src[:, 1], src[:, 0], np.zeros(k), np.ones(k)], axis=1)
    target = np.concatenate([dst[:, 0], dst[:, 1]])  # (2K,)
    (a, b, tx, ty), _, rank, _ = np.linalg.lstsq(system, target, rcond=None)
    if rank < 4:
        raise ValueError(f'landmarks {src.tolist()} are degenerate (all points equal)')
    return np.array([[a, -b, tx], [b, a, ty]])


def five_points(landmarks: np.ndarray) -> np.ndarray:
    """The template's 5 points from (5, 2) landmarks (returned as they are) or the iBUG
    68-point layout (AffectNet): eye centres = means of points 36-41 and 42-47, nose tip 30,
    mouth corners 48 and 54 (0-based)."""
    landmarks = np.asarray(landmarks, np.float64)
    if landmarks.shape == (5, 2):
        return landmarks
    if landmarks.shape == (68, 2):
        return np.stack([landmarks[36:42].mean(0), landmarks[42:48].mean(0), landmarks[30],
                         landmarks[48], landmarks[54]])
    raise ValueError(f'crop=landmarks5 needs (5, 2) or (68, 2) landmarks, got shape '
                     f'{landmarks.shape}')


def align_landmarks5(image: np.ndarray, landmarks: np.ndarray, size: int) -> np.ndarray:
    """Warp a face so its 5 landmarks best match the template on an SxS crop.

    When the warp shrinks the face, it first warps at the face's own scale onto a larger
    square and then shrinks that with ``INTER_AREA`` (step 4 of §4), instead of letting the
    bilinear warp alias. Pixels outside the image are black.

    Args:
        image: (H, W, 3) uint8.
        landmarks: (5, 2) ``(x, y)`` points in the template's order, or (68, 2) iBUG points
            (see :func:`five_points`).
        size: S.

    Returns:
        (S, S, 3) uint8.
    """
    landmarks = five_points(landmarks)
    template = LANDMARKS5_TEMPLATE_112 * (size / 112.0)
    matrix = similarity_transform(landmarks, template)
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    # a scale a rounding error below 1 (0.9999999999999999 for landmarks already on the
    # template) must not warp onto a 1-pixel larger canvas and resample the whole face
    canvas = max(size, int(np.ceil(size / scale - 1e-6)))
    if canvas != size:
        matrix = similarity_transform(landmarks, template * (canvas / size))
    warped = cv2.warpAffine(image, matrix, (canvas, canvas), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return resize_square(warped, size)


def resize_square(image: np.ndarray, size: int) -> np.ndarray:
    """Resize an (H, W, 3) image to (S, S, 3): ``INTER_AREA`` when the pixel count shrinks
    (``H * W > S * S``), ``INTER_LINEAR`` otherwise; unchanged when already SxS."""
    h, w = image.shape[:2]
    if (h, w) == (size, size):
        return np.ascontiguousarray(image)
    interpolation = cv2.INTER_AREA if h * w > size * size else cv2.INTER_LINEAR
    return cv2.resize(image, (size, size), interpolation=interpolation)


def crop_face(image: np.ndarray, crop: str, size: int, enlarge: float = 0.0,
              box: Optional[Sequence[float]] = None,
              landmarks: Optional[np.ndarray] = None) -> tuple[np.ndarray, Optional[str]]:
    """Crop one face and resize it to SxS.

    Args:
        image: (H, W, 3) uint8 RGB.
        crop: ``'none'`` (whole image), ``'box'`` (``box`` enlarged by ``enlarge``, clipped;
            the whole image when ``box`` is None), ``'landmarks5'`` (similarity alignment) or
            ``'detect'`` (alignment on detected landmarks, else the fallback ``box``; see
            :mod:`ferda.datasets.detect`).
        size: S.

    Returns:
        ``(face (S, S, 3) uint8, note)``, where ``note`` is None or the reason this face is
        counted in the prepare report (box clipped, no box).
    """
    note = None
    if crop == 'box':
        if box is None:
            note = 'no box: whole image used'
        else:
            (x1, y1, x2, y2), outside = clip_box(box, enlarge, image.shape[1], image.shape[0])
            if outside:
                note = 'box partly outside the image: clipped'
            image = image[y1:y2, x1:x2]
    elif crop == 'landmarks5':
        if landmarks is None:
            raise ValueError('crop=landmarks5 needs landmarks; this record has none (use '
                             "crop='box' or a reader option that loads 5-point landmarks)")
        return align_landmarks5(image, landmarks, size), None
    elif crop == 'detect':
        # landmarks from ferda.datasets.detect.detect_records; without them (no face found,
        # no_face='centre') the record's box is the centred square fallback
        if landmarks is not None:
            return align_landmarks5(image, landmarks, size), None
        if box is None:
            raise ValueError('crop=detect needs the landmarks or fallback box of '
                             'ferda.datasets.detect.detect_records; this record has neither')
        (x1, y1, x2, y2), _ = clip_box(box, 0.0, image.shape[1], image.shape[0])
        image, note = image[y1:y2, x1:x2], 'no face detected: centre crop'
    elif crop != 'none':
        raise ValueError(f"crop must be 'none', 'box', 'landmarks5' or 'detect', got {crop!r}")
    return resize_square(image, size), note
