"""Epoch-based training that resumes exactly.

mmengine's ``CheckpointHook`` writes ``epoch_e.pth`` in ``after_train_epoch``,
*before* epoch e's validation. A run killed after the save but before (or
during) that validation resumes with the validation point lost: the label-free
best checkpoint and the oracle can then differ from an uninterrupted run. On
resume this loop first re-runs the validation that was due at the resumed
epoch. Evaluation never draws from the training RNG (``MultiDatasetValLoop``),
and the weights are those after epoch e, so the repeated point is identical.
"""
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop

from basicda.registry import LOOPS


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` that repeats the pending validation on resume.

    Same arguments as mmengine's ``EpochBasedTrainLoop``.
    """

    #: whether a resumed checkpoint may carry the round state of ``RoundBasedTrainLoop``
    accepts_rounds = False

    def _val_due(self, epoch: int) -> bool:
        return (self.runner.val_loop is not None and epoch >= self.val_begin
                and (epoch % self.val_interval == 0 or epoch == self._max_epochs))

    def run(self):
        state = self.runner.message_hub.get_info('round_loop')
        if self._epoch > 0 and state is not None and not self.accepts_rounds:
            raise ValueError(f'the checkpoint was trained in rounds (round {state["round"]}, '
                             f'round_interval {state["interval"]}) that changed the training '
                             f'set, but this run has train_cfg.type={type(self).__name__}: '
                             "resume with train_cfg.type='RoundBasedTrainLoop'")
        self.runner.call_hook('before_train')
        if self._epoch > 0:  # resumed from epoch_{self._epoch}.pth
            self._decide_current_val_interval()
            if self._val_due(self._epoch):
                print_log(f'resumed at epoch {self._epoch}: repeating its validation, which '
                          'ran after that checkpoint was written', logger='current')
                self.runner.val_loop.run()
        while self._epoch < self._max_epochs and not self.stop_training:
            self.run_epoch()
            self._decide_current_val_interval()
            if self._val_due(self._epoch):
                self.runner.val_loop.run()
        self.runner.call_hook('after_train')
        return self.runner.model
