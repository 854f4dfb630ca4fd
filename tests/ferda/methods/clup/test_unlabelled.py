"""CluP on an unlabelled target (``with_label=False``): the pseudo-label pass and the
student's pseudo-label refresh run without ``gt_label``, give the same labels as with it,
and skip (and say so) only the ground-truth diagnostics."""
import os

import pytest
import torch

from tests.conftest import REPO, run, train_cmd
from tests.ferda.methods.clup.test_refresh import REFRESH, artefact  # noqa: F401  (fixture)

PSEUDO = os.path.join(REPO, 'tests', 'configs', 'tiny_clup_pseudo-labels.py')
ARTEFACT_KEYS = ('labels', 'conf', 'soft', 'selected', 'predictions')


@pytest.fixture(scope='module')
def source_checkpoint(synfer_workdir):
    """A randomly initialised tiny source model saved as a checkpoint (the labels it gives
    do not matter here, only that both passes get the same)."""
    import basicda.engine  # noqa: F401
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import save_checkpoint

    from ferda.registry import MODELS

    init_default_scope('ferda')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(PSEUDO).model)
    path = synfer_workdir / 'unlabelled_source.pth'
    save_checkpoint(dict(state_dict=model.state_dict(), meta=dict()), str(path))
    return path


def _pseudo_labels(synfer_workdir, work, checkpoint, *options):
    proc = run(train_cmd(PSEUDO, '--work-dir', str(work), '--cfg-options',
                         f'load_from={checkpoint}', *options), cwd=synfer_workdir)
    out = torch.load(work / 'pseudo_labels.pt', weights_only=True)
    return out, (work / 'logs' / 'train.log').read_text(), proc


@pytest.mark.slow
def test_pseudo_label_pass_needs_no_target_labels(synfer_workdir, source_checkpoint):
    runs = synfer_workdir / 'runs'
    labelled, log_l, _ = _pseudo_labels(synfer_workdir, runs / 'pl_labelled', source_checkpoint)
    unlabelled, log_u, _ = _pseudo_labels(synfer_workdir, runs / 'pl_unlabelled',
                                          source_checkpoint,
                                          'test_dataloader.dataset.with_label=False')
    for key in ARTEFACT_KEYS:
        assert torch.equal(labelled[key], unlabelled[key]), key
    assert 'selection precision' in log_l and 'diag_teacher_wild_train/accuracy' in log_l
    assert 'the target is unlabelled; the ground-truth diagnostics' in log_u
    assert 'diag (ground truth)' not in log_u and 'diag/selection_precision' not in log_u
    assert 'diag_teacher_wild_train/accuracy' not in log_u
    assert f'selected {len(unlabelled["selected"])}/49 target samples' in log_u


@pytest.mark.slow
def test_refresh_needs_no_target_labels(synfer_workdir, artefact):  # noqa: F811
    runs = synfer_workdir / 'runs'
    logs, outs = [], []
    for name, options in (('refresh_labelled', ()),
                          ('refresh_unlabelled', (
                              'train_dataloader.dataset.dataset.with_label=False',
                              'custom_hooks.1.refresh_dataloader.dataset.with_label=False'))):
        work = runs / name
        run(train_cmd(REFRESH, '--work-dir', str(work), '--cfg-options',
                      f'train_dataloader.dataset.labels_file={artefact}',
                      'train_cfg.max_epochs=2', *options), cwd=synfer_workdir)
        logs.append((work / 'logs' / 'train.log').read_text())
        outs.append(torch.load(work / 'pseudo_labels_refresh_1.pt', weights_only=True))
        outs.append(torch.load(work / 'epoch_2.pth', weights_only=False)['state_dict'])
    for key in ARTEFACT_KEYS:
        assert torch.equal(outs[0][key], outs[2][key]), key
    for key, value in outs[1].items():
        assert torch.equal(value, outs[3][key]), key
    assert 'refresh_selection_precision' in logs[0]
    assert 'pseudo-label refresh round 1 after epoch 1' in logs[1]
    assert 'diag (ground truth)' not in logs[1]
    assert 'refresh_selection_precision' not in logs[1]
