"""``ferda results`` on tiny fake run folders: a results.json and a dumped config each."""
import csv
import io
import json
import os
import os.path as osp

import numpy as np
import pytest

from ferda.tools.results import (RunError, build_table, format_csv, format_md, group_records,
                                 main, parse_config_name, read_run, run_records)

CLASSES = ('Surprise', 'Fear', 'Happiness')
EERCL = 'eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py'
CLUP = 'clup_resnet18_1xb32-swav-30e_synfer-lab-to-wild.py'


def _metrics(acc, support=(4, 4, 2), rng=None):
    """One dataset's metrics block as ResultsWriterHook writes it (3 classes)."""
    rng = rng or np.random.default_rng(0)
    recall = rng.uniform(0, 1, len(CLASSES))
    confusion = [[0] * len(support) for _ in support]
    for i, n in enumerate(support):
        confusion[i][i] = n
    out = dict(accuracy=acc, mca=acc - 0.05, macro_f1=acc - 0.1, ce=1.0, confusion=confusion)
    out.update({f'recall/{c}': float(r) for c, r in zip(CLASSES, recall)})
    return out


def fake_run(root, name, config, seed, acc, oracle_acc, support=(4, 4, 2), data_seed=0,
             selectors=None):
    """A finished run folder ``root/name`` reading data generated with ``data_seed``."""
    run = osp.join(str(root), name)
    data = osp.join(str(root), f'data-seed{data_seed}', 'wild')
    os.makedirs(data, exist_ok=True)
    with open(osp.join(data, 'synfer.json'), 'w') as f:
        json.dump(dict(seed=data_seed), f)
    os.makedirs(run)
    with open(osp.join(run, config), 'w') as f:
        f.write(f'randomness = dict(seed={seed})\n'
                f'test_dataloader = dict(dataset=dict(reader=dict(data_root={data!r})))\n')
    rng = np.random.default_rng(seed + 100 * data_seed)
    res = dict(checkpoint='best.pth', selection='lab_val/accuracy',
               metrics=dict(wild_test=_metrics(acc, support, rng),
                            lab_val=_metrics(0.9, (2, 2, 2), rng)),
               oracle=dict(wild_test=dict(accuracy=oracle_acc, step=6)))
    if selectors:
        res['selectors'] = {k: dict(wild_test=dict(accuracy=v)) for k, v in selectors.items()}
    with open(osp.join(run, 'results.json'), 'w') as f:
        json.dump(res, f)
    return run


@pytest.fixture
def runs(tmp_path):
    acc = {'eercl': [0.61, 0.55, 0.64], 'clup': [0.50, 0.52, 0.47]}
    out = []
    for method, config in (('eercl', EERCL), ('clup', CLUP)):
        for seed, a in enumerate(acc[method]):
            out.append(fake_run(tmp_path, f'{method}_s{seed}', config, seed, a, a + 0.05,
                                data_seed=seed % 2))
    return out


def _csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_parse_config_name():
    assert parse_config_name(CLUP) == dict(method='clup', backbone='resnet18', recipe='swav-30e',
                                           source='synfer-lab', target='wild')
    assert parse_config_name('source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres'
                             )['target'] == 'wild-lowres'
    with pytest.raises(ValueError, match=r"config name 'tiny_eercl_synfer' does not follow"):
        parse_config_name('tiny_eercl_synfer.py')


def test_run_identity_comes_from_the_run(runs):
    run = read_run(runs[4])
    assert (run['method'], run['backbone'], run['recipe']) == ('clup', 'resnet18', 'swav-30e')
    assert (run['seed'], run['data_seed']) == (1, 1)  # randomness.seed and synfer.json


def test_mean_std_over_seeds_against_numpy(runs, tmp_path):
    table = main(runs + ['--datasets', 'wild_test', '--format', 'csv',
                         '--out', str(tmp_path / 'out')])
    rows = _csv_rows(open(tmp_path / 'out' / 'results.csv').read())
    assert [(r['method'], r['dataset']) for r in rows] == [('eercl', 'wild_test'),
                                                           ('clup', 'wild_test')]
    eercl = np.array([0.61, 0.55, 0.64])
    assert float(rows[0]['accuracy mean']) == pytest.approx(eercl.mean(), abs=1e-12)
    assert float(rows[0]['accuracy std']) == pytest.approx(eercl.std(ddof=1), abs=1e-12)
    assert rows[0]['accuracy n'] == '3'
    oracle = eercl + 0.05
    assert float(rows[0]['accuracy (oracle) mean']) == pytest.approx(oracle.mean(), abs=1e-12)
    assert rows[1]['seeds'] == '0 1 2' and rows[1]['data_seeds'] == '0 1'
    assert osp.getsize(tmp_path / 'out' / 'results_bars.png') > 1000
    assert 'accuracy (oracle)' in table['columns']


