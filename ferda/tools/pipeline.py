"""``ferda pipeline`` / ``experiments/<method>.sh``: a method with upstream stages.

    bash experiments/clup.sh EXP_NAME CONFIG [GPUS] [--stage NAME] [train.py flags...]

A method config lists the runs it needs before it can start, in order, as a
top-level ``pipeline`` key::

    pipeline = [
        dict(name='source', config='configs/source_only/<...>.py', checkpoint='best',
             into='model.teacher_checkpoint'),
        dict(name='swav', config='configs/clup/<...>.py', checkpoint='last',
             into='model.student_checkpoint'),
    ]

Every stage trains in ``runs/EXP_NAME/<name>/`` (its own ``logs/train.log``) with
``experiments/train.sh``; the method itself then trains in ``runs/EXP_NAME/`` with
``--cfg-options <into>=<checkpoint of that stage>``. ``checkpoint='best'`` is the
label-free checkpoint the stage's final test evaluated (``results.json``),
``'last'`` its last checkpoint, a file name an artefact the stage wrote in its
directory (``'pseudo_labels.pt'``); ``into=None`` feeds later stages only. A stage reads the checkpoints of the stages before
it the same way when its own config names them in ``needs``
(``dict(..., needs={'model.teacher_checkpoint': 'source'})``), and ``options``
sets config keys of that stage (``options={'test_cfg.num_clusters': 1000}``).

Finished stages (marked ``runs/EXP_NAME/<name>/DONE``) are reused; an interrupted
one, and an interrupted or finished method run, is resumed from its last checkpoint
(unless the flags say ``--resume PATH`` or ``--overwrite``). A stage whose ``into`` key the command
line already sets (``--cfg-options model.teacher_checkpoint=/my/source.pth``) is
not run. ``--stage NAME`` runs the pipeline up to and including that stage
(``--stage main``, the default, runs everything). ``--reuse source=runs/my_src``
takes a stage from a finished run elsewhere instead of running it. ``--seed`` and
``--deterministic`` apply to every stage; all other flags to the method run only.
"""
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional

from basicda.engine.checkpoint import latest_checkpoint
from basicda.engine.run_dir import run_artefacts
from basicda.fileio import atomic_write_bytes

from . import repo_path

DONE = 'DONE'
CHECKPOINT_KINDS = ('best', 'last')


class PipelineError(RuntimeError):
    """A stage is misconfigured or did not produce its checkpoint."""


def read_stages(cfg, config_path: str) -> List[dict]:
    """The validated ``pipeline`` list of a loaded config (``[]`` when absent)."""
    stages = cfg.get('pipeline') or []
    names = set()
    out = []
    for i, stage in enumerate(stages):
        where = f'{config_path}: pipeline[{i}]'
        stage = dict(stage)
        for key in ('name', 'config'):
            if not stage.get(key):
                raise PipelineError(f'{where} needs a {key!r} key, got {stage}')
        if stage['name'] in names or stage['name'] == 'main':
            raise PipelineError(f'{where}: stage name {stage["name"]!r} is used twice or reserved')
        names.add(stage['name'])
        stage.setdefault('checkpoint', 'best')
        stage.setdefault('into', None)
        kind = stage['checkpoint']
        if kind not in CHECKPOINT_KINDS and (not isinstance(kind, str) or '/' in kind):
            raise PipelineError(f'{where}: checkpoint must be one of {CHECKPOINT_KINDS} or a file '
                                f'name inside the stage directory, got {kind!r}')
        config = stage['config']
        if not osp.isabs(config):  # relative to the cwd, else to the repository
            config = osp.abspath(config) if osp.isfile(config) else repo_path(config)
        if not osp.isfile(config):
            raise PipelineError(f'{where}: config {stage["config"]} does not exist')
        stage['config'] = config
        for key, source in dict(stage.get('needs') or {}).items():
            if source not in names - {stage['name']}:
                raise PipelineError(f'{where}: needs {key}={source!r}, which is not an earlier '
                                    'stage')
        out.append(stage)
    return out


