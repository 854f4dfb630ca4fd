"""Shared fixtures: a tiny SynFER generated once per test session, and helpers to
run train.py / the experiment scripts in a subprocess inside a work folder."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

#: most slow tests run single-threaded subprocesses (OMP_NUM_THREADS=1) and 2-process gloo
#: runs; more workers than this only contend for memory and start-up
MAX_WORKERS = 4


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pytest.ini): one xdist worker per core, at most :data:`MAX_WORKERS`."""
    return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity')
                      else os.cpu_count() or 1))
TINY_CONFIG = osp.join(REPO, 'tests', 'configs', 'tiny_source-only_synfer.py')


@pytest.fixture(autouse=True)
def _no_default_scope_leaks():
    """A test that builds a Runner in-process (e.g. with ``default_scope='basicda'``) leaves
    that scope as mmengine's current one, and every later registry build switches to it
    (``RafDbReader is not in the basicda::dataset registry``). Drop the scopes a test
    created, so tests do not depend on their order."""
    from mmengine.registry import DefaultScope

    before = set(DefaultScope._instance_dict)
    yield
    for name in set(DefaultScope._instance_dict) - before:
        del DefaultScope._instance_dict[name]


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


#: checkpoint parts that make a run continue as if never stopped (``message_hub`` holds
#: timings, ``meta`` the wall-clock time: only its epoch and iter are compared)
TRAINING_STATE = ('state_dict', 'optimizer', 'param_schedulers', 'oracle_tracker',
                  'method_state', 'rng_state')


def assert_same(a, b, atol=0.0, path='checkpoint'):
    """Assert that two nested structures of dicts, lists, tensors, arrays and scalars
    are equal: exactly (``atol=0``) or floats within ``atol``. ``path`` names the first
    difference."""
    if isinstance(a, dict):
        assert isinstance(b, dict), f'{path}: a dict and {type(b).__name__}'
        assert a.keys() == b.keys(), f'{path}: keys {sorted(map(str, a))} != {sorted(map(str, b))}'
        for key in a:
            assert_same(a[key], b[key], atol, f'{path}.{key}')
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f'{path}: {a!r} != {b!r}'
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, atol, f'{path}[{i}]')
    elif isinstance(a, (torch.Tensor, np.ndarray)):
        a, b = torch.as_tensor(a), torch.as_tensor(b)
        assert a.shape == b.shape and a.dtype == b.dtype, f'{path}: {a.shape} vs {b.shape}'
        if atol and a.is_floating_point():
            torch.testing.assert_close(a, b, rtol=0, atol=atol, msg=f'{path} differs')
        else:
            assert torch.equal(a, b), f'{path} differs'
    elif atol and isinstance(a, float):
        assert abs(a - b) <= atol, f'{path}: {a} != {b}'
    else:
        assert a == b, f'{path}: {a!r} != {b!r}'


def assert_same_training_state(a: dict, b: dict, atol=0.0, skip=()):
    """Two loaded checkpoints hold the same training state: weights, optimiser,
    schedulers, oracle record, method state, RNG state (those present in ``a``, minus
    ``skip``), at the same epoch and iteration."""
    assert (a['meta']['epoch'], a['meta']['iter']) == (b['meta']['epoch'], b['meta']['iter'])
    parts = [k for k in TRAINING_STATE if k in a and k not in skip]
    assert 'state_dict' in parts and 'optimizer' in parts and 'param_schedulers' in parts
    for key in parts:
        assert key in b, f'checkpoint has no {key!r}'
        assert_same(a[key], b[key], atol, key)
