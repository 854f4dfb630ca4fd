import pytest
import torch
from torch import nn
from torch.testing import assert_close

from basicda.models import ema_update_, make_teacher


def _pair(teacher_weight, student_weight):
    teacher, student = nn.Linear(2, 1, bias=False), nn.Linear(2, 1, bias=False)
    teacher.weight.data = torch.tensor([teacher_weight])
    student.weight.data = torch.tensor([student_weight])
    return teacher, student


def test_spec_example():
    teacher, student = _pair([1., 2.], [3., 4.])
    ema_update_(teacher, student, 0.99)
    assert_close(teacher.weight.data, torch.tensor([[1.02, 2.02]]))
    assert_close(student.weight.data, torch.tensor([[3., 4.]]), rtol=0, atol=0)


def test_matches_the_formula_on_every_parameter():
    torch.manual_seed(0)
    student = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    teacher = make_teacher(student)
    with torch.no_grad():
        for p in teacher.parameters():
            p.normal_()
    expected = {name: 0.9 * p.clone() + 0.1 * dict(student.named_parameters())[name]
                for name, p in teacher.named_parameters()}
    ema_update_(teacher, student, 0.9)
    for name, p in teacher.named_parameters():
        assert_close(p, expected[name], rtol=0, atol=1e-6)


def test_decay_zero_copies_and_one_keeps():
    teacher, student = _pair([1., 2.], [3., 4.])
    ema_update_(teacher, student, 1.0)
    assert_close(teacher.weight.data, torch.tensor([[1., 2.]]), rtol=0, atol=0)
    ema_update_(teacher, student, 0.0)
    assert_close(teacher.weight.data, torch.tensor([[3., 4.]]), rtol=0, atol=0)


def test_buffers_are_not_averaged():
    student = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    teacher = make_teacher(student)
    student.train()
    student(torch.randn(8, 3))  # moves the student's running statistics only
    before = {k: v.clone() for k, v in teacher.state_dict().items() if 'running' in k
              or 'num_batches' in k}
    ema_update_(teacher, student, 0.5)
    for key, value in before.items():
        assert torch.equal(teacher.state_dict()[key], value), key
    assert not torch.equal(teacher[1].running_mean, student[1].running_mean)


def test_equal_parameters_stay_bit_identical():
    # the frozen classifier: its EMA must stay exactly the source weights
    torch.manual_seed(0)
    student = nn.Linear(64, 7)
    teacher = make_teacher(student)
    for _ in range(200):
        ema_update_(teacher, student, 0.99)
    assert torch.equal(teacher.weight, student.weight)
    assert torch.equal(teacher.bias, student.bias)


def test_update_is_outside_autograd_and_teacher_is_frozen():
    student = nn.Linear(2, 2)
    teacher = make_teacher(student)
    assert all(p.requires_grad for p in student.parameters())
    assert not any(p.requires_grad for p in teacher.parameters())
    ema_update_(teacher, student, 0.5)
    assert all(p.grad_fn is None and not p.requires_grad for p in teacher.parameters())


def test_make_teacher_is_an_independent_copy():
    student = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    teacher = make_teacher(student)
    for key, value in student.state_dict().items():
        assert torch.equal(teacher.state_dict()[key], value)
    with torch.no_grad():
        teacher[0].weight.add_(1.0)
    assert not torch.equal(teacher[0].weight, student[0].weight)
    with pytest.raises(TypeError, match='nn.Module'):
        make_teacher(torch.zeros(2))


def test_mismatched_networks_and_bad_decay():
    student = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(KeyError, match=r"'1.weight'"):
        ema_update_(nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)), student, 0.9)
    with pytest.raises(ValueError, match=r"'0.weight'.*\(3, 2\)"):
        ema_update_(nn.Sequential(nn.Linear(2, 3)), student, 0.9)
    for decay in (-0.1, 1.5):
        with pytest.raises(ValueError, match='decay'):
            ema_update_(make_teacher(student), student, decay)
