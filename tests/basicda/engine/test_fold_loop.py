"""The fold loop: subject-wise fold assignment (pure functions, against scikit-learn
and hand-worked examples), and LOSO over 5 synthetic subjects through train.py:
identical predictions with 1 and 2 processes, and a run killed in the middle of
fold 3 that resumes, skips folds 1-2 and ends with the same pooled metrics."""
import glob
import json
import os.path as osp

import numpy as np
import pytest
import torch

from basicda.engine.loops.fold_loop import fold_seed
from basicda.engine.loops.folds import assign_folds, fold_metrics, fold_split
from tests.conftest import REPO, run, train_cmd

LOSO = osp.join(REPO, 'tests', 'configs', 'tiny_fold_loso.py')


# -- pure functions ------------------------------------------------------------------------

def test_loso_matches_sklearn_leave_one_group_out():
    from sklearn.model_selection import LeaveOneGroupOut

    subjects = ['s3', 's1', 's2', 's1', 's3', 's3', 's2', 's10']
    folds = assign_folds(subjects, 'loso')
    assert folds == [['s1'], ['s10'], ['s2'], ['s3']]  # sorted subject order
    x = np.zeros((len(subjects), 1))
    expected = list(LeaveOneGroupOut().split(x, groups=subjects))
    assert len(expected) == len(folds)
    for held_out, (train, test) in zip(folds, expected):
        ours = fold_split(subjects, held_out)
        assert ours == (train.tolist(), test.tolist())


def test_fold_split_worked_example():
    # samples 0..5 of subjects b a b c a c; holding out b and c leaves a's samples 1, 4
    assert fold_split(['b', 'a', 'b', 'c', 'a', 'c'], ['b', 'c']) == ([1, 4], [0, 2, 3, 5])
    with pytest.raises(ValueError, match=r"held-out subjects \['z'\] have no sample"):
        fold_split(['a', 'b'], ['z'])


