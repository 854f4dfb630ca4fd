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
