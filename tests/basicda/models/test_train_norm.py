"""TrainNormDataPreprocessor: train_norm='cifar' normalises training batches with the CIFAR-10
statistics and evaluation batches with mean/std; None is plain ImgDataPreprocessor."""
import pytest
import torch
from mmengine.model import ImgDataPreprocessor

from basicda.models import TrainNormDataPreprocessor

NORM = dict(mean=[127.5] * 3, std=[51.0] * 3)


def _batch():
    return dict(inputs=torch.full((1, 3, 2, 2), 127.5).to(torch.uint8).float(), data_samples={})


def test_cifar_train_norm_worked_example():
    pre = TrainNormDataPreprocessor(**NORM, train_norm='cifar')
    inputs = dict(inputs=torch.full((1, 3, 2, 2), 127.5), data_samples={})
    train = pre(dict(inputs), training=True)['inputs']
    # (127.5 - 0.4914 * 255) / (0.2023 * 255) = 0.04252 for the first channel
    expected = [(127.5 - m * 255) / (s * 255)
                for m, s in ((0.4914, 0.2023), (0.4822, 0.1994), (0.4465, 0.2010))]
    torch.testing.assert_close(train[0, :, 0, 0], torch.tensor(expected), rtol=0, atol=1e-6)
    assert abs(expected[0] - 0.04252) < 1e-5
    # evaluation (and pool scoring) keep 0.5 / 0.2, and the buffers are restored
    assert torch.equal(pre(dict(inputs), training=False)['inputs'], torch.zeros(1, 3, 2, 2))
    assert torch.equal(pre.mean.flatten(), torch.full((3,), 127.5))


def test_default_is_image_data_preprocessor():
    batch = _batch()
    ours = TrainNormDataPreprocessor(**NORM)(dict(batch), training=True)['inputs']
    plain = ImgDataPreprocessor(**NORM)(dict(batch), training=True)['inputs']
    assert torch.equal(ours, plain)
    with pytest.raises(ValueError, match='train_norm must be one of'):
        TrainNormDataPreprocessor(**NORM, train_norm='imagenet')