def test_every_number_comes_from_a_results_json(runs, tmp_path):
    """Recompute every csv cell from the results.json files of the runs that row names."""
    table = build_table(group_records(sum((run_records(read_run(r)) for r in runs), []),
                                      ('method', 'dataset')),
                        ('accuracy', 'mca', 'macro_f1'), per_class=True)
    rows = _csv_rows(format_csv(table))
    assert len(rows) == 4  # 2 methods x (wild_test, lab_val)
    checked = 0
    for row in rows:
        res = [json.load(open(osp.join(r, 'results.json'))) for r in row['runs'].split()]
        for column in table['columns']:
            name = column.replace(' (oracle)', '')
            block = 'oracle' if column.endswith('(oracle)') else 'metrics'
            if row[f'{column} mean'] == '':  # lab_val has no oracle: an empty cell
                assert all(row['dataset'] not in r[block] for r in res)
                continue
            values = np.array([r[block][row['dataset']][name] for r in res])
            assert float(row[f'{column} mean']) == pytest.approx(values.mean(), abs=1e-12)
            assert int(row[f'{column} n']) == len(values)
            checked += 1
    assert checked >= 4 * 6  # 3 metrics + 3 recalls at least, per row
    md = format_md(table)
    assert 'accuracy (oracle, target labels)' in md and '60.0 ± 4.6 (n=3)' in md  # hand: mean .6, std sqrt(.0042 / 2)


def test_per_class_recall_heatmap(runs, tmp_path):
    table = main(runs + ['--per-class', '--format', 'md,tex', '--out', str(tmp_path / 'o')])
    assert 'recall/Fear' in table['columns']
    assert osp.getsize(tmp_path / 'o' / 'results_recall.png') > 1000
    assert osp.getsize(tmp_path / 'o' / 'results_confusion.png') > 1000
    tex = open(tmp_path / 'o' / 'results.tex').read()
    assert r'$\pm$' in tex and 'oracle, target labels' in tex
    md = open(tmp_path / 'o' / 'results.md').read()
    assert md.startswith('Made by `ferda results ')


def test_selectors_sit_beside_last_and_oracle(tmp_path):
    runs = [fake_run(tmp_path, f'r{s}', EERCL, s, 0.5 + s / 10, 0.8, data_seed=s,
                     selectors=dict(entropy=0.6 + s / 10, last=0.4)) for s in range(2)]
    table = main(runs + ['--datasets', 'wild_test', '--metrics', 'accuracy', '--format', 'csv'])
    assert table['columns'] == ['accuracy', 'accuracy [entropy]', 'accuracy [last]',
                                'accuracy (oracle)']
    assert table['rows'][0]['cells']['accuracy [entropy]'][0] == pytest.approx(0.65)


def test_refuses_incomplete_runs(runs, tmp_path):
    os.remove(osp.join(runs[0], 'results.json'))
    with pytest.raises(RunError, match=r'eercl_s0: incomplete run, no results\.json'):
        read_run(runs[0])
    # resumed after results.json was written and not finished again
    ckpt = osp.join(runs[1], 'iter_12.pth')
    open(ckpt, 'w').close()
    os.utime(osp.join(runs[1], 'results.json'), (1, 1))
    with open(osp.join(runs[1], 'last_checkpoint'), 'w') as f:
        f.write(ckpt)
    with pytest.raises(RunError, match=r'incomplete run, iter_12\.pth is newer than results'):
        read_run(runs[1])


def test_refuses_runs_that_disagree_on_the_evaluation_set(runs, tmp_path):
    odd = fake_run(tmp_path, 'eercl_s9', EERCL, 9, 0.6, 0.7, support=(4, 3, 2))
    records = sum((run_records(read_run(r), ['wild_test']) for r in runs[:3] + [odd]), [])
    with pytest.raises(RunError, match=r'runs disagree on the evaluation set wild_test: .*'
                       r'eercl_s0 has images per class \[4, 4, 2\].*eercl_s9 has \[4, 3, 2\]'):
        group_records(records, ('method', 'dataset'))


def test_refuses_a_group_that_mixes_recipes_or_repeats_a_seed(runs, tmp_path, capsys):
    other = fake_run(tmp_path, 'eercl_aad', EERCL.replace('200it', '200it-aad-only'), 7,
                     0.6, 0.7)
    records = sum((run_records(read_run(r), ['wild_test']) for r in runs[:3] + [other]), [])
    with pytest.raises(RunError, match=r"runs differ in recipe \(\['200it', '200it-aad-only'\]\)"):
        group_records(records, ('method', 'dataset'))
    assert len(group_records(records, ('method', 'recipe', 'dataset'))) == 2
    again = fake_run(tmp_path, 'eercl_again', EERCL, 0, 0.6, 0.7)
    with pytest.raises(SystemExit, match='2'):
        main([runs[0], again, '--datasets', 'wild_test'])
    assert 'have the same seed 0 and data seed 0' in capsys.readouterr().err