def stage_checkpoint(work_dir: str, kind: str) -> str:
    """The checkpoint a finished stage hands on (see the module docstring)."""
    if kind not in CHECKPOINT_KINDS:  # an artefact the stage wrote, e.g. pseudo_labels.pt
        path = osp.abspath(osp.join(work_dir, kind))
        if not osp.isfile(path):
            raise PipelineError(f'stage in {work_dir} finished but did not write {kind}')
        return path
    if kind == 'best':
        results = osp.join(work_dir, 'results.json')
        if osp.isfile(results):
            with open(results) as f:
                path = json.load(f).get('checkpoint')
            if path and osp.isfile(path):
                return path
    last = latest_checkpoint(work_dir)
    if last is not None:
        return osp.abspath(last)
    raise PipelineError(f'stage in {work_dir} finished but left no {kind} checkpoint '
                        '(results.json or last_checkpoint)')


def _resumable(work_dir: str) -> bool:
    """``work_dir`` holds checkpoints of a run (which train.py refuses to overwrite)."""
    return bool(run_artefacts(work_dir))


def _cfg_option_keys(flags: List[str]) -> Dict[str, str]:
    """``key -> value`` of the ``--cfg-options`` in ``flags``."""
    keys, on = {}, False
    for flag in flags:
        if flag.startswith('--'):
            on = flag == '--cfg-options'
            continue
        if on and '=' in flag:
            key, value = flag.split('=', 1)
            keys[key] = value
    return keys


def _global_flags(flags: List[str]) -> List[str]:
    """The flags every stage receives: ``--seed N`` and ``--deterministic``."""
    out = []
    for i, flag in enumerate(flags):
        if flag == '--seed' and i + 1 < len(flags):
            out += [flag, flags[i + 1]]
        elif flag.startswith('--seed='):
            out.append(flag)
        elif flag == '--deterministic':
            out.append(flag)
    return out


def _launch(exp: str, config: str, work_dir: str, gpus: int, flags: List[str]) -> None:
    cmd = ['bash', repo_path('experiments', 'train.sh'), exp, config, str(gpus)] + flags
    env = dict(os.environ, WORK_DIR=work_dir)
    print(f'[ferda pipeline] {" ".join(cmd)}  (log: {work_dir}/logs/train.log)', flush=True)
    proc = subprocess.run(cmd, env=env)
    if proc.returncode != 0:
        raise PipelineError(f'{config} exited with {proc.returncode}; see '
                            f'{work_dir}/logs/train.log. Re-running the same command resumes '
                            'from the last checkpoint.')


