import json
import math
import sys

import pytest

from tests.conftest import run

ROWS = {  # table row -> its run folder under the demo's work dir
    'source-only': 'source_only',
    'AdaBN (source-free)': 'adabn',
    'CluP, source-init student (source-free, last epoch)': 'clup',
    'CluP, SwAV-init student (source-free, last epoch)': 'clup_swav',
    'EERCL (source-free, last iteration)': 'eercl',
    'target-trained (upper bound)': 'target_trained',
}
COLUMNS = ['lab_test', 'wild_test', 'lowres_test', 'wild_test (oracle)',
           'lowres_test (oracle)']


def _table(text):
    """``results.md`` -> ``{row name: {column: float or None}}`` (None for '-')."""
    lines = [line for line in text.splitlines() if line.startswith('| ')]
    header = [c.strip() for c in lines[0].strip('|').split('|')]
    assert header == ['method'] + COLUMNS
    rows = {}
    for line in lines[1:]:
        name, *cells = [c.strip() for c in line.strip('|').split('|')]
        assert name not in rows, f'row {name!r} twice'
        rows[name] = {c: None if v == '-' else float(v) for c, v in zip(COLUMNS, cells)}
    return rows


DEFAULT_ROWS = {'source-only', 'AdaBN (source-free)',
                'CluP, source-init student (source-free, last epoch)',
                'EERCL (source-free, last iteration)', 'target-trained (upper bound)'}


@pytest.mark.slow
@pytest.mark.parametrize('flags, rows, backbone_out', [
    # the default: the fast demo's slim network (256-d features), every default row
    (['--upper-bound'], DEFAULT_ROWS, 256),
    # --full: ResNet-18, with the SwAV row that only it can run
    (['--full', '--methods', 'clup-swav'],
     {'source-only', 'CluP, SwAV-init student (source-free, last epoch)'}, 512),
])
def test_demo_writes_table_and_chart(synfer_workdir, flags, rows, backbone_out):
    name = 'demo_test' + ('_full' if '--full' in flags else '')
    work = synfer_workdir / 'runs' / name
    proc = run([sys.executable, '-m', 'ferda.tools.cli', 'demo', '--epochs', '2', *flags,
                '--work-dir', f'runs/{name}'], cwd=synfer_workdir, timeout=900)
    # the source model is the plan's network (its checkpoint's architecture record)
    from basicda.engine.checkpoint import safe_load
    source = json.loads((work / 'source_only' / 'results.json').read_text())['checkpoint']
    arch = safe_load(str(synfer_workdir / source), map_location='cpu')['meta']['arch']
    assert arch['out_dim'] == backbone_out
    assert ('model_kwargs' in arch) == (backbone_out == 256)
    text = (work / 'results.md').read_text()
    assert text in proc.stdout
    table = _table(text)
    assert set(table) == rows  # every row, once
    for name, cells in table.items():
        # every method is evaluated on the target (wild); each number is a percentage
        assert cells['wild_test'] is not None, name
        for column, value in cells.items():
            if value is not None:
                assert math.isfinite(value) and 0.0 <= value <= 100.0, (name, column, value)
        # the table shows what the run wrote (rounded to 0.1 %)
        results = json.loads((work / ROWS[name] / 'results.json').read_text())
        for dataset, metrics in results['metrics'].items():
            if dataset in cells:
                assert cells[dataset] == pytest.approx(100 * metrics['accuracy'], abs=0.051)
    assert table['source-only']['lab_test'] is not None
    assert table['source-only']['wild_test (oracle)'] is not None
    png = (work / 'results.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
