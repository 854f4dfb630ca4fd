"""Evaluation lines a person can read: headline metrics in ``train.log``, the rest elsewhere.

:class:`ClsMetric` returns, per dataset, the headline metrics (accuracy, MCA, macro-F1), the
CE, per-class recall/F1 and the confusion matrix. mmengine's ``LogProcessor`` prints all of
them on one line (~4,000 characters with four datasets). :class:`HeadlineLogProcessor` prints
only the headline metrics (and scalars that belong to no dataset, such as the oracle or the
time); everything still goes to the JSON scalars log and TensorBoard, and confusion matrices
to ``<work_dir>/confusion/`` (``ConfusionMatrixHook``). After the test it adds a compact
table (one row per dataset, in %), the one ``results.md`` holds.

Example of a validation line (four datasets)::

    Epoch(val) [2][1/1]  lab_val/accuracy: 0.4286  lab_val/mca: 0.4286  lab_val/macro_f1: 0.3810
    ...  oracle/wild_test/accuracy: 0.2143  data_time: 0.0021  time: 0.0102
"""
from typing import Sequence, Tuple

import numpy as np
import torch
from mmengine.runner import LogProcessor

from basicda.registry import LOG_PROCESSORS

HEADLINE_METRICS = ('accuracy', 'mca', 'macro_f1')
# mmengine separates the items of a log line by two spaces (header included)
_SEP = '  '


def metrics_table(grouped: dict, metric_names: Sequence[str] = HEADLINE_METRICS) -> str:
    """Markdown table: one row per dataset, one column per metric, in %.

    Args:
        grouped: ``{dataset: {metric: fraction}}`` (``results.json``'s ``metrics``).
    """
    header = '| dataset | ' + ' | '.join(metric_names) + ' |'
    lines = [header, '|' + '---|' * (len(metric_names) + 1)]
    for dataset, values in grouped.items():
        cells = [f'{100 * values[m]:.2f}' if m in values else '-' for m in metric_names]
        lines.append(f'| {dataset} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def metric_groups(keys, headline: Sequence[str] = HEADLINE_METRICS) -> set:
    """The prefixes that carry a headline metric: ``{'wild_test', 'oracle/wild_test'}`` from
    ``['wild_test/accuracy', 'wild_test/recall/Fear', 'oracle/wild_test/accuracy', 'time']``."""
    return {k.rsplit('/', 1)[0] for k in keys if '/' in k and k.rsplit('/', 1)[1] in headline}


def is_headline(key: str, value, groups, headline: Sequence[str] = HEADLINE_METRICS) -> bool:
    """Whether a logged ``key`` (mode prefix removed) stays in the one-line log.

    Under a prefix of ``groups`` (a dataset that reported headline metrics) only the headline
    metrics stay: ``wild_test/accuracy`` stays, ``wild_test/recall/Fear`` and ``wild_test/ce``
    go. Any other number or string stays (``time``, ``lr``, ``test_checkpoint``, a loop's
    ``diag/...``); lists, arrays and tensors (confusion matrices) never do.

    Example:
        >>> [is_headline(k, 0.5, {'lab_val'}) for k in ('lab_val/mca', 'lab_val/f1/Fear', 'time')]
        [True, False, True]
    """
    if isinstance(value, (list, tuple, dict, np.ndarray, torch.Tensor)):
        return False
    group = next((g for g in groups if key.startswith(g + '/')), None)
    return group is None or key[len(group) + 1:] in headline


def grouped_headline(tag: dict, headline: Sequence[str] = HEADLINE_METRICS) -> dict:
    """``{'wild_test/accuracy': .5, ...}`` -> ``{'wild_test': {'accuracy': .5, ...}}`` for the
    datasets that have every headline metric (the oracle and timings are not datasets)."""
    grouped: dict = {}
    for key, value in tag.items():
        dataset, _, name = key.rpartition('/')
        if dataset and name in headline and not isinstance(value, str):
            grouped.setdefault(dataset, {})[name] = float(value)
    return {d: v for d, v in grouped.items() if set(v) == set(headline)}


@LOG_PROCESSORS.register_module()
class HeadlineLogProcessor(LogProcessor):
    """mmengine's ``LogProcessor`` whose validation/test lines hold only headline metrics.

    The returned ``tag`` (what the JSON log and TensorBoard receive) is mmengine's, complete;
    only the log line is shortened. After a test the line is followed by a markdown table of
    the headline metrics per dataset (``table_after_test=False`` leaves it out).

    Args:
        headline: metric names kept in the line (the last part of ``dataset/metric``).
        table_after_test: add the table after the test line.
        **kwargs: :class:`mmengine.runner.LogProcessor` arguments (``by_epoch``,
            ``window_size``, ...).
    """

    def __init__(self, headline: Sequence[str] = HEADLINE_METRICS, table_after_test: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.headline = tuple(headline)
        self.table_after_test = table_after_test

    def get_log_after_epoch(self, runner, batch_idx: int, mode: str,
                            with_non_scalar: bool = False) -> Tuple[dict, str]:
        tag, full = super().get_log_after_epoch(runner, batch_idx, mode, with_non_scalar=True)
        header = full.split(_SEP, 1)[0]
        names = {key: key[len(mode) + 1:] if key.startswith(f'{mode}/') else key for key in tag}
        groups = metric_groups(names.values(), self.headline)
        items = []
        for key, value in tag.items():
            if is_headline(names[key], value, groups, self.headline):
                shown = f'{value:.{self.num_digits}f}' if isinstance(value, float) else value
                items.append(f'{key}: {shown}')
        log_str = _SEP.join([header + _SEP] + items)
        if mode == 'test' and self.table_after_test:
            grouped = grouped_headline({names[k]: v for k, v in tag.items()}, self.headline)
            if grouped:
                log_str += '\n' + metrics_table(grouped, self.headline)
        if not with_non_scalar:
            non_scalar = self._collect_non_scalars(runner, mode)
            tag = {k: v for k, v in tag.items() if k not in non_scalar}
        return tag, log_str
