import pytest
from mmengine.config import Config

from ferda.tools.pipeline import PipelineError, parse_args, read_stages, stage_checkpoint


def test_parse_args_keeps_train_flags():
    assert parse_args(['e', 'c.py', '2', '--seed', '1', '--stage', 'swav', '--cfg-options',
                       'a=1']) == ('e', 'c.py', 2, 'swav', ['--seed', '1', '--cfg-options', 'a=1'],
                                   {})
    assert parse_args(['e', 'c.py', '--seed', '3', '--reuse', 'source=runs/s']) == (
        'e', 'c.py', 1, 'main', ['--seed', '3'], {'source': 'runs/s'})
    with pytest.raises(SystemExit, match='usage: bash experiments/<method>.sh EXP_NAME CONFIG'):
        parse_args(['only-exp'])


def _cfg(stages):
    return Config(dict(pipeline=stages))


SRC = 'configs/source_only/source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py'


def test_read_stages_checks_names_configs_kinds_and_needs():
    stages = read_stages(_cfg([dict(name='source', config=SRC, into='load_from')]), 'x.py')
    assert stages[0]['checkpoint'] == 'best' and stages[0]['config'].endswith(SRC)
    bad = [
        ([dict(name='source')], "needs a 'config'"),
        ([dict(name='main', config=SRC)], 'reserved'),
        ([dict(name='a', config='configs/nope.py')], 'does not exist'),
        ([dict(name='a', config=SRC, checkpoint='x/y.pt')], 'checkpoint must be'),
        ([dict(name='a', config=SRC, needs={'load_from': 'b'})], 'not an earlier stage'),
    ]
    for stages, message in bad:
        with pytest.raises(PipelineError, match=message):
            read_stages(_cfg(stages), 'x.py')


def test_stage_checkpoint_resolution(tmp_path):
    import torch
    torch.save({}, tmp_path / 'epoch_3.pth')  # a real (intact) checkpoint
    (tmp_path / 'last_checkpoint').write_text('/elsewhere/epoch_3.pth')
    assert stage_checkpoint(str(tmp_path), 'last') == str(tmp_path / 'epoch_3.pth')
    # 'best' without results.json falls back to the last checkpoint
    assert stage_checkpoint(str(tmp_path), 'best') == str(tmp_path / 'epoch_3.pth')
    (tmp_path / 'pseudo_labels.pt').write_bytes(b'x')
    assert stage_checkpoint(str(tmp_path), 'pseudo_labels.pt').endswith('pseudo_labels.pt')
    with pytest.raises(PipelineError, match='did not write'):
        stage_checkpoint(str(tmp_path), 'missing.pt')
