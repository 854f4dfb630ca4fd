"""Shared fixtures: a tiny SynFER generated once per test session, and helpers to
run train.py / the experiment scripts in a subprocess inside a work folder."""
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY_CONFIG = osp.join(REPO, 'tests', 'configs', 'tiny_source-only_synfer.py')


@pytest.fixture(scope='session')
def synfer_workdir(tmp_path_factory):
    """A folder whose ``data/synfer`` holds a tiny SynFER (10 faces per class and
    domain, ``micro`` included); configs read ``data/synfer`` relative to the working
    directory."""
    from ferda.datasets.synfer import DOMAINS, generate_synfer

    root = tmp_path_factory.mktemp('synfer_work')
    generate_synfer(str(root / 'data' / 'synfer'), domains=DOMAINS, per_class=10, seed=0,
                    progress=False)
    return root


def run(cmd, cwd, timeout=600, check=True, env=None):
    """Run ``cmd`` in ``cwd``; on failure show its output."""
    full_env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1', **(env or {}))
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=full_env)
    if check and proc.returncode != 0:
        raise AssertionError(f'{cmd} exited {proc.returncode}\n--- stdout\n{proc.stdout[-4000:]}'
                             f'\n--- stderr\n{proc.stderr[-6000:]}')
    return proc


def train_cmd(*args):
    return [sys.executable, osp.join(REPO, 'train.py'), *args]
