"""DVSCL's two learning-rate schedules (docs/dvscl.md §3): as mmengine scheduler configs, and as
pure functions of the epoch that pin what those configs must give.

* pre-training: lr 3e-3, x0.1 after epochs 160 and 200 (1-based): ``MultiStepLR`` by epoch.
* probe: lr 1e-4, x0.1 every 10 epochs: ``StepLR(step_size=10)`` by epoch. The reference steps
  it per *batch* (``lr_step_unit='iter'``): with ~8 batches an epoch the lr is 1e-6 by epoch 3.
"""
PRETRAIN_LR = 3e-3
PRETRAIN_MILESTONES = (160, 200)
PROBE_LR = 1e-4
PROBE_STEP = 10
GAMMA = 0.1
LR_STEP_UNITS = ('epoch', 'iter')


def pretrain_lr(epoch0: int, base_lr: float = PRETRAIN_LR,
                milestones=PRETRAIN_MILESTONES) -> float:
    """The pre-training lr in 0-based epoch ``epoch0``: 0..159 -> 3e-3, 160..199 -> 3e-4, then
    3e-5."""
    return base_lr * GAMMA ** sum(epoch0 >= m for m in milestones)


def probe_lr(epoch0: int, base_lr: float = PROBE_LR, lr_step_unit: str = 'epoch',
             iters_per_epoch: int = None, iteration: int = 0) -> float:
    """The probe lr in 0-based epoch ``epoch0`` (and, for ``lr_step_unit='iter'``, at global
    0-based ``iteration`` with the reference's per-batch StepLR)."""
    if lr_step_unit not in LR_STEP_UNITS:
        raise ValueError(f'lr_step_unit must be one of {LR_STEP_UNITS}, got {lr_step_unit!r}')
    steps = epoch0 if lr_step_unit == 'epoch' else iteration
    return base_lr * GAMMA ** (steps // PROBE_STEP)


def pretrain_scheduler(milestones=PRETRAIN_MILESTONES) -> list:
    """``param_scheduler`` of the pre-training configs."""
    return [dict(type='MultiStepLR', by_epoch=True, milestones=list(milestones), gamma=GAMMA)]


def probe_scheduler(lr_step_unit: str = 'epoch') -> list:
    """``param_scheduler`` of the probe configs; ``'iter'`` reproduces the reference."""
    if lr_step_unit not in LR_STEP_UNITS:
        raise ValueError(f'lr_step_unit must be one of {LR_STEP_UNITS}, got {lr_step_unit!r}')
    return [dict(type='StepLR', by_epoch=lr_step_unit == 'epoch', step_size=PROBE_STEP,
                 gamma=GAMMA)]
