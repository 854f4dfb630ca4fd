import pytest
import torch

from ferda.tools import bench
from tests.conftest import TINY_CONFIG


def test_bench_reports_the_overhead_ratio_and_loading_speed(synfer_workdir, monkeypatch, capsys):
    monkeypatch.chdir(synfer_workdir)
    result = bench.main(['--config', TINY_CONFIG, '--iters', '3', '--batch-size', '4',
                         '--img-size', '32', '--loading-batches', '2'])
    o = result['overhead']
    assert o['bare_images_per_s'] > 0 and o['framework_images_per_s'] > 0
    assert abs(o['ratio'] - o['framework_images_per_s'] / o['bare_images_per_s']) < 1e-9
    assert set(result['loading']) == {'disk', 'memory', 'prepared'}
    assert all(v > 0 for v in result['loading'].values())
    assert 'ratio framework/bare' in capsys.readouterr().out


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


def test_bench_banks_figure(synfer_workdir, monkeypatch, capsys):
    monkeypatch.chdir(synfer_workdir)
    result = bench.main(['--config', TINY_CONFIG, '--iters', '1', '--batch-size', '2',
                         '--img-size', '32', '--loading-batches', '0', '--banks',
                         '--bank-sizes', '300', '1000', '--refresh-images', '40'])
    b = result['banks']
    assert b['iteration_seconds'] > 0 and b['refresh_seconds'] > 0
    assert abs(b['refresh_over_iteration'] - b['refresh_seconds'] / b['iteration_seconds']) < 1e-9
    assert abs(b['refresh_amortised'] * 50 - b['refresh_over_iteration']) < 1e-9
    assert {(row['bank_size'], row['backend']) for row in b['search']} == {
        (300, 'torch'), (300, 'faiss'), (1000, 'torch'), (1000, 'faiss')}
    assert all(row['seconds'] > 0 for row in b['search'])
    out = capsys.readouterr().out
    assert 'bank refresh (40 images' in out and 'kNN search per iteration' in out
