"""Process-group set-up that works on CPU and GPU alike.

mmengine 0.10.7's ``init_dist('pytorch')`` calls ``torch.cuda.set_device``
unconditionally and so fails on a CPU-only machine, and its DDP wrapper passes
``device_ids=[LOCAL_RANK]``, which DDP rejects for CPU modules. We initialise the
group ourselves (NCCL on GPUs, gloo on CPU) before the Runner is built; the
Runner then sees ``is_distributed()`` and skips its own init.
"""
import os

import torch
import torch.distributed as torch_dist
from mmengine.dist import broadcast, get_dist_info, init_dist
from mmengine.model import is_model_wrapper

LAUNCHERS = ('none', 'pytorch', 'slurm')


def default_backend() -> str:
    """'nccl' when CUDA is usable, else 'gloo'."""
    return 'nccl' if torch.cuda.is_available() else 'gloo'


def finish_distributed() -> None:
    """End a distributed run cleanly: every rank waits for the others (rank 0 may still be
    writing the last checkpoint), then the process group is destroyed. Without it a rank
    that reaches interpreter exit first tears its gloo group down from a destructor while
    its peer is still working, which aborts with ``terminate called without an active
    exception`` now and then. A no-op in a single process."""
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()


def exit_worker(status: int = 0) -> None:
    """End a distributed worker process at once: flush the logs and standard streams,
    then ``os._exit(status)``, skipping the interpreter's finalisation.

    Call it after :func:`finish_distributed`, when the worker has nothing left to
    do. Finalisation destroys whatever C++ objects Python still holds (DDP's reducer
    keeps the gloo group alive after ``destroy_process_group``) in an arbitrary
    order, and on torch 2.14 with gloo a worker then aborted now and then with
    ``terminate called without an active exception`` after its last line of
    Python (``PYTHONFAULTHANDLER`` showed no Python frame): 3 of 46 two-process
    active-learning runs of the tests on a loaded 2-core machine, failing a run
    whose files were all written. Nothing of a run's state lives in finalisation:
    checkpoints, logs, TensorBoard (closed in ``after_run``) and the run folder's
    files are written and closed before this point.
    """
    import logging
    import sys

    logging.shutdown()  # flushes and closes every handler (train.log)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or broken pipe: nothing to keep
            pass
    os._exit(status)


def init_distributed(launcher: str, backend: str = None) -> tuple:
    """Initialise torch.distributed for ``launcher``; returns ``(rank, world_size)``.

    Args:
        launcher: 'none' (single process), 'pytorch' (torchrun: RANK, WORLD_SIZE,
            LOCAL_RANK, MASTER_ADDR/PORT in the environment) or 'slurm'.
        backend: process-group backend; default :func:`default_backend`.
    """
    if launcher not in LAUNCHERS:
        raise ValueError(f'launcher must be one of {LAUNCHERS}, got {launcher!r}')
    if launcher == 'none' or torch_dist.is_initialized():
        return get_dist_info()
    backend = backend or default_backend()
    if launcher == 'slurm':
        if backend != 'nccl':
            raise ValueError('--launcher slurm is supported on GPU nodes only (NCCL); '
                             'on CPU start the processes with torchrun and --launcher pytorch')
        init_dist('slurm', backend=backend)
        return get_dist_info()
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher pytorch needs the torchrun environment; missing {missing}. '
                           'Start with `torchrun --nproc_per_node N train.py ...`.')
    if backend == 'nccl':
        torch.cuda.set_device(int(os.environ['LOCAL_RANK']))
    torch_dist.init_process_group(backend=backend)
    return get_dist_info()


def ddp_wrapper_cfg(model_wrapper_cfg: dict = None) -> dict:
    """The DDP wrapper config for the current device.

    On GPU mmengine's default (``device_ids=[LOCAL_RANK]``) is right; on CPU DDP
    needs ``device_ids=None``. BN buffers are broadcast from rank 0 so every rank
    evaluates the same model.
    """
    cfg = dict(model_wrapper_cfg or {})
    # MMDistributedDataParallel, plus train_step delegation for methods that own it
    cfg.setdefault('type', 'basicda.MethodDDP')  # scoped: mmengine looks it up in its root
    cfg.setdefault('broadcast_buffers', True)
    if not torch.cuda.is_available():
        cfg['device_ids'] = None
    return cfg


def broadcast_buffers(model: torch.nn.Module, src: int = 0) -> None:
    """Make every rank's buffers (BN running mean/var, ``num_batches_tracked``) equal
    to rank ``src``'s. A no-op in a single process.

    Broadcast, not mmengine's average (``SyncBuffersHook``): rank 0 is the rank
    that saves, so after the broadcast every rank holds exactly the buffers of the
    saved checkpoint, and a resumed run or ``ferda test`` of that checkpoint sees the
    network that was validated. It also leaves training as it was: DDP with
    ``broadcast_buffers=True`` already runs every forward with rank 0's buffers, and
    an average would change them (and cannot average the integer
    ``num_batches_tracked`` exactly).

    Args:
        model: the model, or its DDP wrapper (the wrapped module is used).
    """
    if get_dist_info()[1] == 1:
        return
    module = model.module if is_model_wrapper(model) else model
    for buffer in module.buffers():
        broadcast(buffer, src=src)
