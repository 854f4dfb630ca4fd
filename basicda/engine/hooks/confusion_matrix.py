"""Write every evaluated confusion matrix as JSON and as a TensorBoard image."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.dist import master_only
from mmengine.hooks import Hook

from basicda.fileio import atomic_write_json
from basicda.registry import HOOKS


def render_confusion(matrix: np.ndarray, class_names: Optional[Sequence[str]] = None,
                     title: str = '') -> np.ndarray:
    """Draw a (C, C) confusion matrix (rows truth, columns prediction) with the
    row-normalised rates as colours and the counts as text.

    Returns:
        (H, W, 3) uint8 RGB image.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix)
    C = matrix.shape[0]
    names = list(class_names) if class_names else [str(i) for i in range(C)]
    rates = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * C, 1.0 + 0.6 * C), dpi=80)
    ax.imshow(rates, vmin=0, vmax=1, cmap='Blues')
    for i in range(C):
        for j in range(C):
            ax.text(j, i, int(matrix[i, j]), ha='center', va='center', fontsize=7,
                    color='white' if rates[i, j] > 0.5 else 'black')
    ax.set_xticks(range(C), names, rotation=45, ha='right', fontsize=7)
    ax.set_yticks(range(C), names, fontsize=7)
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    ax.set_title(title, fontsize=8)
    fig.tight_layout()
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return image


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
