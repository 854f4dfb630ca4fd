import pytest
import torch

from ferda.methods.clup import clup_pseudo_labels


def _blobs():
    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[8., 0, 0], [0, 8., 0], [0, 0, 8.]])
    feats = torch.cat([c + 0.3 * torch.randn(20, 3, generator=g) for c in centres])
    # a teacher that is right on 17 of every 20 and says class (c + 1) % 3 otherwise
    truth = torch.arange(3).repeat_interleave(20)
    pred = truth.clone()
    for c in range(3):
        pred[c * 20:c * 20 + 3] = (c + 1) % 3
    return feats, torch.nn.functional.one_hot(pred, 3).float() * 5, truth


@pytest.mark.parametrize('backend', ['faiss', 'sklearn'])
def test_purity_labels_fix_the_teachers_mistakes_on_blobs(backend):
    feats, logits, truth = _blobs()
    out = clup_pseudo_labels(feats, logits, num_clusters=3, fraction=0.5, n_init=3,
                             backend=backend)
    assert torch.equal(out['labels'], truth)  # every cluster takes its majority
    torch.testing.assert_close(out['conf'], torch.full((60,), 0.85))
    # r = 0.5 of each 20-sample class, all equally confident: ties go to the lower index
    assert out['selected'].tolist() == [*range(0, 10), *range(20, 30), *range(40, 50)]
    again = clup_pseudo_labels(feats, logits, num_clusters=3, fraction=0.5, n_init=3,
                               backend=backend)
    for key in ('labels', 'conf', 'soft', 'selected'):
        assert torch.equal(out[key], again[key])


def test_other_modes_and_arguments():
    feats, logits, truth = _blobs()
    normal = clup_pseudo_labels(feats, logits, 3, 0.5, mode='normal')
    assert torch.equal(normal['labels'], logits.argmax(1))
    soft = clup_pseudo_labels(feats, logits, 3, 0.5, mode='soft-purity', n_init=2)
    torch.testing.assert_close(soft['soft'].sum(1), torch.ones(60))
    assert soft['soft'][0].max() == pytest.approx(0.85)
    two = clup_pseudo_labels(feats, logits, 3, 0.5, iter_clusters=2, n_init=2)
    assert len(two['cluster_ids']) == 2 and len(two['selected']) > 30
    with pytest.raises(ValueError, match='needs a purity mode'):
        clup_pseudo_labels(feats, logits, 3, 0.5, mode='normal', iter_clusters=2)
    with pytest.raises(ValueError, match='mode must be'):
        clup_pseudo_labels(feats, logits, 3, 0.5, mode='nope')


def test_selection_diagnostics_worked_example():
    from ferda.methods.clup.loop import selection_diagnostics
    labels = torch.tensor([0, 1, 1, 2, 0])
    selected = torch.tensor([0, 2, 3])
    predictions = torch.tensor([0, 0, 1, 2, 2])
    truth = torch.tensor([0, 1, 2, 2, 0])
    diag = selection_diagnostics(labels, selected, predictions, truth, num_classes=3)
    assert diag['counts'] == [1, 1, 1]
    assert diag['precision'] == pytest.approx(2 / 3)  # samples 0 and 3 right, 2 wrong
    assert diag['accuracy'] == pytest.approx(2 / 5)   # predictions right at 0 and 3
