"""EERCL on an unlabelled target: the bank refresh and the train step never need
``gt_label``; the same batches without labels give bit-identical banks, weights and losses,
and only the ground-truth ``diag/`` scalars are left out."""
import torch
from mmengine.logging import MessageHub

from tests.ferda.methods.eercl.test_model import _optim
from tests.ferda.methods.eercl.toy import batch, refresh_batches, toy_data, toy_eercl

GT_DIAGNOSTICS = {'diag/cluster_label_acc', 'diag/cluster_label_acc_masked', 'diag/teacher_acc'}
REFRESH_GT_DIAGNOSTICS = {'diag/refresh_cluster_acc', 'diag/refresh_student_acc'}


def _drop_labels(batches):
    return [dict(b, data_samples={k: v for k, v in b['data_samples'].items() if k != 'gt_label'})
            for b in batches]


def _run(labelled: bool):
    """Refresh, two train steps, refresh again; returns (model, refresh diags, step logs)."""
    views, test_view, labels = toy_data()
    model = toy_eercl()
    model.init_banks(len(labels))
    wrapper = _optim(model)
    hub = MessageHub.get_current_instance()
    hub.update_info('max_iters', 3)
    loader = refresh_batches(test_view, labels, range(len(labels)))
    steps = [batch(views, labels, rows) for rows in ([5, 1, 7, 2], [0, 3, 4, 6])]
    if not labelled:
        loader, steps = _drop_labels(loader), _drop_labels(steps)
        assert all('gt_label' not in b['data_samples'] for b in loader + steps)
    diags = [model.refresh_banks(loader, 0)]
    logs = []
    for i, data in enumerate(steps):
        hub.update_info('iter', i)
        logs.append(model.train_step(data, wrapper))
    diags.append(model.refresh_banks(loader, 2))
    return model, diags, logs


def test_unlabelled_target_trains_exactly_like_a_labelled_one():
    labelled, diags_l, logs_l = _run(labelled=True)
    unlabelled, diags_u, logs_u = _run(labelled=False)
    # the labelled run does produce the ground-truth diagnostics ...
    assert all(REFRESH_GT_DIAGNOSTICS <= set(d) for d in diags_l)
    assert all(GT_DIAGNOSTICS <= set(log) for log in logs_l)
    # ... the unlabelled one leaves exactly those out and keeps the rest
    for d_l, d_u in zip(diags_l, diags_u):
        assert set(d_u) == set(d_l) - REFRESH_GT_DIAGNOSTICS
        assert d_u['diag/prototypes_valid'] == d_l['diag/prototypes_valid']
    for log_l, log_u in zip(logs_l, logs_u):
        assert set(log_u) == set(log_l) - GT_DIAGNOSTICS
        for key in log_u:
            torch.testing.assert_close(log_u[key], log_l[key], rtol=0, atol=0, msg=key)
    # labels never reached the update: same weights, banks, queues and prototypes
    for (name, a), b in zip(labelled.state_dict().items(), unlabelled.state_dict().values()):
        assert torch.equal(a, b), name
    state_l, state_u = labelled.method_state_dict(), unlabelled.method_state_dict()
    for bank in ('weak_bank', 'aad_bank'):
        for field in ('feat', 'prob'):
            assert torch.equal(state_l[bank]['values'][field], state_u[bank]['values'][field])
    for key in ('queue_weak', 'queue_strong'):
        assert torch.equal(state_l[key]['data'], state_u[key]['data'])
    assert torch.equal(state_l['prototypes'], state_u['prototypes'])


def test_refresh_diagnostics_use_only_the_labelled_rows():
    """The ground-truth accuracy of a refresh is measured on the rows that have a label."""
    views, test_view, labels = toy_data()
    full = toy_eercl()
    full.init_banks(len(labels))
    loader = refresh_batches(test_view, labels, range(len(labels)), batch_size=4)
    diag_full = full.refresh_banks(loader, 0)
    student_acc = (full.weak_bank.get('prob').argmax(1) == labels).float()
    half = toy_eercl()
    half.init_banks(len(labels))
    mixed = [loader[0]] + _drop_labels(loader[1:])  # rows 0-3 labelled, 4-7 not
    diag_half = half.refresh_banks(mixed, 0)
    torch.testing.assert_close(diag_full['diag/refresh_student_acc'],
                               student_acc.mean().item())
    torch.testing.assert_close(diag_half['diag/refresh_student_acc'],
                               student_acc[:4].mean().item())
