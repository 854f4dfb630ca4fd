"""Bank costs of EERCL, as ratios to one training iteration measured in the same run.

DESIGN.md §7 asks for speed as ratios. Two costs come with EERCL's banks:

* **refresh**: every R = 50 iterations :func:`~basicda.banks.fill_bank` runs the
  student in eval mode over all N target images and rewrites the bank;
* **neighbour search**: every iteration :func:`~basicda.ops.knn` finds
  the K = 4 nearest bank rows of the GB = 64 gathered weak features (D = 256).

The training iteration timed for reference is the student's forward, backward
and SGD step plus the teacher's no-grad forward, on 3B images (three views),
with a small CNN at ``img_size`` px: real backbones make both the iteration and
the refresh dearer by about the same factor, so the refresh ratio carries over,
while the search cost depends only on the bank size.
"""
import time
from typing import Dict, Sequence

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from basicda.ops.knn import KNN_BACKENDS, knn
from .feature_bank import IndexedBank, fill_bank

__all__ = ['bench_banks', 'format_bank_table']


class _TinyNet(nn.Module):
    """Three strided convolutions, a 256-d bottleneck with BN and a classifier."""

    def __init__(self, dim: int, num_classes: int) -> None:
        super().__init__()
        layers, width = [], 3
        for out in (32, 64, 128):
            layers += [nn.Conv2d(width, out, 3, stride=2, padding=1), nn.BatchNorm2d(out),
                       nn.ReLU(inplace=True)]
            width = out
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.bottleneck = nn.Sequential(nn.Linear(width, dim), nn.BatchNorm1d(dim))
        self.classifier = nn.Linear(dim, num_classes)

    def forward(self, x: torch.Tensor):
        z = self.bottleneck(self.features(x))  # (B, D)
        return z, self.classifier(z)  # (B, D), (B, C)


class _Images(Dataset):
    def __init__(self, images: torch.Tensor) -> None:
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> dict:
        return dict(index=i, inputs=self.images[i])


def _to_float(images: torch.Tensor) -> torch.Tensor:
    return images.float().div_(127.5).sub_(1.0)


def _time_iterations(student, teacher, images: torch.Tensor, batch: int, iters: int) -> float:
    """Mean seconds of one EERCL-like step on ``batch`` images (after one warm-up)."""
    optimizer = torch.optim.SGD(student.parameters(), lr=1e-3, momentum=0.9)
    student.train()
    teacher.train()
    times = []
    for i in range(iters + 1):
        x = _to_float(images[(i * batch) % len(images):][:batch])
        start = time.perf_counter()
        with torch.no_grad():
            teacher(x)
        _, logits = student(x)
        loss = -(logits.softmax(1) * logits.log_softmax(1)).sum(1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return sum(times[1:]) / iters


def _time_refresh(student, images: torch.Tensor, batch: int, dim: int, num_classes: int) -> float:
    loader = DataLoader(_Images(images), batch_size=batch, shuffle=False)
    bank = IndexedBank(len(images), dict(feat=dim, prob=num_classes))

    def forward(data):
        z, logits = student(_to_float(data['inputs']))
        return data['index'], dict(feat=nn.functional.normalize(z, dim=1),
                                   prob=logits.softmax(dim=1))

    student.eval()
    start = time.perf_counter()
    fill_bank(bank, loader, forward)
    seconds = time.perf_counter() - start
    bank.assert_filled('benchmark bank')
    return seconds


def _time_search(bank_size: int, query_rows: int, dim: int, k: int, repeats: int,
                 backend: str, generator: torch.Generator) -> float:
    bank = nn.functional.normalize(torch.randn(bank_size, dim, generator=generator), dim=1)
    own = torch.randint(0, bank_size, (query_rows,), generator=generator)
    query = bank[own]
    knn(query, bank, k, exclude=own, self_exclusion='index', backend=backend)  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        knn(query, bank, k, exclude=own, self_exclusion='index', backend=backend)
    return (time.perf_counter() - start) / repeats


def bench_banks(num_images: int = 2000, img_size: int = 32, batch_size: int = 32,
                bank_sizes: Sequence[int] = (10000, 100000), query_rows: int = 64,
                dim: int = 256, k: int = 4, repeats: int = 10, refresh_interval: int = 50,
                seed: int = 0) -> Dict[str, object]:
    """Time a bank refresh and the per-iteration neighbour search against one iteration.

    Args:
        num_images (int): N images of the refresh pass. Default: 2000.
        img_size (int): image side in pixels. Default: 32.
        batch_size (int): B per view; an iteration and a refresh batch hold 3B
            images. Default: 32.
        bank_sizes (sequence of int): bank rows of the neighbour search.
            Default: (10000, 100000).
        query_rows (int): GB, gathered weak rows searched per iteration. Default: 64.
        dim (int): D. Default: 256.
        k (int): K neighbours. Default: 4.
        repeats (int): timed iterations and searches (means are reported).
            Default: 10.
        refresh_interval (int): R, for the amortised refresh cost. Default: 50.
        seed (int): seeds the model and the data. Default: 0.

    Returns:
        dict: ``iteration_seconds``; ``refresh_seconds``, ``refresh_over_iteration``
        and ``refresh_amortised`` (refresh / (R x iteration), the refresh's share
        added to every iteration); ``search`` = list of dicts (``bank_size``,
        ``backend``, ``seconds``, ``over_iteration``); and the sizes.
    """
    num_classes = 7
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    student = _TinyNet(dim, num_classes)
    teacher = _TinyNet(dim, num_classes)
    teacher.load_state_dict(student.state_dict())
    images = torch.randint(0, 256, (num_images, 3, img_size, img_size), dtype=torch.uint8,
                           generator=generator)
    step_batch = 3 * batch_size
    iteration = _time_iterations(student, teacher, images, step_batch, repeats)
    refresh = _time_refresh(student, images, step_batch, dim, num_classes)
    search = []
    for bank_size in bank_sizes:
        for backend in KNN_BACKENDS:
            seconds = _time_search(bank_size, query_rows, dim, k, repeats, backend, generator)
            search.append(dict(bank_size=int(bank_size), backend=backend, seconds=seconds,
                               over_iteration=seconds / iteration))
    return dict(num_images=num_images, img_size=img_size, batch_size=batch_size,
                query_rows=query_rows, dim=dim, k=k, refresh_interval=refresh_interval,
                iteration_seconds=iteration, refresh_seconds=refresh,
                refresh_over_iteration=refresh / iteration,
                refresh_amortised=refresh / (refresh_interval * iteration), search=search)


def format_bank_table(result: Dict[str, object]) -> str:
    """A short text table of :func:`bench_banks`' result."""
    r = result
    lines = [
        f'bank refresh ({r["num_images"]} images, {r["img_size"]} px, small CNN): '
        f'{r["refresh_seconds"]:.2f} s = {r["refresh_over_iteration"]:.1f} training iterations '
        f'(3 x {r["batch_size"]} images, {1e3 * r["iteration_seconds"]:.1f} ms); every '
        f'{r["refresh_interval"]} iterations that adds {100 * r["refresh_amortised"]:.1f} %',
        f'kNN search per iteration ({r["query_rows"]} queries, D={r["dim"]}, K={r["k"]}):',
        f'  {"bank rows":>10}  {"backend":>8}  {"ms":>8}  {"x iteration":>11}',
    ]
    for row in r['search']:
        lines.append(f'  {row["bank_size"]:>10}  {row["backend"]:>8}  '
                     f'{1e3 * row["seconds"]:>8.1f}  {row["over_iteration"]:>11.3f}')
    return '\n'.join(lines)
