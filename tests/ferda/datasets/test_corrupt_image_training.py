"""A corrupt image in a real training run (train.py, DataLoader worker): the error names the
file and its annotation line; with ``on_corrupt_image='skip'`` the run finishes and logs it."""
import glob
import os.path as osp
import shutil

import numpy as np
import pytest

from tests.conftest import TINY_CONFIG, run, train_cmd

# decode in the DataLoader worker (num_workers=1 in the tiny config), not at start-up
LAZY = ['train_dataloader.dataset.cache_images=False', 'train_cfg.max_epochs=1']


@pytest.fixture(scope='module')
def damaged_synfer(synfer_workdir, tmp_path_factory):
    work = tmp_path_factory.mktemp('corrupt_synfer')
    shutil.copytree(synfer_workdir / 'data', work / 'data')
    lab = work / 'data' / 'synfer' / 'lab'
    (lab / 'basic' / 'Image' / 'aligned' / 'train_00007_aligned.jpg').write_bytes(
        np.random.default_rng(1).bytes(5000))
    lines = (lab / 'basic' / 'EmoLabel' / 'list_patition_label.txt').read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.startswith('train_00007.jpg '))
    return work, line


@pytest.mark.slow
def test_training_error_names_the_corrupt_file_and_line(damaged_synfer):
    work, line = damaged_synfer
    proc = run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/error', '--no-test',
                         '--cfg-options', *LAZY), cwd=work, check=False)
    assert proc.returncode != 0
    assert ('cannot decode image data/synfer/lab/basic/Image/aligned/train_00007_aligned.jpg '
            f'(annotation data/synfer/lab/basic/EmoLabel/list_patition_label.txt:{line})'
            in proc.stderr), proc.stderr[-3000:]


@pytest.mark.slow
def test_training_skips_and_counts_when_allowed(damaged_synfer):
    work, _ = damaged_synfer
    run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/skip', '--no-test', '--cfg-options', *LAZY,
                  'train_dataloader.dataset.on_corrupt_image=skip'), cwd=work)
    log = open(glob.glob(osp.join(work, 'runs', 'skip', '*', '*.log'))[0]).read()
    assert "skipped sample" in log and '1 skipped so far' in log, log[-3000:]
    assert 'train_00007_aligned.jpg' in log
