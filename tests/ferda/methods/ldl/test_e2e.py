"""LDL end to end on a tiny SynFER through experiments/ldl.sh (tests/configs/tiny_ldl_synfer.py:
2 epochs of 3 iterations, K = 2 neighbours from the generator's valence-arousal; online and
bank mode, the bank refreshed every 2nd epoch), and resume
after SIGKILL: a run killed right after the checkpoint of epoch 1 (before its validation) and
resumed ends bit-identical to the uninterrupted run (weights, Adam state, trust, velocity,
centres, the bank, logged losses); a resume with another neighbour table is refused; a bank left
out of the checkpoint is refreshed on resume with a warning. Also ``ferda occlusion`` and
``ferda trust`` (with ``--blend``) on the run."""
import glob
import json
import os.path as osp

import numpy as np
import pytest
import torch

from tests.conftest import REPO, run, train_cmd

TINY = osp.join(REPO, 'tests', 'configs', 'tiny_ldl_synfer.py')
TINY_BANK = osp.join(REPO, 'tests', 'configs', 'tiny_ldl_bank_synfer.py')
HOOKS = 'tests.ferda.methods.ldl.hooks_for_tests'
SCRIPT = osp.join(REPO, 'experiments', 'ldl.sh')

pytestmark = pytest.mark.slow


def _config(folder, name, kill_at=None, base=TINY, extra=''):
    path = osp.join(str(folder), name)
    with open(path, 'w') as f:
        f.write(f"_base_ = [{base!r}]\n{extra}")
        if kill_at is not None:
            f.write(f"custom_imports = dict(imports=[{HOOKS!r}], allow_failed_imports=False)\n"
                    "custom_hooks = _base_.custom_hooks + [dict(type="
                    f"'LdlKillAfterEpochCheckpointHook', at={kill_at})]\n")
    return path


