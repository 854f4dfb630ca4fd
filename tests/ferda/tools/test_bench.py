"""``ferda bench``: the real measurements run and print (their values are timings, so
only their sign is checked), and the ratios are formed the right way round from the
timings (hand-worked values on stubbed timers)."""
import os.path as osp
from types import SimpleNamespace

import pytest
import torch

from ferda.tools import bench
from tests.conftest import REPO, TINY_CONFIG


@pytest.mark.slow
def test_bench_reports_the_overhead_ratio_and_loading_speed(synfer_workdir, monkeypatch, capsys):
    monkeypatch.chdir(synfer_workdir)
    result = bench.main(['--config', TINY_CONFIG, '--iters', '3', '--batch-size', '4',
                         '--img-size', '32', '--loading-batches', '2'])
    o = result['overhead']
    assert o['bare_images_per_s'] > 0 and o['framework_images_per_s'] > 0 and o['ratio'] > 0
    assert set(result['loading']) == {'disk', 'memory', 'prepared'}
    assert all(v > 0 for v in result['loading'].values())
    assert f'ratio framework/bare = {o["ratio"]:.3f}' in capsys.readouterr().out


def test_overhead_ratio_is_framework_over_bare(synfer_workdir, monkeypatch, capsys):
    # bare timed at 210 img/s before and 190 after the framework's 150 img/s: the framework
    # runs at 150 / 200 = 0.75 of bare speed (the warm-up call's figure is not used)
    timings = iter([999.0, 210.0, 190.0])
    monkeypatch.setattr(bench, '_bare_loop', lambda *args: next(timings))
    monkeypatch.setattr(bench, '_framework_loop', lambda *args: 150.0)
    result = bench.main(['--config', TINY_CONFIG, '--iters', '1', '--batch-size', '2',
                         '--img-size', '32', '--loading-batches', '0'])
    # the tiny config logs every iteration: the 3 default warm-up iterations stay
    assert result['overhead'] == dict(bare_images_per_s=200.0, framework_images_per_s=150.0,
                                      ratio=0.75, iters=1, warmup=3, bare_before=210.0,
                                      bare_after=190.0)
    assert 'bare PyTorch 200.0 img/s, framework 150.0 img/s, ratio framework/bare = 0.750' \
        in capsys.readouterr().out


def test_framework_warmup_covers_the_first_log_write():
    from mmengine.config import Config

    # the default runtime logs every 10 iterations: the first write is iteration 10's
    cfg = Config(dict(default_hooks=dict(logger=dict(type='LoggerHook', interval=10))))
    assert bench.framework_warmup(cfg, 3) == 10
    assert bench.framework_warmup(cfg, 12) == 12
    assert bench.framework_warmup(Config(dict(default_hooks=dict())), 3) == 3


def test_framework_timing_window_holds_no_checkpoint_and_no_first_log(tmp_path, monkeypatch):
    """The timed iterations exclude the one-off costs: the checkpoint is written after the
    window closes and TensorBoard is opened (first log write) before it opens."""
    import copy

    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    from mmengine.visualization import Visualizer
    from torch.utils.data import DataLoader

    from ferda.registry import MODELS

    init_default_scope('ferda')
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.default_hooks.logger.interval = 4
    events = []
    save, add_scalars = Runner.save_checkpoint, Visualizer.add_scalars
    monkeypatch.setattr(Runner, 'save_checkpoint',
                        lambda self, *a, **k: (events.append('save'), save(self, *a, **k))[1])
    monkeypatch.setattr(Visualizer, 'add_scalars',
                        lambda self, *a, **k: (events.append('log'), add_scalars(self, *a, **k))[1])

    class Timer(bench._LoopTimer):
        def before_train_iter(self, runner, batch_idx, data_batch=None):
            start, end = self.start, self.end
            super().before_train_iter(runner, batch_idx, data_batch)
            if self.start is not start:
                events.append('start')
            if self.end is not end:
                events.append('end')

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            end = self.end
            super().after_train_iter(runner, batch_idx, data_batch, outputs)
            if self.end is not end:
                events.append('end')

    monkeypatch.setattr(bench, '_LoopTimer', Timer)
    warmup, iters = bench.framework_warmup(cfg, 1), 4
    n = 2 * (warmup + iters + 2)
    loader = DataLoader(bench._FixedBatches(torch.zeros(n, 3, 8, 8, dtype=torch.uint8),
                                            torch.zeros(n, dtype=torch.long)), batch_size=2)
    model = MODELS.build(copy.deepcopy(cfg.model))
    assert bench._framework_loop(cfg, model, loader, iters, warmup, str(tmp_path)) > 0
    first = events.index('start')
    assert events.count('start') == 1 and events.count('end') == 1
    assert events.index('log') < first  # TensorBoard opened before the window
    window = events[first:events.index('end')]
    assert 'save' not in window and events.count('save') == 1, events


@pytest.mark.slow
def test_bench_clustering_figure(synfer_workdir, monkeypatch, capsys):
    monkeypatch.chdir(synfer_workdir)
    result = bench.main(['--config', TINY_CONFIG, '--iters', '1', '--batch-size', '2',
                         '--img-size', '32', '--loading-batches', '0', '--clustering',
                         '--cluster-size', '300', '8', '5', '--cluster-size', '200', '4', '3'])
    first, second = result['clustering']
    assert (first['n'], first['d'], first['k'], second['n']) == (300, 8, 5, 200)
    assert first['faiss']['seconds'] > 0 and first['sklearn']['seconds'] > 0
    out = capsys.readouterr().out
    assert 'speed-up sklearn/faiss' in out and 'faiss-random' in out and 'purity' in out


