"""mmengine's ``IterTimerHook`` with an evaluation ETA that counts every dataset."""
from mmengine.hooks import IterTimerHook

from basicda.registry import HOOKS


def remaining_seconds(elapsed: float, done: int, total: int) -> float:
    """Seconds left after ``done`` of ``total`` batches took ``elapsed`` seconds
    (never negative). Example: 10 s for 4 of 10 batches -> 15 s."""
    if done <= 0:
        return 0.0
    return elapsed / done * max(total - done, 0)


@HOOKS.register_module()
class EvalEtaIterTimerHook(IterTimerHook):
    """``IterTimerHook`` whose ETA on validation and test lines covers all the
    batches of the evaluation.

    mmengine computes it from the first dataloader's length and the batch index,
    which restarts at 0 for every extra dataset of the multi-dataset loops; a
    larger extra dataset then gave a negative ETA, logged as ``eta: -1 day``.
    Here the batches are counted over the whole evaluation (``loop.datasets``
    when the loop has several, else its dataloader).
    """

    def _before_epoch(self, runner, mode: str = 'train') -> None:
        super()._before_epoch(runner, mode)
        self._evaluated = 0

    def _after_iter(self, runner, batch_idx, data_batch=None, outputs=None,
                    mode: str = 'train') -> None:
        super()._after_iter(runner, batch_idx, data_batch, outputs, mode)
        if mode == 'train':
            return
        self._evaluated = getattr(self, '_evaluated', 0) + 1
        loop = runner.val_loop if mode == 'val' else runner.test_loop
        datasets = getattr(loop, 'datasets', None)
        total = (sum(len(loader) for loader, _ in datasets.values()) if datasets
                 else len(loop.dataloader))
        runner.message_hub.update_info(
            'eta', remaining_seconds(self.time_sec_test_val, self._evaluated, total))
