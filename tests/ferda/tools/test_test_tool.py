"""``ferda test``: strict checkpoint loading, what results.json says, and that only the
evaluation splits are read."""
import json

import pytest
import torch
from mmengine.config import Config

from ferda.tools import test as test_tool
from tests.conftest import TINY_CONFIG


def _model(num_classes=7):
    import basicda.engine  # noqa: F401
    from mmengine.registry import init_default_scope

    from ferda.registry import MODELS
    init_default_scope('ferda')
    cfg = Config.fromfile(TINY_CONFIG).model
    if num_classes != cfg.num_classes:
        cfg.num_classes, cfg.class_names = num_classes, None
    return MODELS.build(cfg)


def test_state_dict_mismatch_lists_each_kind():
    # hand-built: the model has w (7, 4), b (7,) and a BN counter; the file has an 8-row w,
    # an extra key and a non-tensor under a model key
    expected = {'w': (7, 4), 'b': (7, ), 'bn.num_batches_tracked': (), 'c': (2, )}
    found = {'w': torch.zeros(8, 4), 'x': torch.zeros(1), 'c': 'text'}
    got = test_tool.state_dict_mismatch(expected, found)
    assert got == dict(missing=['b'], unexpected=['x'],
                       mismatched=[('c', (2, ), 'str'), ('w', (7, 4), (8, 4))])
    assert test_tool.state_dict_mismatch({'w': (7, 4)}, {'w': torch.zeros(7, 4)}) == dict(
        missing=[], unexpected=[], mismatched=[])


def test_checkpoint_with_another_head_is_refused_unless_non_strict(synfer_workdir, monkeypatch):
    monkeypatch.chdir(synfer_workdir)
    path = synfer_workdir / 'eight_classes.pth'
    torch.save(_model(num_classes=8).state_dict(), path)  # a plain state_dict, 8-class head
    work = synfer_workdir / 'test_8cls'
    with pytest.raises(SystemExit, match=r'(?s)eight_classes.pth does not fit the model.*'
                       r'--non-strict.*mis-shaped \(3\): head\.\S*bias \(model \(7,\), '
                       r'checkpoint \(8,\)\)'):
        test_tool.main([TINY_CONFIG, str(path), '--work-dir', str(work)])
    assert not (work / 'results.json').exists()
    out = test_tool.main([TINY_CONFIG, str(path), '--work-dir', str(work), '--non-strict'])
    assert set(out['metrics']) == {'lab_val', 'lab_test', 'wild_test', 'lowres_test'}


def test_unrelated_files_are_refused(synfer_workdir, monkeypatch):
    monkeypatch.chdir(synfer_workdir)
    text = synfer_workdir / 'notes.pth'
    text.write_text('not a checkpoint\n')
    with pytest.raises(SystemExit, match=r'cannot read checkpoint \S*notes.pth'):
        test_tool.main([TINY_CONFIG, str(text), '--work-dir', str(synfer_workdir / 'tn')])
    other = synfer_workdir / 'other.pth'
    torch.save(dict(state_dict=dict(encoder=torch.zeros(3))), other)
    with pytest.raises(SystemExit, match=r'(?s)missing from the checkpoint \(\d+\): .*'
                       r'unexpected in the checkpoint \(1\): encoder'):
        test_tool.main([TINY_CONFIG, str(other), '--work-dir', str(synfer_workdir / 'to')])


def test_results_name_the_checkpoint_and_hold_no_training_oracle(synfer_workdir, monkeypatch):
    from ferda.datasets import face_dataset

    monkeypatch.chdir(synfer_workdir)
    model = _model()
    path = synfer_workdir / 'trained.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(arch=model.arch_meta),
                    oracle_tracker={'wild_test': dict(accuracy=0.99, step=3)}), path)
    splits = []
    real_init = face_dataset.FaceDataset.__init__

    def recording_init(self, reader, *args, **kwargs):
        splits.append(reader.get('split'))
        real_init(self, reader, *args, **kwargs)

    monkeypatch.setattr(face_dataset.FaceDataset, '__init__', recording_init)
    work = synfer_workdir / 'test_trained'
    out = test_tool.main([TINY_CONFIG, str(path), '--work-dir', str(work)])
    saved = json.loads((work / 'results.json').read_text())
    assert saved['checkpoint'] == str(path)
    assert saved['oracle'] == {}
    assert out['metrics'].keys() == saved['metrics'].keys()
    assert 'train' not in splits and splits  # the evaluation splits only
    assert (work / 'results.md').read_text().startswith(f'Checkpoint: `{path}`')
