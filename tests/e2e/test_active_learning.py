"""End to end: the active-learning run on a tiny SynFER lowres through experiments/active.sh
(tests/configs/tiny_al_synfer-lowres.py: a pool of 42, so 4 labels then +2 per round, 7
points, at most 2 epochs per round, every epoch checkpointed)."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch

from basicda.active import al_schedule, labelled_from_files, read_index_file
from tests.conftest import REPO, run
from tests.hooks import write_config

pytestmark = pytest.mark.slow

CONFIG = osp.join(REPO, 'tests', 'configs', 'tiny_al_synfer-lowres.py')
SCRIPT = osp.join(REPO, 'experiments', 'active.sh')
POINTS = 7
POOL = 42  # Training rows of the tiny SynFER lowres


def _active(cwd, exp, config=CONFIG, *flags):
    return run(['bash', SCRIPT, exp, config, *flags], cwd=cwd)


def _index_files(al_dir):
    names = ['pool.csv', 'pool.sha256', 'initial.txt'] + [
        f'labelled_round_{r}.txt' for r in range(POINTS)] + [
        f'round_{r}_selected.txt' for r in range(1, POINTS)]
    out = {}
    for name in names:
        with open(osp.join(al_dir, name), 'rb') as f:
            out[name] = f.read()
    return out


@pytest.fixture(scope='module')
def reference(synfer_workdir):
    _active(str(synfer_workdir), 'al_ref')
    return osp.join(str(synfer_workdir), 'runs', 'al_ref')


def test_outputs_follow_the_schedule(reference):
    al = osp.join(reference, 'al')
    schedule = al_schedule(POOL)
    initial, _ = read_index_file(osp.join(al, 'initial.txt'))
    seen = set(initial.tolist())
    assert len(initial) == schedule[0]
    for r in range(1, POINTS):
        sel, ids, scores = read_index_file(osp.join(al, f'round_{r}_selected.txt'), scores=True)
        assert len(sel) == schedule[r] - schedule[r - 1]
        assert not seen.intersection(sel.tolist()), f'round {r} selects labelled items'
        seen.update(sel.tolist())
        cumulative = labelled_from_files(al, r)  # also checks labelled_round_r.txt
        assert len(cumulative) == schedule[r] and set(cumulative.tolist()) == seen
    pool_ids = [line.split(',')[1] for line in open(osp.join(al, 'pool.csv')).read().split()[1:]]
    assert len(pool_ids) == POOL
    with open(osp.join(al, 'rounds.json')) as f:
        rows = json.load(f)
    assert [row['round'] for row in rows] == list(range(POINTS))
    assert [row['n_labelled'] for row in rows] == schedule
    assert all(1 <= row['epochs'] <= 2 for row in rows)
    assert len(open(osp.join(al, 'rounds.csv')).read().splitlines()) == POINTS + 1
    with open(osp.join(al, 'learning_curve.png'), 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    # TensorBoard / JSON scalar al/oa with step = number of labels
    (scalars,) = [osp.join(reference, d, 'vis_data', 'scalars.json')
                  for d in __import__('os').listdir(reference)
                  if osp.isfile(osp.join(reference, d, 'vis_data', 'scalars.json'))]
    steps = [json.loads(line)['step'] for line in open(scalars) if '"al/oa"' in line]
    assert steps == schedule


def test_same_seed_gives_identical_index_files(synfer_workdir, reference):
    _active(str(synfer_workdir), 'al_again')
    again = osp.join(str(synfer_workdir), 'runs', 'al_again', 'al')
    assert _index_files(again) == _index_files(osp.join(reference, 'al'))


def test_kill_mid_round_and_resume_is_bit_identical(synfer_workdir, reference, tmp_path):
    # round 0 trains epochs 1-2, round 1 epochs 3-4: the kill after epoch_3.pth is mid-round 1
    config = write_config(str(tmp_path / 'tiny_al_kill.py'), CONFIG,
                          [dict(type='KillAfterCheckpointHook', at=3, by_epoch=True)])
    cwd = str(synfer_workdir)
    killed = run(['bash', SCRIPT, 'al_kill', config], cwd=cwd, check=False)
    assert killed.returncode != 0
    work = osp.join(cwd, 'runs', 'al_kill')
    assert osp.isfile(osp.join(work, 'epoch_3.pth'))
    assert not osp.isfile(osp.join(work, 'al', 'round_2_selected.txt'))
    _active(cwd, 'al_kill', config, '--resume')
    assert _index_files(osp.join(work, 'al')) == _index_files(osp.join(reference, 'al'))
    last = osp.basename(open(osp.join(reference, 'last_checkpoint')).read().strip())
    a = torch.load(osp.join(reference, last), map_location='cpu', weights_only=False)
    b = torch.load(osp.join(work, last), map_location='cpu', weights_only=False)
    for k, v in a['state_dict'].items():
        assert torch.equal(v, b['state_dict'][k]), k
    assert a['optimizer']['state'].keys() == b['optimizer']['state'].keys()
    for k, state in a['optimizer']['state'].items():
        for name, v in state.items():
            assert torch.equal(v, b['optimizer']['state'][k][name]), (k, name)
    assert a['param_schedulers'] == b['param_schedulers']
    sa = a['message_hub']['runtime_info']['active_learning']
    sb = b['message_hub']['runtime_info']['active_learning']
    timing = ('select_s', 'train_s')
    assert [{k: v for k, v in r.items() if k not in timing} for r in sa['rows']] == \
        [{k: v for k, v in r.items() if k not in timing} for r in sb['rows']]
    assert sa['labelled'] == sb['labelled'] and sa['accs'] == sb['accs']


def test_bald_runs_with_a_dropout_head_and_refuses_one_without(synfer_workdir):
    cwd = str(synfer_workdir)
    _active(cwd, 'al_bald', CONFIG, '--cfg-options', 'train_cfg.strategy=bald',
            'model.head.dropout=0.5', 'train_cfg.points=3')
    sel, _, scores = read_index_file(osp.join(cwd, 'runs', 'al_bald', 'al',
                                              'round_2_selected.txt'), scores=True)
    assert len(sel) == 2 and np.all(scores >= 0)
    refused = run(['bash', SCRIPT, 'al_bald0', CONFIG, '--cfg-options',
                   'train_cfg.strategy=bald'], cwd=cwd, check=False)
    assert refused.returncode != 0
    assert "strategy='bald' needs a head with dropout" in refused.stdout + refused.stderr
    shutil.rmtree(osp.join(cwd, 'runs', 'al_bald0'), ignore_errors=True)


def test_bald_compat_reference_reaches_the_loop(synfer_workdir):
    """train_cfg.bald_compat='reference' through the config: the dropout-free head is
    accepted, the warning names the consequence, and on the toy net without dropout every
    train-mode pass agrees, so round 1's scores are 0 up to float noise
    (docs/active-learning.md §8.1). (An unknown value is refused by check_strategy_head,
    which the loop calls first: tests/basicda/engine/test_active_learning_loop.py.)"""
    cwd = str(synfer_workdir)
    out = _active(cwd, 'al_bald_ref', CONFIG, '--cfg-options', 'train_cfg.strategy=bald',
                  'train_cfg.bald_compat=reference', 'train_cfg.points=2',
                  'train_cfg.round_epochs=1')
    assert 'the mutual information is ~0 and the ranking is float noise' in \
        out.stdout + out.stderr
    sel, _, scores = read_index_file(osp.join(cwd, 'runs', 'al_bald_ref', 'al',
                                              'round_1_selected.txt'), scores=True)
    assert len(sel) == 2 and np.abs(scores).max() < 1e-12
    shutil.rmtree(osp.join(cwd, 'runs', 'al_bald_ref'), ignore_errors=True)


def test_pretrained_and_continue_inits(synfer_workdir, tmp_path):
    from tests.hooks import ToyConvBackbone

    torch.manual_seed(1)
    encoder = {f'module.encoder.{k}': v for k, v in ToyConvBackbone(16, 8).state_dict().items()}
    encoder['module.projection.0.weight'] = torch.zeros(4, 16)
    good = str(tmp_path / 'encoder.pth')
    torch.save(encoder, good)
    cwd = str(synfer_workdir)
    for init, exp in (('pretrained', 'al_pre'), ('continue', 'al_cont')):
        _active(cwd, exp, CONFIG, '--cfg-options', f'train_cfg.round_init={init}',
                f'train_cfg.encoder={good}', 'train_cfg.points=3')
        with open(osp.join(cwd, 'runs', exp, 'al', 'rounds.json')) as f:
            rows = json.load(f)
        assert [row['n_labelled'] for row in rows] == al_schedule(POOL)[:3], init
    del encoder['module.encoder.net.0.weight']
    bad = str(tmp_path / 'bad.pth')
    torch.save(encoder, bad)
    refused = run(['bash', SCRIPT, 'al_bad', CONFIG, '--cfg-options',
                   'train_cfg.round_init=pretrained', f'train_cfg.encoder={bad}'],
                  cwd=cwd, check=False)
    assert refused.returncode != 0
    assert 'bad.pth does not fit model.backbone' in refused.stdout + refused.stderr


SIMCLR = osp.join(REPO, 'tests', 'configs', 'tiny_simclr_synfer-lowres.py')
AL_SIMCLR = osp.join(REPO, 'tests', 'configs', 'tiny_al-simclr_synfer-lowres.py')


@pytest.fixture(scope='module')
def pretrained_run(synfer_workdir):
    """SimCLR (2 epochs) then 2 active-learning points from its encoder, through the script."""
    _active(str(synfer_workdir), 'al_simclr', AL_SIMCLR, '--cfg-options', 'train_cfg.points=2')
    return osp.join(str(synfer_workdir), 'runs', 'al_simclr')


def test_simclr_stage_hands_its_encoder_to_the_pretrained_rounds(pretrained_run):
    from basicda.fileio import sha256_file

    encoder = osp.join(pretrained_run, 'pretrain', 'encoder.pth')
    state = torch.load(encoder, map_location='cpu', weights_only=True)
    final = torch.load(osp.join(pretrained_run, 'pretrain', 'epoch_2.pth'), map_location='cpu',
                       weights_only=False)['state_dict']
    # the encoder is the final backbone, without prefix and without the projection
    assert state['state_dict'].keys() == {k[len('backbone.'):] for k in final
                                          if k.startswith('backbone.')}
    for key, value in state['state_dict'].items():
        assert torch.equal(value, final['backbone.' + key]), key
    with open(osp.join(pretrained_run, 'al', 'rounds.json')) as f:
        assert [row['n_labelled'] for row in json.load(f)] == al_schedule(POOL)[:2]
    last = osp.basename(open(osp.join(pretrained_run, 'last_checkpoint')).read().strip())
    ckpt = torch.load(osp.join(pretrained_run, last), map_location='cpu', weights_only=False)
    al_state = ckpt['message_hub']['runtime_info']['active_learning']
    assert al_state['encoder_sha256'] == sha256_file(encoder)
    assert al_state['round_init'] == 'pretrained'


def test_simclr_kill_and_resume_is_bit_identical(synfer_workdir, pretrained_run, tmp_path):
    from tests.conftest import assert_same_training_state, train_cmd

    config = write_config(str(tmp_path / 'tiny_simclr_kill.py'), SIMCLR,
                          [dict(type='KillAfterCheckpointHook', at=1, by_epoch=True)])
    cwd = str(synfer_workdir)
    work = osp.join(cwd, 'runs', 'simclr_kill')
    killed = run(train_cmd(config, '--work-dir', work), cwd=cwd, check=False)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert osp.isfile(osp.join(work, 'epoch_1.pth')) and not osp.isfile(
        osp.join(work, 'encoder.pth'))
    run(train_cmd(config, '--work-dir', work, '--resume'), cwd=cwd)
    straight = osp.join(pretrained_run, 'pretrain')
    a = torch.load(osp.join(straight, 'epoch_2.pth'), map_location='cpu', weights_only=False)
    b = torch.load(osp.join(work, 'epoch_2.pth'), map_location='cpu', weights_only=False)
    assert_same_training_state(a, b)
    ea = torch.load(osp.join(straight, 'encoder.pth'), map_location='cpu', weights_only=True)
    eb = torch.load(osp.join(work, 'encoder.pth'), map_location='cpu', weights_only=True)
    for key, value in ea['state_dict'].items():
        assert torch.equal(value, eb['state_dict'][key]), key


def test_two_process_run_through_the_script(synfer_workdir, reference):
    """2 gloo processes (torchrun through experiments/active.sh): the seed set equals the
    1-process run's, every round labels the schedule's count of new, disjoint items on
    every rank (labelled_from_files checks the cumulative files), 3 rows and the curve."""
    cwd = str(synfer_workdir)
    _active(cwd, 'al_2proc', CONFIG, '2', '--cfg-options', 'train_cfg.points=3')
    al = osp.join(cwd, 'runs', 'al_2proc', 'al')
    with open(osp.join(al, 'initial.txt'), 'rb') as f, \
            open(osp.join(reference, 'al', 'initial.txt'), 'rb') as g:
        assert f.read() == g.read()
    schedule = al_schedule(POOL)[:3]
    for r in range(3):
        assert len(labelled_from_files(al, r)) == schedule[r]
    with open(osp.join(al, 'rounds.json')) as f:
        assert [row['n_labelled'] for row in json.load(f)] == schedule
    with open(osp.join(al, 'learning_curve.png'), 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    log = open(osp.join(cwd, 'runs', 'al_2proc', 'logs', 'train.log')).read()
    assert 'Distributed training: True' in log and 'GPU number: 2' in log  # 2 processes


STUDY = osp.join(REPO, 'experiments', 'active_study.sh')


def test_study_script_runs_the_grid_shares_each_seeds_encoder_and_reuses(synfer_workdir):
    """experiments/active_study.sh with the tiny configs, seed 0, two strategies, both inits,
    two runs at a time: one SimCLR stage handed to both pretrained runs, BALD with its dropout
    head, the overlay table with a row per (strategy, init), and a second call trains nothing."""
    from mmengine.config import Config

    cwd = str(synfer_workdir)
    env = dict(AL_SCRATCH_CONFIG=CONFIG, AL_SIMCLR_CONFIG=AL_SIMCLR, SEEDS='0',
               STRATEGIES='random bald', JOBS='2')
    out = run(['bash', STUDY, 'al_study_t'], cwd=cwd, env=env).stdout
    root = osp.join(cwd, 'runs', 'al_study_t')
    encoder = osp.abspath(osp.join(root, 'simclr_s0', 'pretrain', 'encoder.pth'))
    assert osp.isfile(encoder)
    for strategy in ('random', 'bald'):
        for init in ('scratch', 'simclr'):
            run_dir = osp.join(root, f'{strategy}_{init}_s0')
            with open(osp.join(run_dir, 'al', 'rounds.json')) as f:
                assert [r['n_labelled'] for r in json.load(f)] == al_schedule(POOL)
            [dumped] = [f for f in os.listdir(run_dir) if f.endswith('.py')]
            cfg = Config.fromfile(osp.join(run_dir, dumped))
            assert cfg.train_cfg.strategy == strategy and cfg.randomness.seed == 0
            assert cfg.train_cfg.round_init == ('scratch' if init == 'scratch' else 'pretrained')
            if init == 'simclr':  # the seed's shared encoder, not a stage of its own
                assert osp.abspath(cfg.train_cfg.encoder) == encoder
                assert not osp.exists(osp.join(run_dir, 'pretrain'))
            assert cfg.model.head.dropout == (0.5 if strategy == 'bald' else 0.0)
    with open(osp.join(root, 'learning_curves.md')) as f:
        rows = [line.split(' | ')[:3] for line in f if line.startswith('| ') and
                not line.startswith('| strategy')]
    assert sorted(rows) == [['| bald', 'pretrained', '1'], ['| bald', 'scratch', '1'],
                            ['| random', 'pretrained', '1'], ['| random', 'scratch', '1']]
    assert osp.isfile(osp.join(root, 'learning_curves.png')) and '4 groups' in out
    stamp = os.stat(osp.join(root, 'random_scratch_s0', 'al', 'rounds.json')).st_mtime_ns
    run(['bash', STUDY, 'al_study_t'], cwd=cwd, env=env)
    assert os.stat(osp.join(root, 'random_scratch_s0', 'al', 'rounds.json')).st_mtime_ns == stamp
