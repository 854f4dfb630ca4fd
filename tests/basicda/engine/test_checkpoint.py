import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from basicda.engine import checkpoint as ckpt


def test_resume_checkpoint_content_loads_with_weights_only(tmp_path):
    ckpt.install()
    hub = MessageHub.get_instance('test_ckpt_hub')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss', 0.5)
    hub.update_info('eta', np.float64(3.0))
    state = dict(state_dict=dict(w=torch.ones(2)), message_hub=hub.state_dict(),
                 rng=np.random.get_state())
    path = tmp_path / 'c.pth'
    torch.save(state, path)
    # plain torch.load refuses it is not our problem; ours must load it safely
    loaded = ckpt.safe_load(path)
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    np.testing.assert_array_equal(buffer.data[0], [1.5, 0.5])
    assert buffer.mean() == 1.0
    assert loaded['message_hub']['runtime_info']['eta'] == 3.0


def test_unlisted_type_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ('true', ))

    path = tmp_path / 'evil.pth'
    torch.save({'x': Evil()}, path)
    with pytest.raises(pickle.UnpicklingError, match='posix.system'):
        ckpt.safe_load(path)


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        ckpt.safe_load(tmp_path / 'nope.pth')


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / 'epoch_1.pth'
    ckpt.atomic_write_bytes(b'good', target)

    def boom(fd):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', boom)
    with pytest.raises(OSError, match='disk full'):
        ckpt.atomic_write_bytes(b'partial', target)
    assert target.read_bytes() == b'good'
    assert [p.name for p in tmp_path.iterdir()] == ['epoch_1.pth']  # no temp file left


def test_local_backend_is_atomic_after_install(tmp_path):
    from mmengine.fileio import get_file_backend
    ckpt.install()
    backend = get_file_backend(str(tmp_path / 'x.pth'))
    assert isinstance(backend, ckpt.AtomicLocalBackend)
    backend.put_text('epoch_2.pth', tmp_path / 'last_checkpoint')
    assert (tmp_path / 'last_checkpoint').read_text() == 'epoch_2.pth'


def test_latest_checkpoint_survives_a_kill_before_the_pointer(tmp_path):
    from basicda.engine.checkpoint import latest_checkpoint
    assert latest_checkpoint(str(tmp_path)) is None
    for name in ('epoch_1.pth', 'epoch_2.pth', 'epoch_10.pth', 'best_x_epoch_9.pth'):
        torch.save(dict(name=name), tmp_path / name)
    newest = str(tmp_path / 'epoch_10.pth')
    assert latest_checkpoint(str(tmp_path)) == newest  # no pointer
    pointer = tmp_path / 'last_checkpoint'
    pointer.write_text('')  # killed while mmengine rewrote it
    assert latest_checkpoint(str(tmp_path)) == newest
    pointer.write_text(str(tmp_path / 'epoch_2.pth'))  # killed before it was updated
    assert latest_checkpoint(str(tmp_path)) == newest
    pointer.write_text(str(tmp_path / 'epoch_11.pth'))  # dangling
    assert latest_checkpoint(str(tmp_path)) == newest
    pointer.write_text(newest)
    assert latest_checkpoint(str(tmp_path)) == newest
    custom = tmp_path / 'my.pth'
    torch.save({}, custom)
    pointer.write_text(str(custom))  # another existing file: kept
    assert latest_checkpoint(str(tmp_path)) == str(custom)


def _truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])


def test_truncated_newest_checkpoint_falls_back_to_the_newest_intact_one(tmp_path):
    from mmengine.logging import MMLogger

    from basicda.engine.checkpoint import latest_checkpoint
    for epoch in (1, 2, 3):
        torch.save(dict(epoch=epoch, w=torch.arange(1000.)), tmp_path / f'epoch_{epoch}.pth')
    (tmp_path / 'last_checkpoint').write_text('epoch_3.pth')
    _truncate(tmp_path / 'epoch_3.pth')  # disk full / killed copy
    logger = MMLogger.get_instance('test_fallback', log_file=str(tmp_path / 'log.txt'))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(MMLogger, 'get_current_instance', classmethod(lambda cls: logger))
        found = latest_checkpoint(str(tmp_path))
    assert found == str(tmp_path / 'epoch_2.pth')
    assert ckpt.safe_load(found)['epoch'] == 2
    log = (tmp_path / 'log.txt').read_text()
    assert 'WARNING' in log and 'epoch_3.pth is damaged' in log
    # a flipped byte inside the data (same length) fails the zip member's CRC
    data = bytearray((tmp_path / 'epoch_2.pth').read_bytes())
    at = data.find(b'\x00\x00\x80?')  # 1.0 as little-endian float32, inside the tensor
    assert at > 0
    data[at + 3] ^= 0xFF
    (tmp_path / 'epoch_2.pth').write_bytes(bytes(data))
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_1.pth')
    _truncate(tmp_path / 'epoch_1.pth', 0.1)
    with pytest.raises(RuntimeError, match='every checkpoint in .* is damaged: .*epoch_3.pth'):
        latest_checkpoint(str(tmp_path))


def test_last_checkpoint_pointer_is_relative_and_resolved_in_a_moved_folder(tmp_path):
    from basicda.engine.checkpoint import latest_checkpoint, read_pointer
    old, new = tmp_path / 'old', tmp_path / 'new'
    new.mkdir()
    torch.save({}, new / 'iter_4.pth')
    torch.save({}, new / 'named.pth')
    (new / 'last_checkpoint').write_text('named.pth')  # relative: resolved in the folder
    assert read_pointer(str(new)) == str(new / 'named.pth')
    assert latest_checkpoint(str(new)) == str(new / 'named.pth')
    # an old absolute pointer into a folder that no longer exists still resumes here
    (new / 'last_checkpoint').write_text(str(old / 'iter_4.pth'))
    assert latest_checkpoint(str(new)) == str(new / 'iter_4.pth')
