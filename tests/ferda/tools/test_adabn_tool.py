import json

import torch
from mmengine.config import Config

from ferda.tools import adabn
from tests.conftest import TINY_CONFIG


def test_adabn_tool_adapts_each_target_and_writes_results(synfer_workdir, monkeypatch):
    import basicda.engine  # noqa: F401
    from mmengine.registry import init_default_scope

    from ferda.registry import MODELS
    monkeypatch.chdir(synfer_workdir)
    init_default_scope('ferda')
    model = MODELS.build(Config.fromfile(TINY_CONFIG).model)
    path = synfer_workdir / 'adabn_source.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(arch=model.arch_meta)), path)
    out = adabn.main([TINY_CONFIG, str(path), '--work-dir', str(synfer_workdir / 'adabn')])
    assert set(out['metrics']) == {'wild_test', 'lowres_test'}  # lab is the source
    saved = json.loads((synfer_workdir / 'adabn' / 'results.json').read_text())
    assert saved['metrics']['wild_test']['accuracy'] == out['metrics']['wild_test']['accuracy']
    from ferda.datasets import ExpwReader
    wild = synfer_workdir / 'data' / 'synfer' / 'wild'
    n_test = len(ExpwReader(str(wild), 'test', str(wild / 'splits' / 'expw_seed0.csv')).load())
    assert sum(map(sum, saved['metrics']['wild_test']['confusion'])) == n_test
