"""Face detection and 5-point landmarks for datasets shipped without boxes (``--crop detect``).

CK+ and JAFFE (official), KDEF, Oulu-CASIA, SFEW's full frames and any image folder ship whole
frames: ``ferda prepare ... --crop detect`` finds the face, estimates its landmarks and aligns
it with the same similarity transform as ``--crop landmarks5``
(:func:`ferda.datasets.face_crop.align_landmarks5`).

The detector must work offline, so its weights come from a package registry, never from a hub
at run time: dlib (``dlib-bin`` wheels) with the models of ``face-recognition-models`` (HOG or
CNN/MMOD face detector, iBUG 68-point shape predictor, reduced to the template's 5 points by
:func:`ferda.datasets.face_crop.five_points`). Install them with ``pip install -e ".[align]"``.
(``face-recognition-models`` imports ``pkg_resources``, which recent setuptools no longer ship,
so its model files are located without importing it.)

Pipeline per image: :meth:`FaceDetector.detect` -> :func:`choose_face` (largest or most
central) -> landmarks -> ``align_landmarks5``; an image without a face is counted and named,
then dropped (``no_face='skip'``) or centre-cropped (``no_face='centre'``).

Example:
    >>> detector = FaceDetector()                                    # doctest: +SKIP
    >>> found = detector.detect(rgb_image)                           # doctest: +SKIP
    >>> found.landmarks.shape, found.score                           # doctest: +SKIP
    ((5, 2), 2.3)
"""
import importlib.util
import os.path as osp
from dataclasses import dataclass, replace
from typing import Optional, Sequence

import numpy as np

from .face_crop import five_points

MODELS = ('hog', 'cnn')
CHOOSE = ('largest', 'central')
NO_FACE = ('skip', 'centre')
INSTALL_HINT = ('--crop detect needs the optional face-alignment packages: pip install -e '
                '".[align]" (dlib-bin and face-recognition-models; their weights ship inside '
                'the packages, nothing is downloaded at run time)')
_MODEL_FILES = {'landmarks68': 'shape_predictor_68_face_landmarks.dat',
                'cnn': 'mmod_human_face_detector.dat'}


@dataclass(frozen=True)
class Detection:
    """One chosen face.

    Args:
        box: ``(x1, y1, x2, y2)`` in image pixels.
        score: the detector's score (HOG: SVM margin; CNN: MMOD confidence).
        landmarks: ``(5, 2)`` float64 ``(x, y)``: eye centres (image left, right), nose tip,
            mouth corners (image left, right) -- the order of the alignment template.
        num_faces: how many faces the detector found (the chosen one included).
    """
    box: tuple
    score: float
    landmarks: np.ndarray
    num_faces: int


def choose_face(boxes: np.ndarray, width: int, height: int, mode: str = 'largest') -> int:
    """Index of the face to keep among ``boxes``.

    Args:
        boxes: ``(N, 4)`` ``(x1, y1, x2, y2)``, N >= 1.
        width, height: the image size.
        mode: ``'largest'`` (largest area) or ``'central'`` (box centre nearest the image
            centre). Ties go to the lowest index.

    Returns:
        an index in ``0..N-1``.

    Example:
        >>> boxes = np.array([[0, 0, 10, 10], [40, 40, 60, 60]])
        >>> choose_face(boxes, 100, 100, 'largest'), choose_face(boxes, 100, 100, 'central')
        (1, 1)
        >>> choose_face(np.array([[0, 0, 50, 50], [45, 45, 55, 55]]), 100, 100, 'central')
        1
    """
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    if len(boxes) == 0:
        raise ValueError('choose_face needs at least one box')
    if mode == 'largest':
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])  # (N,)
        return int(np.argmax(area))
    if mode == 'central':
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2  # (N, 2)
        dist = np.hypot(centres[:, 0] - width / 2, centres[:, 1] - height / 2)  # (N,)
        return int(np.argmin(dist))
    raise ValueError(f'choose must be one of {CHOOSE}, got {mode!r}')


def centre_square(width: int, height: int) -> tuple:
    """The largest centred square ``(x1, y1, x2, y2)`` of a ``width x height`` image (the
    fallback crop of an image without a detected face).

    Example:
        >>> centre_square(100, 60)
        (20, 0, 80, 60)
    """
    side = min(width, height)
    x1, y1 = (width - side) // 2, (height - side) // 2
    return (x1, y1, x1 + side, y1 + side)


def _models_dir() -> str:
    spec = importlib.util.find_spec('face_recognition_models')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(INSTALL_HINT)
    return osp.join(list(spec.submodule_search_locations)[0], 'models')


