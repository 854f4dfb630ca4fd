"""Training in rounds: train, then a selection step that changes the training set,
repeated (pseudo-label refresh, active-learning queries).

``train_cfg = dict(type='RoundBasedTrainLoop', max_epochs=E, round_interval=R,
selection=dict(type='<function registered in FUNCTIONS>', **kwargs))``.

After training epochs R, 2R, ... (never after the last epoch) the loop runs round
r = 1, 2, ...:

1. with the model in eval mode and every RNG state saved and restored (the
   training streams are untouched), the hooks' ``before_round(runner, round,
   inputs)`` fill the dict ``inputs`` (e.g. a pass over the pool with a
   dedicated loader; collectives allowed, every rank runs it);
2. rank 0 calls the **pure** selection function ``fn(inputs, round=r, **kwargs)``,
   which returns a dict with at least ``selected`` (indices into the pool), and
   broadcasts the result;
3. the training dataset takes it through its ``apply_selection(result)``; the
   loop updates the sampler's cached length and its own ``max_iters``;
4. the hooks' ``after_round(runner, round, inputs, result)`` run (files, logs).

The round runs at the end of the epoch, before the ``after_train_epoch`` hooks,
so ``epoch_e.pth`` already holds round e / R. The round index, the result and the
selection's inputs (non-tensor values as they are, tensors as shape + sha256, so
that a checkpoint does not carry an (N, D) feature matrix per round) travel in
the checkpoint through the message hub (``round_loop``); ``--resume`` puts the
last round's selection back into the dataset without recomputing it.
"""
import copy
import hashlib
from functools import partial
from typing import Callable, Optional

import torch
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from basicda.engine.hooks.rng_state import capture_rng_state, restore_rng_state
from basicda.ops.gather import broadcast_object, world_info
from basicda.registry import FUNCTIONS, LOOPS

from .epoch_loop import ResumableEpochBasedTrainLoop
from .samplers import update_sampler_length

__all__ = ['RoundBasedTrainLoop', 'round_due', 'rounds_done', 'STATE_KEY']

#: message-hub key (hence checkpoint ``message_hub.runtime_info`` key) of the round state
STATE_KEY = 'round_loop'


def round_due(epoch: int, interval: int, max_epochs: int) -> bool:
    """Whether a round follows training epoch ``epoch`` (1-based, just finished):
    every ``interval`` epochs, never after the last one."""
    return epoch % interval == 0 and epoch < max_epochs


def rounds_done(epoch: int, interval: int, max_epochs: int) -> int:
    """How many rounds a run has made by the end of epoch ``epoch``.

    Example: interval 2, max_epochs 4 -> epochs 0..4 give 0, 0, 1, 1, 1."""
    return min(epoch, max_epochs - 1) // interval


def _summary(value):
    """What the checkpoint keeps of one selection input."""
    if isinstance(value, torch.Tensor):
        data = value.detach().cpu().contiguous()
        return dict(shape=list(data.shape), dtype=str(data.dtype), sha256=hashlib.sha256(
            data.reshape(-1).view(torch.uint8).numpy().tobytes()).hexdigest())
    if isinstance(value, dict):
        return {k: _summary(v) for k, v in value.items()}
    return copy.deepcopy(value)


def _to_cpu(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_cpu(v) for v in value)
    return value


def build_function(cfg: dict, key: str) -> Callable:
    """The function ``cfg['type']`` (registered in ``FUNCTIONS``, or a callable) with
    the other keys of ``cfg`` bound; ``key`` names the config key in errors."""
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f"{key} must be dict(type='<function registered in FUNCTIONS>', "
                        f'**kwargs), got {cfg!r}')
    kwargs = dict(cfg)
    name = kwargs.pop('type')
    if callable(name):
        return partial(name, **kwargs)
    with FUNCTIONS.switch_scope_and_registry(None) as registry:
        fn = registry.get(name)
    if fn is None:
        raise KeyError(f'{key}.type={name!r} is not a registered function '
                       '(FUNCTIONS.register_module() in a module the registry imports)')
    return partial(fn, **kwargs)