def test_model_selection_table_against_hand_worked_gaps(tmp_path, capsys):
    """Two source-free runs with last / entropy / im / snd and the oracle, and a source-only run
    without selectors (left out). Gaps to the oracle and differences from last by hand."""
    values = [dict(last=0.50, entropy=0.55, im=0.50, snd=0.40, oracle=0.60),
              dict(last=0.70, entropy=0.65, im=0.72, snd=0.70, oracle=0.75)]
    runs = [fake_run(tmp_path, f'r{s}', EERCL, s, v['last'], v.pop('oracle'), data_seed=s,
                     selectors=v) for s, v in enumerate(values)]
    runs.append(fake_run(tmp_path, 'src', 'source-only_resnet18_1xb64-scratch-30e_synfer-lab.py',
                         0, 0.4, 0.45))
    out = tmp_path / 'tables'
    table = main(runs + ['--datasets', 'wild_test', '--metrics', 'accuracy', '--selection',
                         '--group-by', 'method,source,target,dataset', '--format', 'md',
                         '--out', str(out)])
    sel = table['selection']
    assert sel['selectors'] == ['last', 'entropy', 'im', 'snd']
    assert [r['run'] for r in sel['rows']] == runs[:2]
    expect = dict(  # oracle - selector; selector - last
        last=(0.075, 0.10, 0.0, 0, 2, 0), entropy=(0.075, 0.10, 0.0, 1, 0, 1),
        im=(0.065, 0.10, 0.01, 1, 1, 0), snd=(0.125, 0.20, -0.05, 0, 1, 1))
    for name, (gap, worst, vs_last, above, level, below) in expect.items():
        q = sel['summary'][name]
        assert (q['gap_mean'], q['gap_max'], q['vs_last_mean']) == pytest.approx(
            (gap, worst, vs_last)), name
        assert (q['above'], q['level'], q['below'], q['n']) == (above, level, below, 2), name
    md = (out / 'results_selection.md').read_text()
    assert md.startswith('Made by `ferda results ')
    assert '| eercl | resnet18-bottleneck | 200it | synfer-lab | wild | wild_test | 1 | 1 ' \
           '| 70.0 | 65.0 | 72.0 | 70.0 | 75.0 |' in md
    assert '| snd | 12.5 | 20.0 | -5.0 | 0 / 1 / 1 | 2 |' in md
    rows = _csv_rows((out / 'results_selection.csv').read_text())
    assert [float(r['accuracy oracle']) for r in rows] == [0.60, 0.75]
    # only runs without selectors: refused with the reason
    with pytest.raises(SystemExit):
        main([runs[2], '--selection'])
    assert 'no run recorded label-free selectors' in capsys.readouterr().err


def test_seeds_are_listed_in_numeric_order(tmp_path):
    runs = [fake_run(tmp_path, f'r{d}', EERCL, 0, 0.5, 0.6, data_seed=d,
                     selectors=dict(last=0.5)) for d in (13, 0, 7)]
    table = main(runs + ['--datasets', 'wild_test', '--metrics', 'accuracy', '--selection',
                         '--format', 'csv'])
    assert table['rows'][0]['data_seeds'] == [0, 7, 13]  # not '0', '13', '7'
    assert [r['data_seed'] for r in table['selection']['rows']] == [0, 7, 13]


def test_bars_put_runs_of_one_evaluation_set_side_by_side(tmp_path):
    """The source-only model (lab -> wild-lowres) and a method (lab -> wild) both evaluated
    on wild_test share one cluster when the table is grouped by dataset."""
    from ferda.tools.results import bar_clusters
    source = 'source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py'
    runs = [fake_run(tmp_path, 'src', source, 0, 0.4, 0.45),
            fake_run(tmp_path, 'e', EERCL, 0, 0.6, 0.65)]
    table = main(runs + ['--datasets', 'wild_test', '--metrics', 'accuracy', '--group-by',
                         'method,source,target,dataset', '--format', 'csv'])
    clusters, methods, bars = bar_clusters(table, 'accuracy')
    assert clusters == ['synfer-lab / wild_test'] and methods == ['source-only', 'eercl']
    assert bars[('synfer-lab / wild_test', 'eercl')][0] == pytest.approx(0.6)
    # without the dataset in the key the target stays
    table = main(runs + ['--metrics', 'accuracy', '--group-by', 'method,source,target',
                         '--datasets', 'wild_test', '--format', 'csv'])
    assert bar_clusters(table, 'accuracy')[0] == ['synfer-lab / wild-lowres', 'synfer-lab / wild']