class FaceDetector:
    """dlib face detector plus 68-point landmarks reduced to the template's 5 points.

    Args:
        model: ``'hog'`` (fast, frontal faces) or ``'cnn'`` (MMOD; slower on CPU, more poses).
        choose: ``'largest'`` or ``'central'`` face when several are found.
        upsample: times the image is upsampled before detection (finds smaller faces).

    Raises:
        ImportError: dlib or face-recognition-models is missing; the message says what to
            install.
    """

    def __init__(self, model: str = 'hog', choose: str = 'largest', upsample: int = 1):
        if model not in MODELS:
            raise ValueError(f'model must be one of {MODELS}, got {model!r}')
        if choose not in CHOOSE:
            raise ValueError(f'choose must be one of {CHOOSE}, got {choose!r}')
        if not isinstance(upsample, int) or upsample < 0:
            raise ValueError(f'upsample must be an int >= 0, got {upsample!r}')
        try:
            import dlib
        except ImportError:
            raise ImportError(INSTALL_HINT) from None
        models = _models_dir()
        self.model, self.choose, self.upsample = model, choose, upsample
        self._dlib = dlib
        if model == 'hog':
            self._detector = dlib.get_frontal_face_detector()
        else:
            self._detector = dlib.cnn_face_detection_model_v1(
                osp.join(models, _MODEL_FILES['cnn']))
        self._predictor = dlib.shape_predictor(osp.join(models, _MODEL_FILES['landmarks68']))

    def _boxes(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
        """``(boxes (N, 4), scores (N,), dlib rectangles)``."""
        if self.model == 'hog':
            rects, scores, _ = self._detector.run(image, self.upsample, 0.0)
            scores = list(scores)
        else:
            found = self._detector(image, self.upsample)
            rects = [d.rect for d in found]
            scores = [d.confidence for d in found]
        boxes = np.array([[r.left(), r.top(), r.right() + 1, r.bottom() + 1] for r in rects],
                         np.float64).reshape(-1, 4)
        return boxes, np.asarray(scores, np.float64), list(rects)

    def detect(self, image: np.ndarray) -> Optional[Detection]:
        """The chosen face of an ``(H, W, 3)`` uint8 RGB image, or None when there is none."""
        image = np.ascontiguousarray(image)
        boxes, scores, rects = self._boxes(image)
        if len(boxes) == 0:
            return None
        i = choose_face(boxes, image.shape[1], image.shape[0], self.choose)
        shape = self._predictor(image, rects[i])
        points = np.array([[shape.part(k).x, shape.part(k).y] for k in range(68)],
                          np.float64)  # (68, 2) iBUG
        return Detection(tuple(float(v) for v in boxes[i]), float(scores[i]),
                         five_points(points), len(boxes))


def detect_records(records: Sequence, decode, detector: FaceDetector,
                   no_face: str = 'skip') -> tuple[list, dict]:
    """Detect the face of every record and attach its landmarks (``--crop detect``).

    Args:
        records: :class:`~ferda.datasets.records.SampleRecord` list (full frames).
        decode: ``record -> (H, W, 3) uint8 RGB`` (errors name the image and its line).
        detector: a :class:`FaceDetector`.
        no_face: ``'skip'`` drops a record without a face; ``'centre'`` keeps it with
            ``landmarks=None`` and its largest centred square as ``box``.

    Returns:
        ``(records, report)``: the kept records, each with ``landmarks`` (5, 2) and
        ``extras['detect'] = {'detected', 'score', 'faces', 'fallback'}``; ``report`` =
        ``{'detected': n, 'no_face': {'count': n, 'action': no_face, 'images': [...]}}``
        naming every image without a face.
    """
    if no_face not in NO_FACE:
        raise ValueError(f'no_face must be one of {NO_FACE}, got {no_face!r}')
    kept, missing, detected = [], [], 0
    for record in records:
        image = decode(record)
        found = detector.detect(image)
        if found is not None:
            detected += 1
            info = dict(detected=True, score=round(found.score, 4), faces=found.num_faces,
                        fallback=None)
            kept.append(replace(record, landmarks=found.landmarks, box=found.box,
                                extras={**record.extras, 'detect': info}))
            continue
        missing.append(record.img_path or record.sample_id)
        if no_face == 'centre':
            info = dict(detected=False, score=None, faces=0, fallback='centre')
            box = centre_square(image.shape[1], image.shape[0])
            kept.append(replace(record, landmarks=None, box=box,
                                extras={**record.extras, 'detect': info}))
    report = dict(detected=detected, no_face=dict(count=len(missing), action=no_face,
                                                  images=missing))
    return kept, report


__all__ = ['Detection', 'FaceDetector', 'choose_face', 'centre_square', 'detect_records',
           'MODELS', 'CHOOSE', 'NO_FACE', 'INSTALL_HINT']
