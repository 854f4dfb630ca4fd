"""Write every evaluated confusion matrix as JSON and as a TensorBoard image."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.dist import master_only
from mmengine.hooks import Hook

from basicda.fileio import atomic_write_json
from basicda.registry import HOOKS


#: the colour of rate 0 and of rate 1 (a white-to-blue ramp like matplotlib's 'Blues')
_LOW, _HIGH = np.array([247, 251, 255.0]), np.array([8, 48, 107.0])


def _font(size: int):
    from PIL import ImageFont
    try:
        return ImageFont.load_default(size=size)  # scalable (Pillow >= 10.1 with FreeType)
    except TypeError:  # older Pillow: the fixed bitmap font
        return ImageFont.load_default()


def render_confusion(matrix: np.ndarray, class_names: Optional[Sequence[str]] = None,
                     title: str = '', cell: int = 28) -> np.ndarray:
    """Draw a (C, C) confusion matrix (rows truth, columns prediction) with the
    row-normalised rates as colours (white 0 -> dark blue 1) and the counts as text.

    Drawn with Pillow (a few milliseconds; matplotlib cost ~0.1 s a matrix plus ~0.8 s to
    import, the largest cost of a short run after the imports). Rows are labelled with the
    class names on the left, columns with the names written upwards below the grid.

    Args:
        matrix: (C, C) counts.
        class_names: C names (default ``0 .. C-1``).
        title: a line above the grid.
        cell: side of one cell in pixels.

    Returns:
        (H, W, 3) uint8 RGB image; cell (i, j) is the square whose top-left corner is at
        ``(top + i * cell, left + j * cell)``.
    """
    from PIL import Image, ImageDraw

    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f'render_confusion: matrix must be (C, C), got {matrix.shape}')
    C = matrix.shape[0]
    names = [str(n) for n in class_names] if class_names else [str(i) for i in range(C)]
    if len(names) != C:
        raise ValueError(f'render_confusion: {len(names)} class names for a {C}x{C} matrix')
    rates = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    font = _font(10)
    probe = ImageDraw.Draw(Image.new('RGB', (1, 1)))

    def width(text):
        box = probe.textbbox((0, 0), text, font=font)
        return box[2] - box[0]

    label_w = max(width(n) for n in names) + 8
    left, top = label_w + 14, 34
    w, h = left + C * cell + 8, top + C * cell + label_w + 14
    image = Image.new('RGB', (w, h), 'white')
    draw = ImageDraw.Draw(image)
    draw.text((4, 2), title, fill='black', font=font)
    draw.text((4, 16), 'rows: true, columns: predicted', fill=(90, 90, 90), font=font)
    for i in range(C):
        y = top + i * cell
        draw.text((left - 6 - width(names[i]), y + cell // 2 - 6), names[i], fill='black',
                  font=font)
        for j in range(C):
            x = left + j * cell
            colour = tuple(int(round(v)) for v in _LOW + (_HIGH - _LOW) * rates[i, j])
            draw.rectangle([x, y, x + cell - 1, y + cell - 1], fill=colour)
            text = str(int(matrix[i, j]))
            draw.text((x + (cell - width(text)) // 2, y + cell // 2 - 6), text, font=font,
                      fill='white' if rates[i, j] > 0.5 else 'black')
    for j, name in enumerate(names):  # column names, written upwards below the grid
        tile = Image.new('RGB', (width(name) + 4, 14), 'white')
        ImageDraw.Draw(tile).text((2, 0), name, fill='black', font=font)
        tile = tile.rotate(90, expand=True)
        image.paste(tile, (left + j * cell + (cell - tile.width) // 2, top + C * cell + 4))
    return np.asarray(image, dtype=np.uint8).copy()


@HOOKS.register_module()
class ConfusionMatrixHook(Hook):
    """After each evaluation, for every ``<dataset>/confusion`` metric: write
    ``<work_dir>/confusion/<dataset>_<step>.json`` and a TensorBoard image named
    ``<dataset>_<step>`` (the dataset name already holds the split, e.g.
    ``wild_test``), so matrices of different datasets never overwrite each other.
    """

    priority = 'LOW'

    def __init__(self, class_names: Optional[Sequence[str]] = None) -> None:
        self.class_names = list(class_names) if class_names else None

    @master_only
    def _write(self, runner, metrics: Optional[dict], stage: str) -> None:
        if not metrics:
            return
        step = runner.iter
        folder = osp.join(runner.work_dir, 'confusion')
        for key, value in metrics.items():
            if not key.endswith('/confusion'):
                continue
            name = key[:-len('/confusion')]
            tag = f'{name}_{stage}{step}' if stage == 'final' else f'{name}_{step}'
            atomic_write_json(dict(dataset=name, step=step, class_names=self.class_names,
                                   matrix=np.asarray(value).tolist()),
                              osp.join(folder, f'{tag}.json'))
            image = render_confusion(np.asarray(value), self.class_names, title=tag)
            runner.visualizer.add_image(tag, image, step=step)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._write(runner, metrics, 'val')

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._write(runner, metrics, 'final')
