"""The validation/test log line holds the headline metrics only; the tag that the JSON log
and TensorBoard receive keeps everything."""
from types import SimpleNamespace

from mmengine.logging import MessageHub
from mmengine.runner import LogProcessor

from basicda.evaluation.log_processor import (HeadlineLogProcessor, grouped_headline,
                                              is_headline, metric_groups, metrics_table)

CLASSES = ('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral')


def _runner(mode: str, datasets=('lab_val', 'wild_test', 'lowres_test')):
    """A runner stand-in whose message hub holds what RuntimeInfoHook stores after an
    evaluation of ``datasets`` with ClsMetric (7 classes), the oracle and the timings."""
    hub = MessageHub(f'log_processor_{mode}_{len(datasets)}')
    for k, name in enumerate(datasets):
        for metric, value in (('accuracy', 0.5 + k / 10), ('mca', 0.25), ('macro_f1', 0.125),
                              ('ce', 1.75)):
            hub.update_scalar(f'{mode}/{name}/{metric}', value)
        for c in CLASSES:
            hub.update_scalar(f'{mode}/{name}/recall/{c}', 0.5)
            hub.update_scalar(f'{mode}/{name}/f1/{c}', 0.5)
        hub.update_info(f'{mode}/{name}/confusion', [[1] * 7 for _ in range(7)])
    hub.update_scalar(f'{mode}/oracle/wild_test/accuracy', 0.75)
    hub.update_scalar(f'{mode}/time', 0.01)
    hub.update_scalar(f'{mode}/data_time', 0.002)
    if mode == 'test':
        hub.update_info('test/test_checkpoint', 'runs/x/epoch_2.pth')
    loop = SimpleNamespace(dataloader=[None] * 3)
    return SimpleNamespace(message_hub=hub, val_loop=loop, test_loop=loop, epoch=2,
                           _train_loop=None)


def test_validation_line_has_only_headline_metrics_and_the_tag_has_all():
    runner = _runner('val')
    tag, line = HeadlineLogProcessor(by_epoch=True).get_log_after_epoch(runner, 3, 'val')
    full_tag, full_line = LogProcessor(by_epoch=True).get_log_after_epoch(runner, 3, 'val')
    assert tag == full_tag  # JSON / TensorBoard receive everything, as before
    assert 'lab_val/recall/Fear' in tag
    assert line.startswith('Epoch(val) [0][3/3]  ')  # epoch 0: no train loop here
    assert 'wild_test/accuracy: 0.6000' in line and 'lowres_test/macro_f1: 0.1250' in line
    assert 'oracle/wild_test/accuracy: 0.7500' in line and 'time: 0.0100' in line
    for hidden in ('recall/', 'f1/Fear', '/ce', 'confusion', '[[', '|'):
        assert hidden not in line, hidden
    # 3 datasets x 3 metrics + oracle + time + data_time
    assert line.count(': ') == 12
    assert len(line) < len(full_line) / 4


def test_test_line_ends_with_a_table_and_keeps_the_non_scalar_tag():
    runner = _runner('test')
    tag, text = HeadlineLogProcessor(by_epoch=True).get_log_after_epoch(
        runner, 3, 'test', with_non_scalar=True)
    assert tag['wild_test/confusion'] == [[1] * 7 for _ in range(7)]  # results JSON keeps it
    line, table = text.split('\n', 1)
    assert 'test_checkpoint: runs/x/epoch_2.pth' in line and 'confusion' not in line
    assert table.splitlines() == [
        '| dataset | accuracy | mca | macro_f1 |', '|---|---|---|---|',
        '| lab_val | 50.00 | 25.00 | 12.50 |', '| wild_test | 60.00 | 25.00 | 12.50 |',
        '| lowres_test | 70.00 | 25.00 | 12.50 |']
    _, no_table = HeadlineLogProcessor(by_epoch=True, table_after_test=False).get_log_after_epoch(
        runner, 3, 'test')
    assert '\n' not in no_table


def test_headline_helpers():
    keys = ['wild_test/accuracy', 'wild_test/ce', 'oracle/wild_test/accuracy', 'diag/selected']
    groups = metric_groups(keys)
    assert groups == {'wild_test', 'oracle/wild_test'}
    assert is_headline('oracle/wild_test/accuracy', 0.5, groups)
    assert not is_headline('wild_test/ce', 1.0, groups)
    assert not is_headline('wild_test/confusion', [[1]], groups)
    assert is_headline('test_checkpoint', 'runs/x.pth', groups)
    assert is_headline('diag/selected', 12.0, groups)  # not a dataset's metric: kept
    assert grouped_headline({'a/accuracy': 1, 'a/mca': 0.5, 'a/macro_f1': 0.25,
                             'oracle/a/accuracy': 0.9, 'time': 0.1}) == {
        'a': dict(accuracy=1.0, mca=0.5, macro_f1=0.25)}
    assert '| w | 50.00 | - |' in metrics_table({'w': {'accuracy': 0.5}}, ('accuracy', 'mca'))
