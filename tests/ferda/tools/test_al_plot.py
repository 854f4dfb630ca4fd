"""ferda al-plot on tiny fake run folders: grouping by (strategy, init), means and sample
stds over seeds against numpy, the PNG and table, and clear errors."""
import json
import os

import numpy as np
import pytest

from basicda.active.plot import group_curves
from ferda.tools.al_plot import main, read_al_run

SCHEDULE = [4, 6, 8]


def _fake_run(root, name, strategy, init, seed, oa, schedule=SCHEDULE, seed_key='randomness'):
    run = root / name
    (run / 'al').mkdir(parents=True)
    rows = [dict(round=r, n_labelled=n, fraction=n / 42, oa=float(v), mca=float(v) / 2,
                 macro_f1=0.1, epochs=2, stop_reason='max_epochs', select_s=0.0, train_s=0.0,
                 seed=123) for r, (n, v) in enumerate(zip(schedule, oa))]
    (run / 'al' / 'rounds.json').write_text(json.dumps(rows))
    seed_line = (f'randomness = dict(seed={seed})\n' if seed_key == 'randomness' else '')
    train_seed = f', seed={seed}' if seed_key == 'train_cfg' else ''
    (run / 'tiny_al.py').write_text(
        f"train_cfg = dict(type='ActiveLearningLoop', strategy={strategy!r}, "
        f"round_init={init!r}{train_seed})\n" + seed_line)
    return str(run)


@pytest.fixture
def runs(tmp_path):
    rng = np.random.default_rng(0)
    values = {('margin', 'pretrained'): rng.random((3, 3)),
              ('margin', 'scratch'): rng.random((2, 3)),
              ('random', 'scratch'): rng.random((1, 3))}
    dirs = []
    for (strategy, init), vals in values.items():
        for seed, oa in enumerate(vals):
            dirs.append(_fake_run(tmp_path, f'{strategy}_{init}_{seed}', strategy, init, seed, oa,
                                  seed_key='train_cfg' if seed == 1 else 'randomness'))
    return dirs, values


def test_groups_means_and_stds_match_numpy(runs):
    dirs, values = runs
    groups = group_curves([read_al_run(d) for d in dirs])
    assert list(groups) == sorted(values)
    for key, vals in values.items():
        g = groups[key]
        assert g['seeds'] == list(range(len(vals)))
        np.testing.assert_allclose(g['mean'], np.mean(vals, axis=0), rtol=1e-12)
        expected_std = np.std(vals, axis=0, ddof=1) if len(vals) > 1 else np.zeros(3)
        np.testing.assert_allclose(g['std'], expected_std, rtol=1e-12)
        assert g['n_labelled'].tolist() == SCHEDULE
        np.testing.assert_allclose(g['fraction'], np.array(SCHEDULE) / 42)
    mca = group_curves([read_al_run(d) for d in dirs], metric='mca')
    np.testing.assert_allclose(mca['margin', 'scratch']['mean'],
                               np.mean(values['margin', 'scratch'], axis=0) / 2, rtol=1e-12)


def test_cli_writes_png_and_table(runs, tmp_path, capsys):
    dirs, values = runs
    out = str(tmp_path / 'curves.png')
    assert main([*dirs, '--out', out]) == 0
    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    table = (tmp_path / 'curves.md').read_text()
    assert table == capsys.readouterr().out.split('[ferda al-plot]')[0]
    vals = values['margin', 'pretrained']
    last = f'{100 * vals[:, -1].mean():.2f} ± {100 * np.std(vals[:, -1], ddof=1):.2f}'
    means = vals.mean(axis=1)
    over = f'{100 * means.mean():.2f} ± {100 * np.std(means, ddof=1):.2f}'
    assert f'| margin | pretrained | 3 | 3 | {last} | {over} |' in table


def test_a_shorter_run_truncates_the_group(tmp_path):
    a = _fake_run(tmp_path, 'a', 'entropy', 'scratch', 0, [0.2, 0.4, 0.6])
    b = _fake_run(tmp_path, 'b', 'entropy', 'scratch', 1, [0.4, 0.6], schedule=SCHEDULE[:2])
    g = group_curves([read_al_run(a), read_al_run(b)])['entropy', 'scratch']
    np.testing.assert_allclose(g['mean'], [0.3, 0.5])


def test_bad_runs_raise_clear_errors(tmp_path):
    a = _fake_run(tmp_path, 'a', 'entropy', 'scratch', 0, [0.2, 0.4, 0.6])
    b = _fake_run(tmp_path, 'b', 'entropy', 'scratch', 1, [0.2, 0.4, 0.6], schedule=[4, 7, 8])
    with pytest.raises(ValueError, match='different numbers of labels'):
        group_curves([read_al_run(a), read_al_run(b)])
    c = _fake_run(tmp_path, 'c', 'entropy', 'scratch', 0, [0.2, 0.4, 0.6])
    with pytest.raises(ValueError, match=r'seed\(s\) \[0\] given twice'):
        group_curves([read_al_run(a), read_al_run(c)])
    os.remove(os.path.join(c, 'al', 'rounds.json'))
    with pytest.raises(FileNotFoundError, match='no al/rounds.json'):
        read_al_run(c)
