"""Export a pre-trained encoder (``model.backbone``) for the runs that start from it."""
import os.path as osp

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from basicda.fileio import atomic_path
from basicda.registry import HOOKS

__all__ = ['ExportEncoderHook', 'encoder_file_state']


def encoder_file_state(model: torch.nn.Module, epoch: int, iteration: int) -> dict:
    """What ``encoder.pth`` holds: ``state_dict``, the backbone's keys without any prefix
    and without the projection, and ``meta``: ``arch`` (the backbone's ``arch_meta``,
    checked on load), ``epoch`` and ``iter`` of the run that wrote it."""
    backbone = model.backbone
    state = {k: v.detach().cpu().clone() for k, v in backbone.state_dict().items()}
    return dict(state_dict=state, meta=dict(arch=dict(getattr(backbone, 'arch_meta', {})),
                                            epoch=int(epoch), iter=int(iteration)))


@HOOKS.register_module()
class ExportEncoderHook(Hook):
    """After training, rank 0 writes ``<work_dir>/<filename>`` atomically
    (:func:`encoder_file_state`). A pipeline stage hands it on with
    ``checkpoint='encoder.pth'`` (``docs/active-learning.md`` §7.4).

    Args:
        filename: the file name inside the work dir. Default: 'encoder.pth'.
    """

    priority = 'LOW'

    def __init__(self, filename: str = 'encoder.pth') -> None:
        if not filename or '/' in filename:
            raise ValueError(f'ExportEncoderHook filename must be a plain file name, got '
                             f'{filename!r}')
        self.filename = filename

    def after_train(self, runner) -> None:
        if not is_main_process():
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        state = encoder_file_state(model, runner.epoch, runner.iter)
        with atomic_path(osp.join(runner.work_dir, self.filename)) as tmp:
            torch.save(state, tmp)
        runner.logger.info(f'encoder written to {osp.join(runner.work_dir, self.filename)}')