def test_kfold_partitions_subjects_deterministically():
    subjects = [i // 3 for i in range(3 * 7)]  # 7 subjects with 3 samples each
    folds = assign_folds(subjects, 'kfold', num_folds=3, seed=5)
    # by hand: numpy's default_rng(5).permutation(7) = [1 4 2 3 6 5 0], cut into
    # contiguous groups of 3, 2, 2 -> {1, 4, 2}, {3, 6}, {5, 0}
    assert np.random.default_rng(5).permutation(7).tolist() == [1, 4, 2, 3, 6, 5, 0]
    assert folds == [[1, 2, 4], [3, 6], [0, 5]]
    assert sorted(s for fold in folds for s in fold) == list(range(7))
    assert assign_folds(subjects, 'kfold', num_folds=3, seed=5) == folds
    assert assign_folds(subjects, 'kfold', num_folds=3, seed=6) != folds
    for fold in folds:  # no subject on both sides
        train, test = fold_split(subjects, fold)
        assert not {subjects[i] for i in train} & {subjects[i] for i in test}


@pytest.mark.parametrize('args, error, match', [
    ((['a', 'b'], 'loo'), ValueError, "must be one of \\('loso', 'kfold'\\), got 'loo'"),
    ((['a', 'a'], 'loso'), ValueError, 'at least 2 distinct subjects'),
    ((['a', 'b'], 'loso', 2), ValueError, "num_folds must be None for scheme='loso'"),
    ((['a', 'b', 'c'], 'kfold', 4), ValueError, r'num_folds in \[2, 3\].*got 4'),
    ((['a', 'b', 'c'], 'kfold'), ValueError, r'num_folds in \[2, 3\].*got None'),
    ((['a', 1], 'loso'), TypeError, 'one type'),
])
def test_bad_fold_arguments(args, error, match):
    with pytest.raises(error, match=match):
        assign_folds(*args)


def test_fold_scalars_names_subjects_in_loso_and_folds_otherwise():
    from basicda.engine.loops.fold_loop import fold_scalars
    per_fold = [dict(fold=1, held_out=['s7'], accuracy=0.5, num_samples=4),
                dict(fold=2, held_out=['s1', 's2'], accuracy=0.25, num_samples=4)]
    assert fold_scalars('kfold', {'accuracy': 0.375, 'n': 8}, {'accuracy': 0.375}, per_fold) == {
        'kfold/pooled/accuracy': 0.375, 'kfold/fold_average/accuracy': 0.375,
        'kfold/subject_s7/accuracy': 0.5, 'kfold/fold_2/accuracy': 0.25}


def test_fold_seed_and_metrics():
    assert fold_seed(0, ['s3']) == fold_seed(0, ['s3']) != fold_seed(0, ['s4'])
    assert fold_seed(1, ['s3']) != fold_seed(0, ['s3'])
    assert fold_seed(0, ['a', 'b']) == fold_seed(0, ['b', 'a'])  # a set of subjects
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

    labels, preds = [0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 2]
    m = fold_metrics(labels, preds, 3)
    assert m['confusion'] == [[1, 1, 0], [0, 2, 0], [1, 0, 2]]
    assert m['accuracy'] == pytest.approx(accuracy_score(labels, preds))
    assert m['mca'] == pytest.approx(balanced_accuracy_score(labels, preds))
    assert m['macro_f1'] == pytest.approx(f1_score(labels, preds, average='macro'))


# -- LOSO through train.py -----------------------------------------------------------------

def _config(folder, name, kill=None):
    path = osp.join(str(folder), name)
    with open(path, 'w') as f:
        f.write(f'_base_ = [{LOSO!r}]\n')
        if kill is not None:
            f.write(f"custom_hooks = [dict(type='KillInFoldHook', fold={kill[0]}, "
                    f'epoch={kill[1]})]\n')
    return path


def _results(work):
    with open(osp.join(str(work), 'results.json')) as f:
        return json.load(f)


def _csvs(work, n=5):
    return [(work / 'folds' / f'{f}.csv').read_bytes() for f in range(1, n + 1)]


@pytest.fixture(scope='module')
def single(tmp_path_factory):
    folder = tmp_path_factory.mktemp('loso')
    run(train_cmd(LOSO, '--work-dir', 'one'), cwd=folder)
    return folder


@pytest.mark.slow
def test_loso_writes_every_fold_and_pooled_metrics(single):
    work = single / 'one'
    results = _results(work)
    assert results['scheme'] == 'loso' and results['num_folds'] == 5
    rows = []
    for fold in range(1, 6):
        lines = (work / 'folds' / f'{fold}.csv').read_text().splitlines()
        assert lines[0] == 'index,subject,label,prediction,score_0,score_1,score_2'
        fold_rows = [line.split(',') for line in lines[1:]]
        assert {r[1] for r in fold_rows} == {f's{fold}'}  # one held-out subject per fold
        for r in fold_rows:  # the prediction is the argmax of the written scores
            assert int(r[3]) == int(np.argmax([float(v) for v in r[4:]]))
        rows += fold_rows
        assert json.loads((work / 'folds' / f'{fold}.json').read_text())['held_out'] == \
            [f's{fold}']
    assert sorted(int(r[0]) for r in rows) == list(range(60))  # every sample once
    labels, preds = [int(r[2]) for r in rows], [int(r[3]) for r in rows]
    # pooled = over all 60 predictions; the fold average = mean of the 5 folds' numbers
    pooled = results['metrics']['pooled']
    assert pooled['accuracy'] == pytest.approx(np.mean(np.equal(labels, preds)))
    per_fold = [np.mean(np.equal(labels[i:i + 12], preds[i:i + 12])) for i in range(0, 60, 12)]
    assert results['metrics']['fold_average']['accuracy'] == pytest.approx(np.mean(per_fold))
    assert [f['accuracy'] for f in results['folds']] == pytest.approx(per_fold)
    # the same numbers as scalars (TensorBoard + vis_data/scalars.json): per subject in LOSO
    (scalars_file,) = glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
    logged = {}
    for line in open(scalars_file):
        logged.update(json.loads(line))
    assert logged['loso/pooled/accuracy'] == pytest.approx(np.mean(np.equal(labels, preds)))
    assert logged['loso/fold_average/accuracy'] == pytest.approx(np.mean(per_fold))
    assert [logged[f'loso/subject_s{f}/accuracy'] for f in range(1, 6)] == \
        pytest.approx(per_fold)


@pytest.mark.slow
def test_loso_one_and_two_processes_give_identical_predictions(single):
    run(['bash', osp.join(REPO, 'experiments', 'train.sh'), 'two', LOSO, '2'], cwd=single,
        env=dict(WORK_DIR='two'))
    assert _csvs(single / 'one') == _csvs(single / 'two')
    assert _results(single / 'one')['metrics'] == _results(single / 'two')['metrics']
    log = (single / 'two' / 'logs' / 'train.log').read_text()
    # rank 0 trained folds 1, 3, 5 (its log is the file); rank 1 trained 2 and 4
    assert 'fold 3/5: held out' in log and 'fold 2/5: held out' not in log


@pytest.mark.slow
def test_kill_in_fold_3_then_resume_skips_folds_1_and_2(single):
    config = _config(single, 'loso_kill.py', kill=(3, 1))
    killed = run(train_cmd(config, '--work-dir', 'killed'), cwd=single, check=False)
    assert killed.returncode == -9, killed.stderr[-2000:]
    work = single / 'killed'
    assert not (work / 'folds' / '3.json').exists() and (work / 'folds' / '3' /
                                                          'epoch_1.pth').exists()
    before = _csvs(work, 2)
    # a changed config cannot continue these folds
    bad = run(train_cmd(config, '--work-dir', 'killed', '--resume', '--cfg-options',
                        'optim_wrapper.optimizer.lr=0.2'), cwd=single, check=False)
    assert bad.returncode != 0 and 'written under another config' in bad.stderr
    run(train_cmd(config, '--work-dir', 'killed', '--resume'), cwd=single)
    log = (work / 'logs' / 'train.log').read_text()
    assert 'fold 1: complete (verified), skipped' in log
    assert 'fold 2: complete (verified), skipped' in log
    assert 'fold 3: resumed from' in log and 'at epoch 1' in log
    assert _csvs(work, 2) == before
    assert _csvs(work) == _csvs(single / 'one')
    assert _results(work)['metrics'] == _results(single / 'one')['metrics']
    # fold 3 ends in the same state: weights, optimiser, schedulers, RNG
    from basicda.engine.checkpoint import safe_load
    a, b = (safe_load(str(w / 'folds' / '3' / 'epoch_3.pth')) for w in (single / 'one', work))
    assert a['meta']['iter'] == b['meta']['iter'] == 18
    for key in a['state_dict']:
        assert torch.equal(a['state_dict'][key], b['state_dict'][key]), key
    assert repr(a['optimizer']) == repr(b['optimizer'])
    assert a['param_schedulers'] == b['param_schedulers']
    assert torch.equal(a['rng_state']['torch'], b['rng_state']['torch'])


@pytest.mark.slow
@pytest.mark.parametrize('extra, match', [
    ("default_hooks = dict(checkpoint=dict(_delete_=True, type='CheckpointHook', interval=1))\n",
     'set default_hooks.checkpoint=None'),
    ('val_cfg = dict()\nval_dataloader = _base_.train_cfg.eval_dataloader\n'
     "val_evaluator = dict(type='ClsMetric', num_classes=3)\n", 'remove val_cfg'),
    ("load_from = 'pretrained.pth'\n", 'train_cfg.init_checkpoint'),
])
def test_fold_loop_refuses_a_checkpoint_hook_a_validation_loop_and_load_from(tmp_path, extra, match):
    config = tmp_path / 'bad.py'
    config.write_text(f'_base_ = [{LOSO!r}]\n' + extra)
    bad = run(train_cmd(str(config), '--work-dir', 'bad'), cwd=tmp_path, check=False)
    assert bad.returncode != 0 and match in bad.stderr, bad.stderr[-2000:]


@pytest.mark.slow
def test_every_fold_starts_from_init_checkpoint_and_metric_is_pluggable(tmp_path):
    """With lr = 0 every fold's model stays the init checkpoint, so every held-out
    score is that model's output (oracle: a direct forward); the registered metric
    replaces the default, pooled over all rows and averaged over folds."""

    from tests.basicda.engine.loop_toys import ToyMLP, ToySubjectDataset

    torch.manual_seed(7)
    model = ToyMLP()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'init.pth')
    run(train_cmd(LOSO, '--work-dir', 'init', '--cfg-options',
                  f'train_cfg.init_checkpoint={tmp_path / "init.pth"}',
                  'optim_wrapper.optimizer.lr=0', 'train_cfg.metric.type=toy_error_count'),
        cwd=tmp_path)
    with torch.no_grad():
        expected = model(ToySubjectDataset().x).numpy()  # (60, 3)
    rows = [line.split(',') for f in range(1, 6) for line in
            (tmp_path / 'init' / 'folds' / f'{f}.csv').read_text().splitlines()[1:]]
    scores = np.array([[float(v) for v in r[4:]] for r in rows])
    index = [int(r[0]) for r in rows]
    np.testing.assert_allclose(scores, expected[index], rtol=1e-6, atol=1e-6)
    errors = sum(int(r[2] != r[3]) for r in rows)
    results = _results(tmp_path / 'init')
    assert results['metrics']['pooled'] == dict(errors=float(errors), error_rate=errors / 60,
                                                n=60)
    per_fold = [f['error_rate'] for f in results['folds']]
    assert results['metrics']['fold_average'] == dict(
        errors=pytest.approx(errors / 5), error_rate=pytest.approx(np.mean(per_fold)))


