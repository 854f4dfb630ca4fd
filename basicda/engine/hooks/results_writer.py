"""``results.json``: the final metrics of a run, per evaluated dataset."""
import os.path as osp
from typing import Optional

from mmengine.dist import master_only
from mmengine.hooks import Hook

from basicda.fileio import atomic_write_json
from basicda.registry import HOOKS


def group_metrics(metrics: dict) -> dict:
    """``{'wild_test/accuracy': .8, ...}`` -> ``{'wild_test': {'accuracy': .8, ...}}``."""
    grouped: dict = {}
    for key, value in metrics.items():
        dataset, _, name = key.partition('/')
        if not name:
            dataset, name = 'all', key
        grouped.setdefault(dataset, {})[name] = value
    return grouped


@HOOKS.register_module()
class ResultsWriterHook(Hook):
    """After the final test, write ``<work_dir>/<filename>``.

    Layout::

        {"checkpoint": <path of the evaluated weights or "current">,
         "selection": <how that checkpoint was chosen, label-free>,
         "metrics": {<dataset>: {accuracy, mca, macro_f1, ce, recall/..., f1/..., confusion}},
         "oracle": {<target dataset>: {... best over evaluation points, uses target labels}},
         "selectors": {<selector>: {<target dataset>: {... at the point it selects, label-free}}}}

    ``selectors`` (``last`` and each criterion of ``LabelFreeSelectionHook``) is written only
    when that hook ran.

    Args:
        filename: file name inside the work dir.
    """

    priority = 'LOW'

    def __init__(self, filename: str = 'results.json') -> None:
        self.filename = filename

    @master_only
    def after_test_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        hub = runner.message_hub
        result = dict(
            checkpoint=hub.get_info('test_checkpoint', 'current'),
            selection=hub.get_info('test_selection', 'current weights'),
            metrics=group_metrics(metrics or {}),
            oracle=hub.get_info('oracle_best', {}),
        )
        selectors = hub.get_info('label_free_selection', {})
        if selectors:
            result['selectors'] = selectors
        atomic_write_json(result, osp.join(runner.work_dir, self.filename), indent=1)
