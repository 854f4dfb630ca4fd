"""SparseRowSGD against the worked example of docs/ldl.md (lazy row-sparse momentum)."""
import pytest
import torch

from basicda.optim import SparseRowSGD


def _f64(values):
    return torch.tensor(values, dtype=torch.float64)


def test_worked_example_rows_outside_the_batch_keep_value_and_velocity():
    lam_hat = torch.full((4, 1), 0.5, dtype=torch.float64)
    opt = SparseRowSGD(lam_hat, lr=10, momentum=0.9)
    opt.step(torch.tensor([1, 3]), _f64([0.1, -0.2]))
    torch.testing.assert_close(lam_hat.reshape(-1), _f64([0.5, -0.5, 0.5, 2.5]),
                               rtol=0, atol=1e-7)
    torch.testing.assert_close(opt.velocity.reshape(-1), _f64([0, -1, 0, 2]), rtol=0, atol=1e-7)
    opt.step(torch.tensor([1]), _f64([0.0]))
    # row 3 stays at 2.5 (dense momentum would move it to 2.5 + 0.9 * 2 = 4.3)
    torch.testing.assert_close(lam_hat.reshape(-1), _f64([0.5, -1.4, 0.5, 2.5]),
                               rtol=0, atol=1e-7)


def test_duplicate_rows_have_their_gradients_summed():
    lam_hat = torch.zeros(3, 1, dtype=torch.float64)
    opt = SparseRowSGD(lam_hat, lr=2, momentum=0.5)
    opt.step(torch.tensor([2, 0, 2]), _f64([0.1, 0.3, 0.4]))
    # row 2: v = -2 * (0.1 + 0.4) = -1; row 0: v = -0.6
    torch.testing.assert_close(lam_hat.reshape(-1), _f64([-0.6, 0.0, -1.0]), rtol=0, atol=1e-12)


def test_state_dict_round_trip_and_shape_check():
    lam_hat = torch.zeros(3, 1)
    opt = SparseRowSGD(lam_hat, lr=1, momentum=0.9)
    opt.step(torch.tensor([1]), torch.tensor([1.0]))
    other = SparseRowSGD(torch.zeros(3, 1), lr=5)
    other.load_state_dict(opt.state_dict())
    assert torch.equal(other.velocity, opt.velocity) and other.momentum == 0.9
    with pytest.raises(ValueError, match='does not match the parameter'):
        SparseRowSGD(torch.zeros(2, 1), lr=1).load_state_dict(opt.state_dict())
    with pytest.raises(IndexError, match=r'row indices must lie in \[0, 3\)'):
        opt.step(torch.tensor([3]), torch.tensor([1.0]))
