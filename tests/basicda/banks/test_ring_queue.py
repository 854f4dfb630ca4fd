import pytest
import torch
from torch.testing import assert_close

from basicda.banks import RingQueue
from basicda.losses import relation_infonce


def _rows(*values):
    return torch.tensor([[float(v)] for v in values])


def test_spec_example_wrap():
    queue = RingQueue(4, 1)
    queue.push(_rows(1, 2, 3))
    assert queue.data.flatten().tolist()[:3] == [1., 2., 3.]
    assert (queue.ptr, queue.valid) == (3, 3)
    assert queue.valid_mask().tolist() == [True, True, True, False]
    assert queue.rows().flatten().tolist() == [1., 2., 3.]
    queue.push(_rows(4, 5))
    assert queue.data.flatten().tolist() == [5., 2., 3., 4.]
    assert (queue.ptr, queue.valid) == (1, 4)
    assert queue.valid_mask().all() and queue.valid == 4


def test_spec_example_drop():
    queue = RingQueue(4, 1, overflow='drop')
    queue.push(_rows(1, 2, 3))
    queue.push(_rows(4, 5))
    assert queue.data.flatten().tolist() == [1., 2., 3., 4.]
    assert (queue.ptr, queue.valid) == (0, 4)


def _reference_fifo(size, pushes):
    """One row at a time: the definition of a ring buffer."""
    data, ptr = [None] * size, 0
    for batch in pushes:
        for row in batch:
            data[ptr] = row
            ptr = (ptr + 1) % size
    return data, ptr


def test_wrap_equals_row_by_row_writes_even_for_pushes_longer_than_the_queue():
    pushes = [list(range(0, 3)), list(range(3, 12)), list(range(12, 14)), list(range(14, 19))]
    queue = RingQueue(5, 1)
    for batch in pushes:
        queue.push(_rows(*batch))
    data, ptr = _reference_fifo(5, pushes)
    assert queue.data.flatten().tolist() == [float(v) for v in data]
    assert queue.ptr == ptr and queue.valid == 5


def test_randn_init_is_seeded_and_counts_as_valid():
    a = RingQueue(3, 2, init='randn', generator=torch.Generator().manual_seed(0))
    b = RingQueue(3, 2, init='randn', generator=torch.Generator().manual_seed(0))
    assert torch.equal(a.data, b.data) and a.data.abs().sum() > 0
    assert a.valid == 3 and a.valid_mask().all()
    empty = RingQueue(3, 2)
    assert empty.valid == 0 and not empty.valid_mask().any() and empty.rows().shape == (0, 2)


def test_push_detaches_and_casts():
    queue = RingQueue(2, 2, dtype=torch.float64)
    x = torch.ones(1, 2, requires_grad=True)
    queue.push(x * 2)
    assert queue.data.dtype == torch.float64 and not queue.data.requires_grad
    assert_close(queue.data[0], torch.tensor([2., 2.], dtype=torch.float64))


def test_valid_mask_feeds_relation_infonce():
    relation = torch.tensor([[1., .5], [.5, 1.]])
    queue = RingQueue(2, 2)
    query, key = torch.tensor([[1., 0.]]), torch.tensor([[.5, .5]])
    # an empty queue: only the positive logit, so the loss is 0
    loss = relation_infonce(query, key, queue.data, relation, tau=0.5,
                            queue_valid=queue.valid_mask())
    assert_close(loss, torch.tensor(0.))
    queue.push(torch.tensor([[0., 1.], [1., 0.]]))
    loss = relation_infonce(query, key, queue.data, relation, tau=0.5,
                            queue_valid=queue.valid_mask())
    assert_close(loss, torch.tensor(0.559669), rtol=0, atol=1e-6)


def test_state_dict_round_trip_and_errors(tmp_path):
    queue = RingQueue(4, 2)
    queue.push(torch.arange(6.).reshape(3, 2))
    path = tmp_path / 'queue.pth'
    torch.save(queue.export_state(), path)
    restored = RingQueue(4, 2)
    restored.import_state(torch.load(path, weights_only=True))
    assert torch.equal(restored.data, queue.data)
    assert (restored.ptr, restored.valid) == (3, 3)
    queue.push(torch.ones(1, 2))  # the state is a copy, not a view
    assert not torch.equal(restored.data, queue.data)
    with pytest.raises(ValueError, match=r'\(3, 2\).*\(4, 2\)'):
        RingQueue(4, 2).import_state(RingQueue(3, 2).export_state())
    with pytest.raises(KeyError, match="missing \\['ptr'\\]"):
        RingQueue(4, 2).import_state(dict(data=torch.zeros(4, 2), valid=0))
    with pytest.raises(ValueError, match='ptr'):
        RingQueue(4, 2).import_state(dict(data=torch.zeros(4, 2), ptr=4, valid=0))


def test_to_and_bad_arguments():
    queue = RingQueue(2, 3).to('cpu')
    assert queue.data.device.type == 'cpu'
    with pytest.raises(ValueError, match=r'\(n, 3\)'):
        queue.push(torch.zeros(2, 4))
    with pytest.raises(ValueError, match='overflow'):
        RingQueue(2, 3, overflow='grow')
    with pytest.raises(ValueError, match='init'):
        RingQueue(2, 3, init='ones')
    with pytest.raises(ValueError, match='size'):
        RingQueue(0, 3)


def test_queue_rows_are_a_buffer_of_the_owner_outside_its_state_dict():
    owner = torch.nn.Module()
    owner.queue = RingQueue(3, 2)
    owner.queue.push(torch.ones(2, 2))
    owner.double()
    assert owner.queue.data.dtype == torch.float64 and owner.queue.valid == 2
    assert owner.state_dict() == {}  # checkpointed by the method through export_state
