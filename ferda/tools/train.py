"""``train.py`` / ``ferda train``: build a Runner from a config and train, then
evaluate the label-free selected checkpoint on every configured dataset.

Precedence of settings: command line > config file > defaults derived from the
config's file name (``work_dir = runs/<config name>``).
"""
import argparse
import os.path as osp

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
    return cfg


def build_runner(cfg: Config):
    """The runner named by ``cfg.runner_type`` (default mmengine's ``Runner``)."""
    from mmengine.runner import Runner

    from basicda.registry import RUNNERS  # finds DARunner and, via its parent, mmengine's

    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def main(argv=None) -> dict:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not osp.isfile(args.config):
        parser.error(f'config file {args.config} does not exist')

    # Registers our loops, hooks and checkpoint safety with mmengine.
    import basicda.engine  # noqa: F401
    from basicda.engine import init_distributed
    from basicda.engine.config_check import prepare_config

    cfg = Config.fromfile(args.config)
    prepare_config(cfg, args.cfg_options)  # no unread key, no `_` helper in the run
    cfg = merge_args(cfg, args, parser)
    init_distributed(args.launcher)
    runner = build_runner(cfg)
    if cfg.get('train_cfg') is not None:
        runner.train()
    # a config without train_cfg only tests (e.g. CluP's pseudo-label pass, a loop
    # run as the test loop on the loaded load_from checkpoint)
    metrics = {}
    if not args.no_test and cfg.get('test_cfg') is not None:
        metrics = runner.test()
    return metrics


if __name__ == '__main__':
    main()
