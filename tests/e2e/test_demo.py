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


@pytest.mark.slow
def test_demo_writes_table_and_chart(synfer_workdir):
    work = synfer_workdir / 'runs' / 'demo_test'
    proc = run([sys.executable, '-m', 'ferda.tools.cli', 'demo', '--epochs', '2', '--upper-bound',
                '--methods', 'adabn,clup,eercl,clup-swav', '--work-dir', 'runs/demo_test'],
               cwd=synfer_workdir, timeout=900)
    text = (work / 'results.md').read_text()
    assert text in proc.stdout
    rows = _table(text)
    assert set(rows) == set(ROWS)  # every row, once
    for name, cells in rows.items():
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
    assert rows['source-only']['lab_test'] is not None
    assert rows['source-only']['wild_test (oracle)'] is not None
    png = (work / 'results.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
