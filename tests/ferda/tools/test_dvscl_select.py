"""``ferda dvscl-select`` on SynFER micro (docs/dvscl.md §2.5): a one-AU au.csv made from
synfer_meta.csv's intensities, tau = 0.2: the kept count equals the clips with intensity >=
0.2, the written lists are the originals' lines of exactly those clips and read back through
Casme3Reader and check_casme3_lists."""
import csv
import json
import os.path as osp

import pytest

from ferda.datasets.readers.casme3 import Casme3Reader, check_casme3_lists
from ferda.tools.cli import main


@pytest.fixture(scope='module')
def micro(tmp_path_factory):
    from ferda.datasets.synfer import generate_synfer
    root = tmp_path_factory.mktemp('select')
    generate_synfer(str(root / 'synfer'), domains=('micro', ), per_class=8, subjects=4, seed=0,
                    progress=False)
    data = root / 'synfer' / 'micro'
    with open(data / 'synfer_meta.csv') as f:
        meta = {r['key']: float(r['intensity']) for r in csv.DictReader(f)}
    au = root / 'au.csv'
    au.write_text('key,AU12_r@onset,AU12_r@apex\n' +
                  ''.join(f'{k},0,{v}\n' for k, v in meta.items()))
    return data, au, meta


def test_select_keeps_the_clips_at_or_above_tau(micro, capsys):
    data, au, meta = micro
    out = data / 'data_tau0.2'
    assert main(['dvscl-select', '--list-root', str(data / 'data'), '--intensity', str(au),
                 '--threshold', '0.2', '--out', str(out)]) == 0
    expected = sorted(k for k, v in meta.items() if v >= 0.2)
    assert 0 < len(expected) < len(meta)  # the threshold cuts the pool
    summary = json.loads((out / 'selection.json').read_text())
    assert (summary['pool'], summary['kept'], summary['dropped']) == \
        (len(meta), len(expected), len(meta) - len(expected))
    assert sum(summary['histogram']['counts']) == len(meta)
    records = Casme3Reader(str(data), list_root='data_tau0.2', split='all').load()
    assert sorted(r.sample_id for r in records) == expected
    info = check_casme3_lists(str(out))  # the train lists still are the other subjects' tests
    assert info['num_samples'] == len(expected)
    # every kept line is the original line, in the original order
    original = (data / 'data' / 'v_depth' / 'spNO1_train.txt').read_text().splitlines()
    kept = (out / 'v_depth' / 'spNO1_train.txt').read_text().splitlines()
    assert kept == [line for line in original
                    if osp.basename(line.split()[0])[:-len('_diff_depth.png')] in expected]
    assert json.loads(capsys.readouterr().out.splitlines()[0])['kept'] == len(expected)


def test_select_names_the_clips_without_intensity(micro, tmp_path, capsys):
    data, au, _ = micro
    short = tmp_path / 'au.csv'
    short.write_text('\n'.join(au.read_text().splitlines()[:-2]) + '\n')
    assert main(['dvscl-select', '--list-root', str(data / 'data'), '--intensity', str(short),
                 '--threshold', '0.2', '--out', str(tmp_path / 'out')]) == 2
    assert '2 clips of the pool' in capsys.readouterr().err
