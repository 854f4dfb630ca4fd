"""The Runner of basicda: mmengine's, with one live log file per run, a resume that
survives damaged checkpoints, and the first config of a run kept.

mmengine writes its log to ``<work_dir>/<timestamp>/<timestamp>.log``, a new file
per (re)start. Users follow a run with ``tail -f runs/EXP/logs/train.log``, so
the log goes to that one file instead, appended across resumes (rank 0 only).
"""
import os
import os.path as osp

import torch
from mmengine.dist import get_rank, master_only
from mmengine.runner import Runner

from basicda.fileio import atomic_write_text
from basicda.registry import RUNNERS

from .checkpoint import latest_checkpoint

LOG_FILE = osp.join('logs', 'train.log')


def resume_config_path(work_dir: str, filename: str) -> str:
    """Where a resume dumps its merged config: ``<name>.py`` for the first start,
    ``<name>.resume-<N>.py`` (N = 1, 2, ...) beside it for each resume after."""
    first = osp.join(work_dir, filename)
    if not osp.isfile(first):
        return first
    stem, ext = osp.splitext(filename)
    n = 1
    while osp.isfile(osp.join(work_dir, f'{stem}.resume-{n}{ext}')):
        n += 1
    return osp.join(work_dir, f'{stem}.resume-{n}{ext}')


@RUNNERS.register_module()
class DARunner(Runner):
    """mmengine ``Runner`` whose log file is ``<work_dir>/logs/train.log``, whose
    auto-resume (``--resume`` without a path) survives a kill between a checkpoint
    and its ``last_checkpoint`` pointer and a damaged newest checkpoint
    (:func:`~basicda.engine.checkpoint.latest_checkpoint`), and which keeps the
    config dumped at the first start (a resume writes ``<name>.resume-<N>.py``).
    """

    def load_or_resume(self) -> None:
        if self._resume and self._load_from is None and not self._has_loaded:
            found = latest_checkpoint(self.work_dir)
            if found is None:
                self.logger.info(f'--resume: no checkpoint in {self.work_dir} yet; '
                                 'starting from the beginning')
                self._resume = False
            else:
                self.logger.info(f'Auto resuming from the latest checkpoint {found}')
                self._load_from = found
        return super().load_or_resume()

    @master_only
    def dump_config(self) -> None:
        filename = (osp.basename(self.cfg.filename) if self.cfg.filename is not None
                    else f'{self.timestamp}.py')
        path = (resume_config_path(self.work_dir, filename) if self._resume
                else osp.join(self.work_dir, filename))
        atomic_write_text(self.cfg.pretty_text, path)

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        if log_file is None:
            log_file = osp.join(self._work_dir, LOG_FILE)
            if get_rank() == 0:
                os.makedirs(osp.dirname(log_file), exist_ok=True)
        kwargs.setdefault('file_mode', 'a')
        return super().build_logger(log_level=log_level, log_file=log_file, **kwargs)

    def setup_env(self, env_cfg: dict) -> None:
        """mmengine's set-up, plus ``env_cfg.num_threads``: the CPU threads of PyTorch's
        operators in this process (``torch.set_num_threads``; process-wide, so it stays
        for later runners of the same process). None or absent keeps PyTorch's default,
        one per core. A small network (the slim ResNet of ``configs/demo/``) does not
        split well between threads: one thread cost it no wall time on an idle 2-core
        machine and saved 28 % of the CPU time, which a shared or throttled machine has
        less of (docs/engine.md §2, docs/synfer.md §5.2). DataLoader workers use one
        thread each anyway.
        """
        threads = env_cfg.get('num_threads')
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                    or threads < 1):
            raise ValueError(f'env_cfg.num_threads must be an int >= 1 or None, got {threads!r}')
        super().setup_env(env_cfg)
        if threads is not None:
            torch.set_num_threads(threads)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # methods that derive per-step random streams from the run seed (CluP's mixup)
        # read it here, so a resumed run draws what the uninterrupted one drew
        self.message_hub.update_info('seed', self.seed)

    # Public read-only views of mmengine's private run settings, so hooks and loops
    # do not reach into ``Runner`` internals.
    @property
    def resume_requested(self) -> bool:
        """True when the run resumes training state (``--resume``), False when it only
        loads weights (``load_from``) or starts fresh."""
        return bool(self._resume)

    @property
    def load_from(self):
        """The checkpoint path this run loads or resumes from (``load_from``, or the one
        auto-resume found), or None."""
        return self._load_from

    @property
    def built_train_loop(self):
        """The training loop if it is built, else None (a test-only run, or before
        ``train()`` builds it). Unlike ``train_loop``, never builds the loop."""
        from mmengine.runner.base_loop import BaseLoop
        return self._train_loop if isinstance(self._train_loop, BaseLoop) else None
