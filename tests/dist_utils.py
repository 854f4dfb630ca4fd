"""Run a function in N gloo processes on CPU (the distributed tests' launcher).

The processes meet through a file in a fresh temporary folder (``file://`` init), not a
TCP port: no port to pick, none that another test or program can take in between."""
import os.path as osp
import tempfile

import torch.distributed as dist
import torch.multiprocessing as mp


def _worker(rank, world_size, init_method, fn, args):
    dist.init_process_group('gloo', init_method=init_method, rank=rank, world_size=world_size)
    try:
        fn(rank, world_size, *args)
    finally:
        dist.destroy_process_group()


def spawn_gloo(fn, world_size: int = 2, *args) -> None:
    """Call ``fn(rank, world_size, *args)`` in ``world_size`` gloo processes
    (``fn`` must be a module-level function; results go through files)."""
    with tempfile.TemporaryDirectory() as folder:
        init_method = 'file://' + osp.join(folder, 'rendezvous')
        mp.spawn(_worker, args=(world_size, init_method, fn, args), nprocs=world_size,
                 join=True)
