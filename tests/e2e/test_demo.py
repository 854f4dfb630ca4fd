from tests.conftest import run
import sys


def test_demo_writes_table_and_chart(synfer_workdir):
    proc = run([sys.executable, '-m', 'ferda.tools.cli', 'demo', '--epochs', '2', '--upper-bound',
                '--methods', 'adabn,clup,eercl,clup-swav', '--work-dir', 'runs/demo_test'],
               cwd=synfer_workdir, timeout=900)
    table = (synfer_workdir / 'runs' / 'demo_test' / 'results.md').read_text()
    for row in ('| source-only |', '| AdaBN (source-free) |',
                '| CluP, source-init student (source-free, last epoch) |',
                '| CluP, SwAV-init student (source-free, last epoch) |',
                '| EERCL (source-free, last iteration) |', '| target-trained (upper bound) |'):
        assert row in table
    assert 'wild_test (oracle)' in table
    assert table in proc.stdout
    png = (synfer_workdir / 'runs' / 'demo_test' / 'results.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
