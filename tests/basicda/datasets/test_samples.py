"""The sample-contract helpers: metadata values that batch, optional ground truth, and the
per-view transform."""
import numpy as np
import pytest
import torch
from torch.utils.data import default_collate

from basicda.datasets import PerView, apply_to_views, dataset_has_labels, gt_labels, sample_value


def test_sample_value_batches_each_kind():
    values = [dict(v=sample_value(0.5 * i, 'v', 'f:1'), n=sample_value(np.int32(i), 'n', 'f:1'),
                   s=sample_value(f'id{i}', 's', 'f:1'),
                   soft=sample_value((0.25, 0.75 - 0.5 * i), 'soft', 'f:1'),
                   knn=sample_value(np.array([i, i + 1]), 'knn', 'f:1'),
                   flag=sample_value(True, 'flag', 'f:1')) for i in range(2)]
    batch = default_collate(values)
    assert batch['v'].dtype == torch.float32 and batch['v'].tolist() == [0.0, 0.5]
    assert batch['n'].dtype == torch.int64 and batch['n'].tolist() == [0, 1]
    assert batch['s'] == ['id0', 'id1']
    torch.testing.assert_close(batch['soft'], torch.tensor([[0.25, 0.75], [0.25, 0.25]]))
    assert batch['knn'].dtype == torch.int64 and batch['knn'].tolist() == [[0, 1], [1, 2]]
    assert batch['flag'].tolist() == [1, 1]


@pytest.mark.parametrize('value', [None, {'a': 1}, ('x', 'y'), object()])
def test_sample_value_names_the_key_and_record(value):
    with pytest.raises(ValueError, match=r"list.txt:7: metadata 'extra' must be a number"):
        sample_value(value, 'extra', 'list.txt:7')


def test_gt_labels_is_none_without_labels():
    assert gt_labels(dict(sample_idx=torch.arange(3))) is None
    assert gt_labels(None) is None
    assert gt_labels(dict(gt_label=torch.tensor([2, 0], dtype=torch.int32))).dtype == torch.int64


def test_dataset_has_labels_looks_through_wrappers():
    class Inner:
        has_labels = False

    class Wrapper:
        dataset = Inner()

    class Legacy:  # says nothing: it always had labels
        pass

    assert not dataset_has_labels(Wrapper()) and dataset_has_labels(Legacy())


def test_per_view_changes_only_the_named_views():
    views = dict(rgb=torch.full((3, 4, 4), 100, dtype=torch.uint8),
                 depth=torch.full((3, 4, 4), 100, dtype=torch.uint8))
    pipeline = PerView(dict(rgb=[dict(type='TVColorJitter', brightness=(0.5, 0.5))]))
    out = apply_to_views(pipeline, views)
    assert torch.equal(out['rgb'], torch.full((3, 4, 4), 50, dtype=torch.uint8))
    assert torch.equal(out['depth'], views['depth']) and type(out['depth']) is torch.Tensor
    with pytest.raises(KeyError, match=r"PerView has pipelines for \['rgb'\], which the sample "
                                       r"does not have; its views are \['depth'\]"):
        pipeline(dict(depth=views['depth']))
    with pytest.raises(TypeError, match='PerView transforms a dict of named views'):
        pipeline(views['rgb'])
    with pytest.raises(ValueError, match='PerView needs pipelines='):
        PerView({})


def test_supervised_losses_name_an_unlabelled_training_set():
    from basicda.registry import MODELS

    cfg = dict(num_classes=3, backbone=dict(type='TimmBackbone', name='test_resnet'),
               head=dict(type='LinearClsHead'))
    inputs = torch.rand(2, 3, 32, 32)
    for kind in ('ImageClassifier', 'MixupClassifier'):
        model = MODELS.build(dict(cfg, type=kind))
        with pytest.raises(KeyError, match=f'{kind} trains on labels, but the batch has no '
                                           'gt_label: the training set is unlabelled'):
            model.loss(inputs, dict(sample_idx=torch.arange(2)))
