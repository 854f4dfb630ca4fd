"""``ferda benchmark``: the plan of a matrix, the shared source models, reuse of finished cells,
and the table at the end, with a fake ``run_pipeline`` that writes what a finished pipeline
leaves (the pipeline's own reuse and resume are tested in test_pipeline.py); and one real tiny
cell that trains (tests/configs/benchmark/)."""
import json
import os
import os.path as osp

import pytest

import ferda.tools.benchmark as benchmark
from tests.conftest import REPO
from tests.ferda.tools.test_results import _metrics

BENCH = osp.join(REPO, 'configs', 'benchmarks', 'synfer.py')
BENCH_R18 = osp.join(REPO, 'configs', 'benchmarks', 'synfer_resnet18.py')
EERCL_WILD = 'configs/eercl/eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py'
EERCL_LOWRES = 'configs/eercl/eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-lowres.py'
CLUP_WILD = 'configs/clup/clup_resnet18_1xb32-source-init-30e_synfer-lab-to-wild.py'


def test_the_synfer_benchmark_plan_shares_one_slim_source_model_per_seed(monkeypatch):
    from mmengine.config import Config
    monkeypatch.chdir(REPO)
    cells = benchmark.plan_matrix(Config.fromfile(BENCH).to_dict(), benchmark._stages_of)
    assert len(cells) == 3 * 1 * 4  # data seeds x seeds x {eercl, clup} x {wild, lowres}
    by_exp = {c['exp']: c for c in cells}
    assert by_exp['d13/s0/eercl_wild']['reuse'] == {}
    # the slim source-only model is trained by the first cell and handed to the other three;
    # CluP's pseudo-label stage needs the source, so it is never shared
    for other in ('eercl_lowres', 'clup_wild', 'clup_lowres'):
        assert by_exp[f'd13/s0/{other}']['reuse'] == {'source': 'd13/s0/eercl_wild'}
    assert {c['config'].split('/')[1] for c in cells} == {'demo'}


def test_the_resnet18_benchmark_plan_shares_each_seeds_source_model(monkeypatch):
    from mmengine.config import Config
    monkeypatch.chdir(REPO)
    bench = Config.fromfile(BENCH_R18).to_dict()
    cells = benchmark.plan_matrix(bench, benchmark._stages_of)
    assert len(cells) == 3 * 1 * 3  # data seeds x seeds x (eercl wild, lowres; clup wild)
    by_exp = {c['exp']: c for c in cells}
    assert by_exp['d7/s0/eercl_wild']['reuse'] == {}
    assert by_exp['d7/s0/eercl_lowres']['reuse'] == {'source': 'd7/s0/eercl_wild'}
    # CluP's source is the source-only model, not EERCL's bottleneck one; its pseudo-label
    # stage needs the source, so it is never shared
    assert by_exp['d7/s0/clup_wild']['reuse'] == {}
    with pytest.raises(ValueError, match=r"\['seeds'\] must be given"):
        benchmark.plan_matrix(dict(bench, seeds=[]), benchmark._stages_of)


def _fake_pipeline(calls):
    """Writes the run folders a finished ``ferda pipeline`` leaves: per stage run and for the
    method a results.json, the dumped config (named as the config, seed from --seed, the data
    root from SYNFER_ROOT) and DONE."""
    def write_run(work, config, seed, accuracy):
        os.makedirs(work, exist_ok=True)
        data = os.environ['SYNFER_ROOT'] + '/wild'
        with open(osp.join(work, osp.basename(config)), 'w') as f:
            f.write(f'randomness = dict(seed={seed})\n'
                    f'test_dataloader = dict(dataset=dict(reader=dict(data_root={data!r})))\n')
        res = dict(metrics=dict(wild_test=_metrics(accuracy), lab_test=_metrics(0.9)),
                   oracle=dict(wild_test=dict(accuracy=accuracy + 0.1, step=1)))
        with open(osp.join(work, 'results.json'), 'w') as f:
            json.dump(res, f)
        open(osp.join(work, 'DONE'), 'w').close()

    def run_pipeline(exp, config, flags, runs_root, reuse, stage_options):
        calls.append(dict(exp=exp, config=config, flags=flags, reuse=reuse,
                          synfer_root=os.environ['SYNFER_ROOT']))
        seed = int(flags[flags.index('--seed') + 1])
        for stage in benchmark._stages_of(osp.join(REPO, config)):
            if stage['name'] not in reuse:
                write_run(osp.join(runs_root, exp, stage['name']), stage['config'], seed, 0.5)
        write_run(osp.join(runs_root, exp), config, seed, 0.6 + 0.01 * len(calls))
    return run_pipeline