@pytest.mark.slow
def test_two_process_kill_in_fold_3_then_resume(single):
    """Rank 0 kills itself right after fold 3's epoch-1 checkpoint; torchrun then stops
    rank 1 wherever it is in fold 2 or 4. Whatever rank 1 had written, the resumed
    2-process run ends with the predictions and metrics of the uninterrupted run."""
    config = _config(single, 'loso_kill2.py', kill=(3, 1))
    script = osp.join(REPO, 'experiments', 'train.sh')
    killed = run(['bash', script, 'killed2', config, '2'], cwd=single, check=False,
                 env=dict(WORK_DIR='killed2'))
    assert killed.returncode != 0
    work = single / 'killed2'
    assert (work / 'folds' / '1.json').exists() and not (work / 'folds' / '3.json').exists()
    run(['bash', script, 'killed2', config, '2', '--resume'], cwd=single,
        env=dict(WORK_DIR='killed2'))
    log = (work / 'logs' / 'train.log').read_text()
    assert 'fold 1: complete (verified), skipped' in log
    assert 'fold 3: resumed from' in log
    assert _csvs(work) == _csvs(single / 'one')
    assert _results(work)['metrics'] == _results(single / 'one')['metrics']


@pytest.mark.slow
def test_kfold_pools_unequal_folds_unlike_the_fold_average(tmp_path):
    run(train_cmd(LOSO, '--work-dir', 'k2', '--cfg-options', 'train_cfg.scheme=kfold',
                  'train_cfg.num_folds=2'), cwd=tmp_path)
    from tests.basicda.engine.loop_toys import ToySubjectDataset

    results = _results(tmp_path / 'k2')
    expected = assign_folds(ToySubjectDataset().subjects, 'kfold', num_folds=2, seed=0)
    assert [f['held_out'] for f in results['folds']] == expected
    rows = [line.split(',') for f in (1, 2) for line in
            (tmp_path / 'k2' / 'folds' / f'{f}.csv').read_text().splitlines()[1:]]
    correct = [r[2] == r[3] for r in rows]
    sizes = [12 * len(held) for held in expected]  # 12 samples per subject: 36 and 24
    assert len(rows) == sum(sizes) == 60
    assert results['metrics']['pooled']['accuracy'] == pytest.approx(np.mean(correct))
    per_fold = [np.mean(correct[:sizes[0]]), np.mean(correct[sizes[0]:])]
    assert results['metrics']['fold_average']['accuracy'] == pytest.approx(np.mean(per_fold))
