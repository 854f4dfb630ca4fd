"""Acceptance of the sample contract through a real config
(tests/configs/tiny_two-view_meta_list.py): a list file with an RGB and a depth image and
metadata per sample goes through ListFileReader, FaceDataset's shared-geometry pipeline, the
data loader and MultiViewDataPreprocessor into ``data_samples``."""
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from tests.conftest import REPO

CONFIG = osp.join(REPO, 'tests', 'configs', 'tiny_two-view_meta_list.py')
NUM = 8
# sample -> (label, valence, arousal, subject), written to the list by hand
ROWS = {i: (i % 7, round(-0.9 + 0.25 * i, 2), round(0.8 - 0.2 * i, 2), f'sub{i % 3}')
        for i in range(NUM)}


@pytest.fixture
def two_view_data(tmp_path, monkeypatch):
    """data/two_view/{rgb,depth}/NNN.png (the same 40x40 noise image in both views, values
    in [20, 200] so the configured brightness never saturates) and train.txt."""
    root = tmp_path / 'data' / 'two_view'
    lines = []
    for i, (label, valence, arousal, subject) in ROWS.items():
        image = np.random.default_rng(i).integers(20, 201, (40, 40, 3), dtype=np.uint8)
        for view in ('rgb', 'depth'):
            mmcv.imwrite(image, str(root / view / f'{i:03d}.png'))
        lines.append(f'rgb/{i:03d}.png depth/{i:03d}.png {label} {valence} {arousal} {subject}')
    (root / 'train.txt').write_text('\n'.join(lines) + '\n')
    monkeypatch.chdir(tmp_path)
    return root


def _brightness_interval(rgb: torch.Tensor, depth: torch.Tensor):
    """The factors b with rgb == floor(b * depth) at every pixel (torchvision's uint8
    brightness): [max rgb / depth, min (rgb + 1) / depth); empty if the geometry differs."""
    rgb, depth = rgb.double(), depth.double()
    return float((rgb / depth).max()), float(((rgb + 1) / depth).min())


def test_two_views_and_metadata_reach_data_samples_through_the_config(two_view_data):
    import basicda.models  # noqa: F401  (registers MultiViewDataPreprocessor)
    from ferda.registry import MODELS

    init_default_scope('ferda')
    cfg = Config.fromfile(CONFIG)
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    preprocessor = MODELS.build(cfg.data_preprocessor)
    seen = set()
    for batch in loader:
        samples = batch['data_samples']
        idx = samples['sample_idx'].tolist()
        seen.update(idx)
        # metadata by name, batched: (B,) float32, (B,) float32, B strings
        torch.testing.assert_close(samples['valence'],
                                   torch.tensor([ROWS[i][1] for i in idx]))
        torch.testing.assert_close(samples['arousal'],
                                   torch.tensor([ROWS[i][2] for i in idx]))
        assert samples['subject'] == [ROWS[i][3] for i in idx]
        assert samples['gt_label'].tolist() == [ROWS[i][0] for i in idx]
        rgb, depth = batch['inputs']['rgb'], batch['inputs']['depth']
        assert rgb.shape == depth.shape == (4, 3, 16, 16) and rgb.dtype == torch.uint8
        for b in range(len(idx)):
            # same source image, shared crop/flip, brightness on RGB only: one factor
            # explains every pixel, and it is a real change (configured range 0.5-0.9)
            low, high = _brightness_interval(rgb[b], depth[b])
            assert low < high and 0.5 - 1e-6 <= low and high <= 0.9 + 1 / 20, (low, high)
            assert not torch.equal(rgb[b], depth[b])
        out = preprocessor(batch, training=True)
        std = torch.tensor([44.91] * 3).view(1, 3, 1, 1)
        torch.testing.assert_close(out['inputs']['depth'] * std + 10.79, depth.float(),
                                   rtol=0, atol=1e-4)
        rgb_mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
        rgb_std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
        torch.testing.assert_close(out['inputs']['rgb'] * rgb_std + rgb_mean, rgb.float(),
                                   rtol=0, atol=1e-4)
        assert out['data_samples']['subject'] == samples['subject']
        torch.testing.assert_close(out['data_samples']['valence'], samples['valence'])
    assert seen == set(range(NUM))


def test_the_preprocessor_names_mismatched_views(two_view_data):
    import basicda.models  # noqa: F401
    from ferda.registry import MODELS

    init_default_scope('ferda')
    preprocessor = MODELS.build(Config.fromfile(CONFIG).data_preprocessor)
    batch = dict(inputs=dict(rgb=torch.zeros(1, 3, 4, 4, dtype=torch.uint8)),
                 data_samples=dict(sample_idx=torch.zeros(1)))
    with pytest.raises(KeyError, match=r"expects inputs with the views \['depth', 'rgb'\], "
                                       r"got \['rgb'\]"):
        preprocessor(batch)


def test_a_metadata_column_the_config_asks_for_must_exist(two_view_data):
    from ferda.registry import DATASETS

    init_default_scope('ferda')
    dataset = Config.fromfile(CONFIG).train_dataloader.dataset
    dataset.meta_keys = ('valence', 'frame')
    with pytest.raises(KeyError, match=r"ListFileReader gives no 'frame' for "
                                       rf".*{os.sep}train.txt:1 \(meta_keys asks for it; the "
                                       r"record has extras \['arousal', 'subject', 'valence'\]"):
        DATASETS.build(dataset)