def _scalars(work):
    rows = {}
    for path in sorted(glob.glob(osp.join(str(work), '2*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for row in map(json.loads, f):
                if 'loss' in row:
                    rows[row['step']] = {k: v for k, v in row.items() if 'time' not in k}
    return rows


@pytest.fixture(scope='module')
def straight(synfer_workdir):
    config = _config(synfer_workdir, 'ldl_straight.py')
    run(['bash', SCRIPT, 'ldl_straight', config], cwd=synfer_workdir)
    return synfer_workdir / 'runs' / 'ldl_straight'


def test_script_run_writes_knn_and_method_state(straight):
    from basicda.engine.checkpoint import safe_load

    assert (straight / 'results.json').is_file() and (straight / 'ldl_straight.py').is_file()
    assert glob.glob(str(straight / '2*' / 'vis_data' / 'events.out.tfevents.*'))
    nidx = np.load(straight / 'knn.npy')
    meta = json.loads((straight / 'knn.json').read_text())
    assert nidx.shape[1] == 2 and meta['k'] == 2 and meta['source'] == 'va'
    assert (nidx != np.arange(len(nidx))[:, None]).all()  # self excluded
    state = safe_load(straight / 'epoch_2.pth')['method_state']
    lam = state['lam_hat'].reshape(-1)
    assert lam.shape == (len(nidx),)
    assert (lam != 0.5).all()  # every row was in a batch (2 epochs, no drop_last)
    assert state['centres'].abs().sum() > 0
    assert state['fingerprint']['knn_sha256'] == meta['knn_sha256']
    losses = [row['loss'] for _, row in sorted(_scalars(straight).items())]
    assert len(losses) == 6 and all(np.isfinite(losses))


def _kill_and_resume(synfer_workdir, name, base=TINY, extra=''):
    config = _config(synfer_workdir, f'{name}.py', kill_at=1, base=base, extra=extra)
    killed = synfer_workdir / 'runs' / name
    proc = run(train_cmd(config, '--work-dir', f'runs/{name}'), cwd=synfer_workdir, check=False)
    assert proc.returncode == -9, proc.stderr[-3000:]
    assert (killed / 'epoch_1.pth').is_file() and not (killed / 'epoch_2.pth').is_file()
    run(train_cmd(config, '--work-dir', f'runs/{name}', '--resume'), cwd=synfer_workdir)
    return config, killed


def _assert_same_run(straight, killed, keys=('lam_hat', 'lam_velocity', 'centres'), epoch=2):
    from basicda.engine.checkpoint import safe_load

    a = safe_load(straight / f'epoch_{epoch}.pth')
    b = safe_load(killed / f'epoch_{epoch}.pth')
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key in a['state_dict']:
        assert torch.equal(a['state_dict'][key], b['state_dict'][key]), key
    for key in keys:
        assert torch.equal(a['method_state'][key], b['method_state'][key]), key
    assert a['method_state']['fingerprint'] == b['method_state']['fingerprint']
    for sa, sb in zip(a['optimizer']['state'].values(), b['optimizer']['state'].values()):
        assert torch.equal(sa['exp_avg'], sb['exp_avg'])
    assert _scalars(killed) == _scalars(straight)


def test_resume_after_sigkill_is_bit_identical(straight, synfer_workdir):
    config, killed = _kill_and_resume(synfer_workdir, 'ldl_killed')
    _assert_same_run(straight, killed)

    # another neighbour table (K = 3) in the same run folder is refused on resume
    proc = run(train_cmd(config, '--work-dir', 'runs/ldl_killed', '--resume', '--cfg-options',
                         'train_dataloader.dataset.num_neighbours=3'),
               cwd=synfer_workdir, check=False)
    assert proc.returncode != 0
    assert 'knn.json: k is 2 but this run has 3' in proc.stderr + proc.stdout


def _resumed_log(work):
    """The part of ``logs/train.log`` the resumed process wrote."""
    log = (work / 'logs' / 'train.log').read_text()
    assert log.count('resumed epoch: 1') == 1
    return log[log.index('resumed epoch: 1'):]


@pytest.fixture(scope='module')
def bank_straight(synfer_workdir):
    """3 epochs in bank mode, the bank refreshed before epochs 0 and 2 (interval 2)."""
    config = _config(synfer_workdir, 'ldl_bank_straight.py', base=TINY_BANK)
    run(['bash', SCRIPT, 'ldl_bank_straight', config], cwd=synfer_workdir)
    return synfer_workdir / 'runs' / 'ldl_bank_straight'


def test_bank_mode_through_the_script_and_resume(bank_straight, synfer_workdir):
    """A resume at epoch 1 (between two refreshes) continues from the checkpoint's bank,
    not one refreshed from the resumed model, and ends bit-identical."""
    from basicda.engine.checkpoint import safe_load

    log = (bank_straight / 'logs' / 'train.log').read_text()
    assert 'epoch 0: bank refreshed' in log and 'epoch 2: bank refreshed' in log
    assert 'epoch 1: bank refreshed' not in log
    state = safe_load(bank_straight / 'epoch_3.pth')['method_state']
    assert bool(state['bank_filled'].all()) and state['bank_prob'].shape[1] == 7
    torch.testing.assert_close(state['bank_prob'].sum(1), torch.ones(len(state['bank_prob'])))
    _, killed = _kill_and_resume(synfer_workdir, 'ldl_bank_killed', base=TINY_BANK)
    text = _resumed_log(killed)
    assert 'epoch 1: bank refreshed' not in text and 'epoch 2: bank refreshed' in text
    assert 'without the bank' not in text
    _assert_same_run(bank_straight, killed, keys=('lam_hat', 'lam_velocity', 'centres',
                                                  'bank_feat', 'bank_prob'), epoch=3)


def test_bank_left_out_of_the_checkpoint_is_refreshed_on_resume(bank_straight, synfer_workdir):
    """model.bank_in_checkpoint=False: no bank tensors in the checkpoint (smaller by about
    their size); the resume at epoch 1 refreshes the bank from the resumed model and warns."""
    from basicda.engine.checkpoint import safe_load

    _, killed = _kill_and_resume(synfer_workdir, 'ldl_bank_nobank', base=TINY_BANK,
                                 extra='model = dict(bank_in_checkpoint=False)\n'
                                 'train_cfg = dict(max_epochs=2)\n')
    full = safe_load(bank_straight / 'epoch_1.pth')['method_state']
    lean = safe_load(killed / 'epoch_1.pth')['method_state']
    assert not {'bank_feat', 'bank_prob', 'bank_filled'} & set(lean)
    assert lean['bank_in_checkpoint'] is False
    bank_bytes = sum(full[k].numel() * full[k].element_size()
                     for k in ('bank_feat', 'bank_prob', 'bank_filled'))
    saved = (bank_straight / 'epoch_1.pth').stat().st_size - (killed / 'epoch_1.pth').stat().st_size
    assert saved >= 0.9 * bank_bytes, (saved, bank_bytes)
    text = _resumed_log(killed)
    assert 'WARNING' in text and ('resumed at epoch 1 from a checkpoint without the bank '
                                  '(model.bank_in_checkpoint=False)') in text
    assert 'off the refresh interval 2' in text and 'epoch 1: bank refreshed' in text
    end = safe_load(killed / 'epoch_2.pth')['method_state']
    assert 'bank_feat' not in end and (killed / 'results.json').is_file()


def test_occlusion_grid_and_trust_of_the_run(straight, synfer_workdir):
    """``ferda occlusion`` writes occlusion.csv (a clean row + one per shape x colour, per
    dataset; the clean row equals the run's own final test), ``ferda trust`` trust.csv/json
    (lambda = sigmoid of the checkpoint's lambda_hat, the flipped row found by its id)."""
    from basicda.engine.checkpoint import safe_load

    config = str(straight / 'ldl_straight.py')
    ckpt = str(straight / 'epoch_2.pth')
    run(['python', '-m', 'ferda.tools.cli', 'occlusion', config, ckpt, '--data', 'lab_test',
         'wild_test', '--shapes', 'rect', '--colours', 'black', 'noise'], cwd=synfer_workdir)
    lines = (straight / 'occlusion.csv').read_text().splitlines()
    assert lines[0] == 'shape,colour,dataset,accuracy,mca,macro_f1,n'
    rows = [line.split(',') for line in lines[1:]]
    assert [r[:3] for r in rows] == [
        ['none', 'none', 'lab_test'], ['none', 'none', 'wild_test'],
        ['rect', 'black', 'lab_test'], ['rect', 'black', 'wild_test'],
        ['rect', 'noise', 'lab_test'], ['rect', 'noise', 'wild_test']]
    assert all(0 <= float(v) <= 1 for r in rows for v in r[3:6])
    metrics = json.loads((straight / 'results.json').read_text())['metrics']
    assert float(rows[0][3]) == pytest.approx(metrics['lab_test']['accuracy'], abs=1e-6)
    assert float(rows[1][3]) == pytest.approx(metrics['wild_test']['accuracy'], abs=1e-6)

    state = safe_load(ckpt)['method_state']
    trust_csv = straight / 'trust.csv'
    # a flips file naming the first training row (as ferda noise writes it, with .jpg)
    flips = synfer_workdir / 'one.flips.csv'
    run(['python', '-m', 'ferda.tools.cli', 'trust', config, ckpt], cwd=synfer_workdir)
    first = trust_csv.read_text().splitlines()[1].split(',')[0]
    flips.write_text(f'row,line,id,old,new\n0,1,{first}.jpg,1,2\n')
    run(['python', '-m', 'ferda.tools.cli', 'trust', config, ckpt, '--flips', str(flips)],
        cwd=synfer_workdir)
    lines = trust_csv.read_text().splitlines()
    assert lines[0] == 'sample_id,label,lambda,flipped'
    lam = torch.sigmoid(state['lam_hat'].reshape(-1).double()).numpy()
    assert len(lines) - 1 == len(lam)
    np.testing.assert_allclose([float(r.split(',')[2]) for r in lines[1:]], lam, atol=1e-6)
    assert [r.split(',')[3] for r in lines[1:]] == ['1'] + ['0'] * (len(lam) - 1)
    report = json.loads((straight / 'trust.json').read_text())
    assert report['n_flipped'] == 1 and report['n_flipped_not_in_train'] == 0
    assert report['lambda_mean_flipped'] == pytest.approx(lam[0], abs=1e-9)


def test_trust_blend_reports_the_ambiguity_kl(straight, synfer_workdir):
    """``ferda trust --blend``: over the training rows SynFER blended from two classes, the
    mean KL from the blend weights to LDL's target and to the one-hot label. Counts and the
    one-hot number are recomputed from synfer_meta.csv and trust.csv with numpy."""
    import csv

    config = str(straight / 'ldl_straight.py')
    ckpt = str(straight / 'epoch_2.pth')
    proc = run(['python', '-m', 'ferda.tools.cli', 'trust', config, ckpt, '--blend',
                '--out', str(synfer_workdir / 'kl')], cwd=synfer_workdir)
    report = json.loads((synfer_workdir / 'kl' / 'ambiguity_kl.json').read_text())
    assert 'mean KL(blend || target)' in proc.stdout and 'LDL target t' in proc.stdout
    rows = [r.split(',') for r in (synfer_workdir / 'kl' / 'trust.csv').read_text().split()[1:]]
    ids, labels = [r[0] for r in rows], np.array([int(r[1]) for r in rows])
    with open(synfer_workdir / 'data' / 'synfer' / 'lab' / 'synfer_meta.csv') as f:
        meta = {r['sample_id']: r for r in csv.DictReader(f)}
    names = ('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral')
    w = np.array([[float(meta[i][f'w_{n}']) for n in names] for i in ids])
    w /= w.sum(1, keepdims=True)
    amb = (w > 0).sum(1) >= 2
    assert report['n'] == len(ids) and report['n_ambiguous'] == int(amb.sum()) > 0
    onehot = np.eye(7)[labels[amb]]
    with np.errstate(divide='ignore', invalid='ignore'):
        kl_1 = np.where(w[amb] > 0, w[amb] * np.log(w[amb] / (onehot + 1e-10)), 0).sum(1)
    assert report['kl_onehot_mean'] == pytest.approx(kl_1.mean(), rel=1e-9)
    # t keeps (1 - lambda) of its mass on the neighbours' softmax, so it is far closer
    assert 0 < report['kl_target_mean'] < report['kl_onehot_mean']
    assert report['frac_target_closer'] == 1.0

    # a config whose training reader reads no synfer_meta.csv must name the file
    from ferda.tools.trust import _blend_file
    with pytest.raises(SystemExit, match=r'reads no synfer_meta.csv; name the blend-weight '
                                         r'file: --blend META_CSV'):
        _blend_file(dict(type='RafDbReader'), 'auto', 'x.py')
