"""A BN-free toy source network for EERCL tests: Linear + ReLU features and a
weight-normalised linear classifier (docs/eercl.md §6), on tensor inputs."""
import torch
from torch import nn

from basicda.registry import MODELS

IN_DIM, FEAT_DIM, NUM_CLASSES = 6, 5, 3


@MODELS.register_module(force=True)
class EerclToyBackbone(nn.Module):
    """(n, IN_DIM) -> (n, FEAT_DIM), no BatchNorm."""

    def __init__(self, in_dim: int = IN_DIM, out_dim: int = FEAT_DIM) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, out_dim), nn.ReLU())
        self.out_dim = out_dim
        self.arch_meta = dict(backbone='eercl_toy', stem='default', out_dim=out_dim)

    def forward(self, x):
        return self.net(x)


def toy_classifier() -> dict:
    return dict(type='ImageClassifier', num_classes=NUM_CLASSES,
                backbone=dict(type='EerclToyBackbone'),
                head=dict(type='LinearClsHead', weight_norm=True))


def toy_eercl(**kwargs):
    """An EERCL on the toy network with fixed initial weights."""
    import ferda.methods  # noqa: F401
    from ferda.registry import MODELS as FERDA_MODELS

    torch.manual_seed(0)
    cfg = dict(type='EERCL', classifier=toy_classifier(), shuffle_bn=False,
               aad=dict(num_neighbours=2), infonce=dict(queue_size=6))
    for key, value in kwargs.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    return FERDA_MODELS.build(cfg)


def toy_data(num_samples: int = 8, seed: int = 1):
    """Views (N, 3, IN_DIM) in (strong1, strong2, weak) order, a test view (N, IN_DIM)
    and labels (N,)."""
    g = torch.Generator().manual_seed(seed)
    test_view = torch.randn(num_samples, IN_DIM, generator=g)
    noise = 0.3 * torch.randn(num_samples, 3, IN_DIM, generator=g)
    views = test_view[:, None] + noise
    views[:, 2] = test_view  # the weak view is the clean one here
    labels = torch.randint(0, NUM_CLASSES, (num_samples,), generator=g)
    return views, test_view, labels


def batch(views, labels, index):
    index = torch.as_tensor(index)
    return dict(inputs=views[index], data_samples=dict(sample_idx=index, gt_label=labels[index]))


def refresh_batches(test_view, labels, indices, batch_size: int = 3):
    """A refresh 'loader': batches of single-view rows of the given indices."""
    indices = list(indices)
    out = []
    for start in range(0, len(indices), batch_size):
        index = torch.tensor(indices[start:start + batch_size])
        out.append(dict(inputs=test_view[index],
                        data_samples=dict(sample_idx=index, gt_label=labels[index])))
    return out