@LOOPS.register_module()
class RoundBasedTrainLoop(ResumableEpochBasedTrainLoop):
    """Epoch-based training with a selection round every ``round_interval``
    epochs (see the module docstring).

    Args:
        runner, dataloader, max_epochs, val_begin, val_interval: as in
            :class:`ResumableEpochBasedTrainLoop`. The training dataset has
            ``apply_selection(result)``; its sampler is a ``DefaultSampler``.
        round_interval (int): R, epochs between rounds (>= 1).
        selection (dict): ``dict(type=name, **kwargs)``: the pure function
            ``fn(inputs, round, **kwargs) -> dict(selected=..., ...)`` registered in
            ``FUNCTIONS``.
    """

    accepts_rounds = True

    def __init__(self, runner, dataloader, max_epochs: int, round_interval: int,
                 selection: dict, val_begin: int = 1, val_interval: int = 1,
                 dynamic_intervals: Optional[list] = None) -> None:
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval,
                         dynamic_intervals)
        if isinstance(round_interval, bool) or not isinstance(round_interval, int) or \
                round_interval < 1:
            raise ValueError(f'RoundBasedTrainLoop: round_interval must be an int >= 1, got '
                             f'{round_interval!r}')
        dataset = self.dataloader.dataset
        if not callable(getattr(dataset, 'apply_selection', None)):
            raise TypeError(f'RoundBasedTrainLoop changes the training set through '
                            f'dataset.apply_selection(result); {type(dataset).__name__} has none')
        update_sampler_length(self.dataloader.sampler)  # fails now for another sampler type
        self.round_interval = round_interval
        self.select = build_function(selection, 'train_cfg.selection')
        self._round = 0

    @property
    def round(self) -> int:
        """Rounds made so far (the current training set is that of round ``round``)."""
        return self._round

    def rounds_done(self, epoch: int) -> int:
        return rounds_done(epoch, self.round_interval, self._max_epochs)

    # -- one round -------------------------------------------------------------------------

    def run_epoch(self) -> None:
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        if round_due(self._epoch + 1, self.round_interval, self._max_epochs):
            self.run_round()
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def run_round(self) -> dict:
        """Round ``round + 1`` after the epoch that just finished; return its result."""
        runner = self.runner
        round_ = self._round + 1
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        inputs: dict = {}
        rng = capture_rng_state()
        was_training = model.training
        try:
            model.eval()
            runner.call_hook('before_round', round=round_, inputs=inputs)
            result = None
            if world_info()[0] == 0:
                result = _to_cpu(self.select(inputs, round=round_))
                if not isinstance(result, dict) or 'selected' not in result:
                    raise KeyError(f'the selection of round {round_} must return a dict with '
                                   f"'selected', got {type(result).__name__}")
            result = broadcast_object(result)
        finally:
            model.train(was_training)
            restore_rng_state(rng)
        self._apply(round_, result, epochs_done=self._epoch + 1)
        runner.message_hub.update_info(STATE_KEY, dict(
            round=round_, epoch=self._epoch + 1, interval=self.round_interval, result=result,
            inputs=_summary(inputs)))
        print_log(f'round {round_} after epoch {self._epoch + 1}: '
                  f'{len(self.dataloader.dataset)} training samples', logger='current')
        runner.call_hook('after_round', round=round_, inputs=inputs, result=result)
        return result

    def _apply(self, round_: int, result: dict, epochs_done: int) -> None:
        """Put a round's selection into the training set, its sampler and
        ``max_iters`` (progress and ETA: the remaining epochs at the new length)."""
        self.dataloader.dataset.apply_selection(result)
        update_sampler_length(self.dataloader.sampler)
        self._max_iters = self._iter + (self._max_epochs - epochs_done) * len(self.dataloader)
        self.runner.message_hub.update_info('max_iters', self._max_iters)
        self._round = round_

    # -- resume ----------------------------------------------------------------------------

    def _restore_round(self) -> None:
        """After ``--resume`` from ``epoch_e.pth``: the training set of the last round."""
        done = self.rounds_done(self._epoch)
        if done == 0:
            return
        state = self.runner.message_hub.get_info(STATE_KEY)
        if state is None:
            raise RuntimeError(
                f'the checkpoint (epoch {self._epoch}) has no {STATE_KEY!r} state, but with '
                f'round_interval={self.round_interval} {done} round(s) changed the training '
                'set by then: resuming would silently train on the initial set. Resume from '
                'a checkpoint written by RoundBasedTrainLoop')
        if state['interval'] != self.round_interval or state['round'] != done:
            raise ValueError(f'the checkpoint made round {state["round"]} with round_interval='
                             f'{state["interval"]}; this run has round_interval='
                             f'{self.round_interval}, i.e. {done} round(s) by epoch '
                             f'{self._epoch}: resume with round_interval={state["interval"]}')
        self._apply(done, state['result'], epochs_done=self._epoch)
        print_log(f'resumed at epoch {self._epoch} with round {done}: '
                  f'{len(self.dataloader.dataset)} training samples', logger='current')

    def run(self):
        self._restore_round()
        return super().run()
