"""``train.py`` / ``ferda train``: build a Runner from a config and train, then
evaluate the label-free selected checkpoint on every configured dataset.

Precedence of settings: command line > config file > defaults derived from the
config's file name (``work_dir = runs/<config name>``).

Run-folder safety (``basicda/engine/run_dir.py``): rank 0 locks the folder for the
life of the run, refuses a fresh start into a folder holding checkpoints unless
``--resume`` or ``--overwrite``, and removes the temporary files of interrupted
atomic writes; under torchrun each worker dies with its launcher. An error is
written once, with its traceback, to ``<work_dir>/logs/train.log`` by the rank
that failed; on the terminal rank 0 prints the traceback, other ranks one line.
"""
import argparse
import os
import os.path as osp
import sys
import traceback

import torch
from mmengine.config import Config, DictAction

LAUNCHERS = ('none', 'pytorch', 'slurm')


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='train.py', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('config', help='path of a config file (configs/<method>/<name>.py)')
    p.add_argument('--work-dir', help='run directory (default: runs/<config name>)')
    p.add_argument('--resume', nargs='?', const='auto', default=None, metavar='PATH',
                   help='resume from PATH, or with no PATH from the latest checkpoint '
                   'in the work dir')
    p.add_argument('--overwrite', action='store_true',
                   help='start again in a run folder that holds checkpoints (deletes them); '
                   'without it such a folder is refused unless --resume')
    p.add_argument('--amp', action='store_true', help='mixed precision (needs a CUDA device)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                   help='override config keys, e.g. train_cfg.max_epochs=5 '
                   'model.backbone.name=resnet50')
    p.add_argument('--launcher', choices=LAUNCHERS, default='none',
                   help="'pytorch' under torchrun, 'slurm' under srun")
    p.add_argument('--seed', type=int, help='random seed (overrides randomness.seed)')
    p.add_argument('--deterministic', action='store_true',
                   help='deterministic algorithms (slower on GPU)')
    p.add_argument('--no-test', action='store_true',
                   help='skip the final evaluation of the selected checkpoint')
    return p


def merge_args(cfg: Config, args: argparse.Namespace, parser: argparse.ArgumentParser) -> Config:
    """Fold the command line into ``cfg`` (the dumped config then shows everything)."""
    from basicda.engine import ddp_wrapper_cfg
    from basicda.engine.dist import default_backend

    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('runs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        if not torch.cuda.is_available():
            parser.error('--amp needs a CUDA device (mmengine AmpOptimWrapper); '
                         'on CPU train in fp32 without --amp')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume is not None and args.overwrite:
        parser.error('--resume continues the run in the folder and --overwrite deletes it: '
                     'give one of them')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            parser.error(f'--resume: checkpoint {args.resume} does not exist')
        cfg.resume, cfg.load_from = True, args.resume
    randomness = dict(cfg.get('randomness') or {})
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.deterministic:
        randomness['deterministic'] = True
    cfg.randomness = randomness
    cfg.launcher = args.launcher
    if args.launcher != 'none':
        cfg.model_wrapper_cfg = ddp_wrapper_cfg(cfg.get('model_wrapper_cfg'))
        # what init_distributed uses, so the logged environment says the truth
        cfg.env_cfg = dict(cfg.get('env_cfg') or {}, dist_cfg=dict(backend=default_backend()))
    return cfg


def build_runner(cfg: Config):
    """The runner named by ``cfg.runner_type`` (default mmengine's ``Runner``)."""
    from mmengine.runner import Runner

    from basicda.registry import RUNNERS  # finds DARunner and, via its parent, mmengine's

    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def prepare_run_dir(cfg: Config, args: argparse.Namespace) -> None:
    """Rank 0 locks the run folder, refuses to overwrite a run, and removes stale
    temporary files; every rank then raises the same error, or none (without the
    broadcast the other ranks would hang in the Runner's first collective)."""
    from mmengine.dist import broadcast_object_list, get_dist_info
    from mmengine.logging import print_log

    from basicda.engine.run_dir import RunDirError, check_run_dir, lock_run_dir
    from basicda.fileio import remove_stale_tmp

    rank, world = get_dist_info()
    message = [None]
    if rank == 0:
        try:
            lock_run_dir(cfg.work_dir)
            removed = check_run_dir(cfg.work_dir, resume=bool(cfg.get('resume')),
                                    overwrite=args.overwrite)
            removed += remove_stale_tmp(cfg.work_dir)
            if removed:
                print_log(f'removed from {cfg.work_dir}: {", ".join(removed)}', logger='current')
        except RunDirError as e:
            message = [str(e)]
    if world > 1:
        broadcast_object_list(message, src=0)
    if message[0] is not None:
        if rank != 0:
            raise SystemExit(1)  # rank 0 reports it
        raise RunDirError(message[0])


def main(argv=None) -> dict:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not osp.isfile(args.config):
        parser.error(f'config file {args.config} does not exist')

    # Registers our loops, hooks and checkpoint safety with mmengine.
    import basicda.engine  # noqa: F401
    from basicda.engine import init_distributed
    from basicda.engine.dist import exit_worker, finish_distributed
    from basicda.engine.config_check import prepare_config
    from basicda.engine.run_dir import die_with_parent

    if args.launcher == 'pytorch':
        die_with_parent()  # torchrun's workers have their own session (see run_dir.py)
    cfg = Config.fromfile(args.config)
    prepare_config(cfg, args.cfg_options)  # no unread key, no `_` helper in the run
    cfg = merge_args(cfg, args, parser)
    init_distributed(args.launcher)
    prepare_run_dir(cfg, args)
    try:
        runner = build_runner(cfg)
        if cfg.get('train_cfg') is not None:
            runner.train()
        # a config without train_cfg only tests (e.g. CluP's pseudo-label pass, a loop
        # run as the test loop on the loaded load_from checkpoint)
        metrics = {}
        if not args.no_test and cfg.get('test_cfg') is not None:
            metrics = runner.test()
    except Exception as error:
        _log_error(cfg, error)
        raise
    if args.launcher != 'none':  # a worker process (torchrun, slurm): end the group and the process
        finish_distributed()
        exit_worker(0)
    return metrics


def _log_error(cfg: Config, error: BaseException) -> None:
    from mmengine.dist import get_rank

    from basicda.engine.run_dir import log_failure
    from basicda.engine.runner import LOG_FILE

    try:
        log_failure(osp.join(cfg.work_dir, LOG_FILE), get_rank(), error)
    except OSError:  # the folder itself is the problem; stderr still has it
        pass


def cli(argv=None) -> None:
    """The command-line entry: :func:`main`, and on an error the traceback on the
    terminal from rank 0 (or the only process) and one line from any other rank,
    exit status 1. The full error is in the run's ``logs/train.log`` either way."""
    try:
        main(argv)
    except Exception as error:  # noqa: BLE001 - reported, then exit 1
        from basicda.engine.run_dir import RunDirError, peer_failed
        rank = int(os.environ.get('RANK', '0'))
        if isinstance(error, RunDirError):  # a refusal, not a crash: the message says it all
            print(f'train.py: error: {error}', file=sys.stderr)
        elif rank == 0 and not peer_failed(error):
            traceback.print_exc()
        else:
            print(f'rank {rank} failed: {type(error).__name__}: {error}'.splitlines()[0] +
                  ' (traceback in logs/train.log of the run)', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    cli()