def test_matrix_runs_reuses_and_tables(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(benchmark, '_stages_of',
                        lambda c: benchmark.__dict__['_real_stages_of'](osp.join(REPO, c)))
    calls = []
    monkeypatch.setattr(benchmark, 'run_pipeline', _fake_pipeline(calls))
    monkeypatch.delenv('SYNFER_ROOT', raising=False)
    with open('bench.py', 'w') as f:
        f.write(f'data_seeds = [0, 7]\nseeds = [0, 1]\nsynth = dict(per_class=4, subjects=2)\n'
                f'methods = dict(eercl=dict(wild={EERCL_WILD!r}, lowres={EERCL_LOWRES!r}))\n'
                f"flags = ['--cfg-options', 'train_cfg.max_iters=2']\n"
                f"results = dict(group_by='method,target,dataset', datasets='wild_test')\n")
    table = benchmark.main(['bench.py', '--runs-root', 'runs/b'])
    assert [c['exp'] for c in calls] == [f'd{d}/s{s}/eercl_{t}' for d in (0, 7) for s in (0, 1)
                                         for t in ('wild', 'lowres')]
    assert calls[7]['synfer_root'] == 'data/synfer-seed7'
    assert calls[7]['flags'] == ['--seed', '1', '--cfg-options', 'train_cfg.max_iters=2']
    assert calls[7]['reuse'] == {'source': 'runs/b/d7/s1/eercl_wild/source'}
    assert json.load(open('data/synfer-seed7/wild/synfer.json'))['seed'] == 7
    # rows: eercl -> wild and -> lowres (the fake writes wild_test for both), and the shared
    # source models (trained once per data seed and seed: 4 runs)
    rows = {(r['key']['method'], r['key']['target']): r for r in table['rows']}
    assert set(rows) == {('eercl', 'wild'), ('eercl', 'lowres'), ('source', 'synfer-lab')}
    assert rows[('source', 'synfer-lab')]['cells']['accuracy'][2] == 4
    assert rows[('eercl', 'wild')]['cells']['accuracy'][2] == 4
    assert rows[('eercl', 'wild')]['data_seeds'] == [0, 7]
    assert osp.isfile('runs/b/results/results.md') and osp.isfile('runs/b/results/results.csv')
    # a second call reuses every finished cell; an unfinished cell runs again
    calls.clear()
    benchmark.main(['bench.py', '--runs-root', 'runs/b'])
    assert calls == []
    os.remove('runs/b/d0/s1/eercl_lowres/DONE')
    benchmark.main(['bench.py', '--runs-root', 'runs/b'])
    assert [c['exp'] for c in calls] == ['d0/s1/eercl_lowres']


TINY_CELL = 'tests/configs/benchmark/eercl_test-resnet-bottleneck_1xb8-6it_synfer-lab-to-wild.py'


@pytest.mark.slow
def test_a_tiny_real_matrix_trains_tables_and_reuses(synfer_workdir, monkeypatch):
    """One real cell (no fake): ferda pipeline trains the tiny source (1 epoch) and EERCL (6
    iterations) on the tiny SynFER, the table's numbers are the runs' results.json, and a
    second call trains nothing."""
    monkeypatch.chdir(synfer_workdir)
    monkeypatch.setenv('PYTHONPATH', REPO)
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    monkeypatch.delenv('SYNFER_ROOT', raising=False)
    with open('bench_tiny.py', 'w') as f:
        f.write(f'data_seeds = [0]\nseeds = [0]\nmethods = dict(eercl=dict(wild={TINY_CELL!r}))\n'
                "results = dict(group_by='method,target,dataset', datasets='wild_test', "
                "selection=True)\n")
    table = benchmark.main(['bench_tiny.py', '--runs-root', 'runs/bench_tiny'])
    cell = osp.join('runs', 'bench_tiny', 'd0', 's0', 'eercl_wild')
    rows = {(r['key']['method'], r['key']['target']): r for r in table['rows']}
    assert set(rows) == {('eercl', 'wild'), ('source', 'synfer-lab')}
    for key, run_dir in ((('eercl', 'wild'), cell), (('source', 'synfer-lab'),
                                                      osp.join(cell, 'source'))):
        with open(osp.join(run_dir, 'results.json')) as f:
            written = json.load(f)
        for metric in ('accuracy', 'mca', 'macro_f1'):
            mean, _, n = rows[key]['cells'][metric]
            assert n == 1 and mean == written['metrics']['wild_test'][metric], (key, metric)
        assert osp.isfile(osp.join(run_dir, 'DONE')) or run_dir.endswith('source')
    # EERCL recorded its label-free selectors: the table has their columns, and the
    # model-selection table has its one row (the source model has no selectors), read from
    # its results.json
    assert 'accuracy [entropy]' in rows[('eercl', 'wild')]['cells']
    with open(osp.join(cell, 'results.json')) as f:
        written = json.load(f)
    [row] = table['selection']['rows']
    assert row['run'] == cell
    assert row['values'] == dict(
        {s: written['selectors'][s]['wild_test']['accuracy'] for s in written['selectors']},
        oracle=written['oracle']['wild_test']['accuracy'])
    assert osp.isfile(osp.join('runs', 'bench_tiny', 'results', 'results_selection.md'))
    with open(osp.join(cell, 'iter_6.pth'), 'rb') as f:
        before = f.read()
    stamp = os.stat(osp.join(cell, 'iter_6.pth')).st_mtime_ns
    again = benchmark.main(['bench_tiny.py', '--runs-root', 'runs/bench_tiny'])
    assert os.stat(osp.join(cell, 'iter_6.pth')).st_mtime_ns == stamp  # nothing retrained
    with open(osp.join(cell, 'iter_6.pth'), 'rb') as f:
        assert f.read() == before
    assert repr(again['rows']) == repr(table['rows'])  # std of one run is nan