def test_bench_clustering_on_source_model_features(synfer_workdir, monkeypatch, capsys,
                                                   tmp_path):
    import os

    from mmengine.config import Config

    from ferda.registry import MODELS
    from tests.conftest import REPO

    config = os.path.join(REPO, 'tests', 'configs', 'tiny_clup_pseudo-labels.py')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    checkpoint = str(tmp_path / 'source.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    monkeypatch.chdir(synfer_workdir)
    result = bench.main(['--config', TINY_CONFIG, '--iters', '1', '--batch-size', '2',
                         '--img-size', '32', '--loading-batches', '0', '--clustering',
                         '--cluster-size', '200', '4', '3', '--cluster-config', config,
                         '--cluster-checkpoint', checkpoint])
    f = result['clustering_features']
    assert f['k'] == 8 and f['n'] > 0
    for backend in ('faiss', 'faiss-random', 'sklearn'):
        assert 0 <= f[backend]['purity'] <= 1 and f[backend]['selected'] > 0
    assert 'source accuracy' in capsys.readouterr().out
    with pytest.raises(SystemExit, match='go together'):
        bench.main(['--iters', '1', '--loading-batches', '0', '--clustering',
                    '--cluster-size', '200', '4', '3', '--cluster-config', config])


def test_bank_costs_are_relative_to_one_iteration(monkeypatch):
    from basicda.banks import bench_banks as bb

    # an iteration 20 ms, a refresh 0.5 s (= 25 iterations; every R = 50 iterations it
    # adds 25 / 50 = 50 %), a search 5 ms (= 0.25 iteration)
    monkeypatch.setattr(bb, '_time_iterations', lambda *args: 0.02)
    monkeypatch.setattr(bb, '_time_refresh', lambda *args: 0.5)
    monkeypatch.setattr(bb, '_time_search', lambda *args: 0.005)
    r = bb.bench_banks(num_images=4, bank_sizes=(300,), refresh_interval=50)
    assert r['refresh_over_iteration'] == pytest.approx(25.0)
    assert r['refresh_amortised'] == pytest.approx(0.5)
    assert [row['over_iteration'] for row in r['search']] == pytest.approx([0.25] * 2)
    table = bb.format_bank_table(r)
    assert '0.50 s = 25.0 training iterations' in table and 'adds 50.0 %' in table
    assert table.count('       5.0        0.250') == 2  # ms, x iteration of both backends


@pytest.mark.slow
def test_bench_banks_figure(synfer_workdir, monkeypatch, capsys):
    monkeypatch.chdir(synfer_workdir)
    result = bench.main(['--config', TINY_CONFIG, '--iters', '1', '--batch-size', '2',
                         '--img-size', '32', '--loading-batches', '0', '--banks',
                         '--bank-sizes', '300', '1000', '--refresh-images', '40'])
    b = result['banks']
    assert b['iteration_seconds'] > 0 and b['refresh_seconds'] > 0
    assert {(row['bank_size'], row['backend']) for row in b['search']} == {
        (300, 'torch'), (300, 'faiss'), (1000, 'torch'), (1000, 'faiss')}
    assert all(row['seconds'] > 0 for row in b['search'])
    out = capsys.readouterr().out
    assert 'bank refresh (40 images' in out and 'kNN search per iteration' in out


def test_clustering_ratio_is_sklearn_over_faiss(monkeypatch):
    from basicda.ops import bench_kmeans

    # the clock reads 0, 2 around the faiss path and 10, 16 around sklearn's:
    # faiss 2 s, sklearn 6 s, ours 3 times faster
    clock = iter([0.0, 2.0, 10.0, 16.0])
    monkeypatch.setattr(bench_kmeans, 'time', SimpleNamespace(perf_counter=lambda: next(clock)))
    out = bench_kmeans.bench_clustering(n=120, d=6, k=6, n_init=2, max_iter=20,
                                        backends=('faiss', 'sklearn'), num_threads=1)
    assert (out['faiss']['seconds'], out['sklearn']['seconds'], out['speedup']) == (2.0, 6.0, 3.0)


def test_ldl_ratio_is_online_over_bank(monkeypatch, capsys):
    """Stubbed step timings (online 0.9 s, bank 0.3 s -> 3x) and a real bank refresh on
    the tiny LDL model: the ratio is online over bank, and both modes really step."""
    stepped = []

    def fake_steps(model, batches, optim_wrapper, iters, warmup):
        stepped.append((model.neighbour_source, tuple(batches[0]['inputs'].shape)))
        return 0.9 if model.neighbour_source == 'online' else 0.3

    monkeypatch.setattr(bench, '_ldl_steps', fake_steps)
    tiny = osp.join(REPO, 'tests', 'configs', 'tiny_ldl_synfer.py')
    result = bench.main(['--ldl', '--ldl-only', '--ldl-config', tiny, '--ldl-k', '3',
                         '--iters', '1', '--batch-size', '2', '--img-size', '16'])['ldl']
    # online batches hold the anchor and its K = 3 neighbours, bank batches the anchor
    assert stepped == [('online', (2, 4, 3, 16, 16)), ('bank', (2, 1, 3, 16, 16))]
    assert (result['online_s_per_step'], result['bank_s_per_step']) == (0.9, 0.3)
    assert result['step_ratio'] == pytest.approx(3.0) and result['refresh_s_per_image'] > 0
    assert 'ratio online/bank = 3.00x' in capsys.readouterr().out
