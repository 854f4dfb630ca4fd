import copy
import json

import torch
from mmengine.config import Config
from torch import nn

from ferda.tools import adabn
from tests.conftest import TINY_CONFIG


def _bn_stats(model):
    return {name: (m.running_mean.clone(), m.running_var.clone())
            for name, m in model.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)}


def test_adabn_tool_adapts_each_target_and_writes_results(synfer_workdir, monkeypatch):
    import basicda.engine  # noqa: F401
    import basicda.models
    from mmengine.registry import init_default_scope

    from ferda.datasets import ExpwReader
    from ferda.registry import MODELS
    monkeypatch.chdir(synfer_workdir)
    init_default_scope('ferda')
    model = MODELS.build(Config.fromfile(TINY_CONFIG).model)
    path = synfer_workdir / 'adabn_source.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(arch=model.arch_meta)), path)

    # record every model the tool adapts, before and after the adaptation
    adapt, seen = basicda.models.adapt_bn_statistics, []

    def recording(model, batches, forward):
        before = _bn_stats(model)
        weights = copy.deepcopy(model.state_dict())
        n = adapt(model, batches, forward)
        seen.append((before, _bn_stats(model), weights, model.state_dict(), n))
        return n

    monkeypatch.setattr(basicda.models, 'adapt_bn_statistics', recording)
    out = adabn.main([TINY_CONFIG, str(path), '--work-dir', str(synfer_workdir / 'adabn')])
    assert set(out['metrics']) == {'wild_test', 'lowres_test'}  # lab is the source
    assert len(seen) == 2
    for before, after, weights, adapted, n in seen:
        assert n > 0 and before.keys() == after.keys() and before
        for name in before:  # every BN layer now holds target statistics
            assert not torch.equal(before[name][0], after[name][0]), name
            assert not torch.equal(before[name][1], after[name][1]), name
        for key, value in weights.items():  # and nothing else changed
            if 'running' not in key and 'num_batches' not in key:
                assert torch.equal(adapted[key], value), key

    # the same tool without the adaptation: the source model's predictions, which the
    # new statistics moved
    monkeypatch.setattr(basicda.models, 'adapt_bn_statistics', lambda *args: 0)
    source = adabn.main([TINY_CONFIG, str(path), '--work-dir', str(synfer_workdir / 'no_adabn')])
    for name in ('wild_test', 'lowres_test'):
        assert out['metrics'][name]['confusion'] != source['metrics'][name]['confusion'], name

    saved = json.loads((synfer_workdir / 'adabn' / 'results.json').read_text())
    assert saved['checkpoint'] == str(path) and saved['oracle'] == {}
    wild = synfer_workdir / 'data' / 'synfer' / 'wild'
    n_test = len(ExpwReader(str(wild), 'test', str(wild / 'splits' / 'expw.csv')).load())
    assert sum(map(sum, saved['metrics']['wild_test']['confusion'])) == n_test
