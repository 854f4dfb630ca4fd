"""The round loop on a toy pool (tests/configs/tiny_round_toy.py): the schedule, the
selection function from the registry, each round's selection against a NumPy
recomputation from the checkpoint of that epoch, and a kill between rounds +
``--resume`` that continues with the same selection and ends bit-identical."""
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from basicda.engine.loops.round_loop import (RoundBasedTrainLoop, build_function, round_due,
                                             rounds_done)
from tests.conftest import REPO, run, train_cmd

TOY = osp.join(REPO, 'tests', 'configs', 'tiny_round_toy.py')


def _load(path):
    from basicda.engine.checkpoint import safe_load
    return safe_load(str(path))


def test_schedule_worked_examples():
    # interval 3 over 10 epochs: rounds after epochs 3, 6, 9 (never after the last)
    assert [e for e in range(1, 11) if round_due(e, 3, 10)] == [3, 6, 9]
    assert [e for e in range(1, 7) if round_due(e, 3, 6)] == [3]
    assert [rounds_done(e, 3, 10) for e in (0, 2, 3, 8, 9, 10)] == [0, 0, 1, 2, 3, 3]


def test_selection_from_the_registry_and_bad_arguments():
    import tests.basicda.engine.loop_toys  # noqa: F401  registers toy_least_confidence

    fn = build_function(dict(type='toy_least_confidence', budget=1), 'train_cfg.selection')
    # max softmax: 0.5 for samples 0 and 3, 0.52 for 1, 0.95 for 2; 0 is labelled
    logits = torch.tensor([[0., 0.], [0.1, 0.], [3., 0.], [0., 0.]])
    out = fn(dict(logits=logits, labelled=torch.tensor([0])), round=1)
    assert out['queried'].tolist() == [3]  # [3] ties with [0] (labelled) and beats [1]
    assert out['selected'].tolist() == [0, 3]
    with pytest.raises(KeyError, match="selection.type='no_such_fn' is not a registered"):
        build_function(dict(type='no_such_fn'), 'train_cfg.selection')
    with pytest.raises(TypeError, match='train_cfg.selection must be dict'):
        build_function('toy_least_confidence', 'train_cfg.selection')
    runner = SimpleNamespace(visualizer=None)
    loader = DataLoader(list(range(4)))
    with pytest.raises(TypeError, match='list has none'):
        RoundBasedTrainLoop(runner, loader, max_epochs=2, round_interval=1,
                            selection=dict(type='toy_least_confidence', budget=1))


def _oracle(checkpoint, labelled, budget=6):
    """Least-confidence selection recomputed with NumPy from the epoch's weights."""
    from tests.basicda.engine.loop_toys import ToyMLP, ToyPoolDataset

    model = ToyMLP()
    model.load_state_dict(checkpoint['state_dict'])
    with torch.no_grad():
        logits = model(ToyPoolDataset().x).double().numpy()
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    score = -p.max(1)
    candidates = np.setdiff1d(np.arange(len(score)), labelled)
    queried = candidates[np.argsort(-score[candidates], kind='stable')[:budget]]
    return sorted(labelled + queried.tolist())


@pytest.fixture(scope='module')
def straight(tmp_path_factory):
    folder = tmp_path_factory.mktemp('rounds')
    run(train_cmd(TOY, '--work-dir', 'straight'), cwd=folder)
    return folder


def _state(path):
    return _load(path)['message_hub']['runtime_info']['round_loop']


@pytest.mark.slow
def test_rounds_select_what_the_checkpointed_model_selects(straight):
    work = straight / 'straight'
    labelled = list(range(6))
    for epoch in (1, 2, 3):
        checkpoint = _load(work / f'epoch_{epoch}.pth')
        state = checkpoint['message_hub']['runtime_info']['round_loop']
        assert (state['round'], state['epoch'], state['interval']) == (epoch, epoch, 1)
        expected = _oracle(checkpoint, labelled)
        assert state['result']['selected'].tolist() == expected
        assert state['inputs']['labelled']['shape'] == [len(labelled)]
        assert state['inputs']['logits']['shape'] == [60, 3]
        labelled = expected
    log = (work / 'logs' / 'train.log').read_text()
    # the training set grows by 6 per round: 6, 12, 18, 24 samples in batches of 4
    for epoch, batches in ((1, 2), (2, 3), (3, 5), (4, 6)):
        assert f'Epoch(train) [{epoch}][{batches}/{batches}]' in log
    assert 'round 3 after epoch 3: 24 training samples' in log
    assert 'round_loop' in _load(work / 'epoch_4.pth')['message_hub']['runtime_info']


@pytest.mark.slow
def test_kill_between_rounds_and_resume_continues_with_the_same_selection(straight):
    config = straight / 'round_kill.py'
    config.write_text(f'_base_ = [{TOY!r}]\n'
                      "custom_imports = dict(imports=_base_.custom_imports.imports + "
                      "['tests.hooks'], allow_failed_imports=False)\n"
                      "custom_hooks = _base_.custom_hooks + "
                      "[dict(type='KillAfterCheckpointHook', at=2, by_epoch=True)]\n")
    killed = run(train_cmd(str(config), '--work-dir', 'killed'), cwd=straight, check=False)
    assert killed.returncode == -9, killed.stderr[-3000:]
    work = straight / 'killed'
    assert not (work / 'epoch_3.pth').exists()
    run(train_cmd(str(config), '--work-dir', 'killed', '--resume'), cwd=straight)
    log = (work / 'logs' / 'train.log').read_text()
    assert 'resumed at epoch 2 with round 2: 18 training samples' in log
    for epoch in (3, 4):
        a, b = _load(straight / 'straight' / f'epoch_{epoch}.pth'), _load(work /
                                                                        f'epoch_{epoch}.pth')
        sa, sb = a['message_hub']['runtime_info']['round_loop'], \
            b['message_hub']['runtime_info']['round_loop']
        assert torch.equal(sa['result']['selected'], sb['result']['selected'])
        assert sa['inputs'] == sb['inputs']
        for key in a['state_dict']:
            assert torch.equal(a['state_dict'][key], b['state_dict'][key]), (epoch, key)
        assert repr(a['optimizer']) == repr(b['optimizer'])


@pytest.mark.slow
def test_a_round_checkpoint_does_not_resume_without_the_round_loop(straight):
    config = straight / 'no_rounds.py'
    config.write_text(f'_base_ = [{TOY!r}]\n'
                      "train_cfg = dict(_delete_=True, type='ResumableEpochBasedTrainLoop', "
                      'max_epochs=4)\n')
    bad = run(train_cmd(str(config), '--work-dir', 'plain', '--resume',
                        str(straight / 'straight' / 'epoch_2.pth')), cwd=straight, check=False)
    assert bad.returncode != 0
    assert "trained in rounds (round 2, round_interval 1)" in bad.stderr
    assert "resume with train_cfg.type='RoundBasedTrainLoop'" in bad.stderr