def run_pipeline(exp: str, config: str, gpus: int = 1, stage: str = 'main',
                 flags: Optional[List[str]] = None, runs_root: str = 'runs',
                 reuse: Optional[Dict[str, str]] = None,
                 stage_options: Optional[Dict[str, Dict[str, object]]] = None) -> Dict[str, str]:
    """Run the stages of ``config`` and then ``config`` itself (see the module docstring).

    Args:
        reuse: stage name -> the directory of a finished run of that stage elsewhere
            (e.g. a source model trained before); its checkpoint is handed on and the
            stage is not run (``--reuse source=runs/src``).
        stage_options: stage name -> extra config keys of that stage's run.

    Returns:
        dict: stage name -> the checkpoint it handed on (``'main'`` -> the method's
        run directory once it finished).
    """
    from mmengine.config import Config

    flags = list(flags or [])
    cfg = Config.fromfile(config)
    stages = read_stages(cfg, config)
    names = [s['name'] for s in stages] + ['main']
    if stage not in names:
        raise PipelineError(f'--stage {stage!r}: {config} has stages {names}')
    root = osp.join(runs_root, exp)
    user_keys = _cfg_option_keys(flags)
    common = _global_flags(flags)
    handed: Dict[str, str] = {}
    reuse = dict(reuse or {})
    stage_options = dict(stage_options or {})
    unknown = (set(reuse) | set(stage_options)) - set(names)
    if unknown:
        raise PipelineError(f'{config} has no stage(s) {sorted(unknown)}; stages: {names}')
    for s in stages:
        if s['name'] in reuse:
            handed[s['name']] = stage_checkpoint(reuse[s['name']], s['checkpoint'])
            print(f'[ferda pipeline] stage {s["name"]}: reusing {reuse[s["name"]]} '
                  f'({handed[s["name"]]})')
        elif s['into'] is not None and s['into'] in user_keys:
            handed[s['name']] = user_keys[s['into']]
            print(f'[ferda pipeline] stage {s["name"]}: using {s["into"]}='
                  f'{user_keys[s["into"]]} from the command line')
        else:
            work_dir = osp.join(root, s['name'])
            if osp.isfile(osp.join(work_dir, DONE)):
                print(f'[ferda pipeline] stage {s["name"]}: finished before, reusing {work_dir}')
            else:
                extra = list(common)
                needs = {key: handed[src] for key, src in dict(s.get('needs') or {}).items()}
                needs.update(dict(s.get('options') or {}))
                needs.update(stage_options.get(s['name'], {}))
                if needs:
                    extra += ['--cfg-options'] + [f'{k}={v}' for k, v in needs.items()]
                if _resumable(work_dir):
                    print(f'[ferda pipeline] stage {s["name"]}: interrupted before, resuming')
                    extra.append('--resume')
                _launch(f'{exp}/{s["name"]}', s['config'], work_dir, gpus, extra)
                atomic_write_bytes(b'', osp.join(work_dir, DONE))
            handed[s['name']] = stage_checkpoint(work_dir, s['checkpoint'])
        if s['name'] == stage:
            return handed
    into = [f'{s["into"]}={handed[s["name"]]}' for s in stages
            if s['into'] is not None and s['into'] not in user_keys]
    main_flags = list(flags)
    if into:
        if '--cfg-options' in main_flags:
            at = main_flags.index('--cfg-options') + 1
            main_flags[at:at] = into
        else:
            main_flags += ['--cfg-options'] + into
    if _resumable(root) and not {'--resume', '--overwrite'} & set(main_flags):
        print(f'[ferda pipeline] {root} holds a run: resuming it')
        main_flags.append('--resume')
    _launch(exp, config, root, gpus, main_flags)
    atomic_write_bytes(b'', osp.join(root, DONE))
    handed['main'] = root
    return handed


USAGE = ('usage: bash experiments/<method>.sh EXP_NAME CONFIG [GPUS] [--stage NAME] '
         '[--reuse NAME=DIR] [train.py flags...]')


def parse_args(argv: List[str]):
    """``EXP CONFIG [GPUS] [--stage NAME] [--reuse NAME=DIR] [flags...]`` ->
    (exp, config, gpus, stage, flags, reuse).

    Parsed by hand: GPUS is optional and the remaining train.py flags
    (``--seed 1``) must pass through untouched.
    """
    argv = list(argv)
    if len(argv) < 2 or argv[0] in ('-h', '--help'):
        raise SystemExit(USAGE + '\n\n' + __doc__)
    exp, config, rest = argv[0], argv[1], argv[2:]
    gpus = 1
    if rest and rest[0].isdigit():
        gpus = int(rest.pop(0))
    stage = 'main'
    flags = []
    reuse = {}
    i = 0
    while i < len(rest):
        if rest[i] == '--reuse':
            if i + 1 >= len(rest) or '=' not in rest[i + 1]:
                raise SystemExit('--reuse needs NAME=DIR\n' + USAGE)
            name, path = rest[i + 1].split('=', 1)
            reuse[name] = path
            i += 2
            continue
        if rest[i] == '--stage':
            if i + 1 >= len(rest):
                raise SystemExit('--stage needs a stage name\n' + USAGE)
            stage = rest[i + 1]
            i += 2
            continue
        if rest[i].startswith('--stage='):
            stage = rest[i].split('=', 1)[1]
        else:
            flags.append(rest[i])
        i += 1
    return exp, config, gpus, stage, flags, reuse


def main(argv=None) -> int:
    exp, config, gpus, stage, flags, reuse = parse_args(sys.argv[1:] if argv is None else argv)
    if not osp.isfile(config):
        print(f'[ferda pipeline] error: config file {config} does not exist', file=sys.stderr)
        return 2
    try:
        run_pipeline(exp, config, gpus, stage, flags, reuse=reuse)
    except PipelineError as e:
        print(f'[ferda pipeline] error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
