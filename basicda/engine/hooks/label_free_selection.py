"""Label-free model selection at every evaluation point (docs/results.md §4).

A source-free method has no labelled target data to pick a checkpoint with. At each
evaluation point :class:`~basicda.evaluation.ClsMetric` (``label_free=...``) scores the target
predictions without labels (prediction entropy, information maximisation, SND); this hook keeps,
per target dataset and criterion, the metrics of the point the criterion prefers, plus those of
the last point. ``results.json`` reports them under ``"selectors"`` beside the run's own
selection and the oracle, so "last", each selector and the oracle can be compared without
keeping a checkpoint per evaluation point.
"""
from typing import Dict, Optional, Sequence

from mmengine.hooks import Hook

from basicda.evaluation.cls_metric import LABEL_FREE_CRITERIA
from basicda.registry import HOOKS

LAST = 'last'


def update_selection(best: Dict[str, dict], metrics: Dict[str, float], prefixes: Sequence[str],
                     criteria: Sequence[str], step: int) -> Dict[str, dict]:
    """Return ``best`` (``{selector: {dataset: {metric: value, 'step': s}}}``) updated with one
    evaluation point. Pure: ``best`` is not modified.

    For every dataset prefix ``p`` and criterion ``c`` (sign from
    :data:`~basicda.evaluation.cls_metric.LABEL_FREE_CRITERIA`), the entry keeps the scalar
    metrics of ``p`` at the point with the largest ``sign * metrics[f'{p}/{c}']`` (the first on
    ties); ``'last'`` always takes the newest point.

    Example:
        >>> b = update_selection({}, {'t/accuracy': .5, 't/entropy': .9}, ['t'], ['entropy'], 1)
        >>> b = update_selection(b, {'t/accuracy': .4, 't/entropy': .2}, ['t'], ['entropy'], 2)
        >>> b = update_selection(b, {'t/accuracy': .7, 't/entropy': .6}, ['t'], ['entropy'], 3)
        >>> b['entropy']['t'], b['last']['t']['accuracy']
        ({'accuracy': 0.4, 'entropy': 0.2, 'step': 2}, 0.7)
    """
    new = {sel: {p: dict(e) for p, e in by_p.items()} for sel, by_p in best.items()}
    for p in prefixes:
        point = {k[len(p) + 1:]: float(v) for k, v in metrics.items()
                 if k.startswith(p + '/') and isinstance(v, (int, float))}
        point['step'] = int(step)
        new.setdefault(LAST, {})[p] = point
        for c in criteria:
            if c not in point:
                raise KeyError(f'LabelFreeSelectionHook: metric {p}/{c} not found; set '
                               f"label_free=[..., '{c}'] in the evaluator (ClsMetric)")
            sign = LABEL_FREE_CRITERIA[c][1]
            cur = new.setdefault(c, {}).get(p)
            if cur is None or sign * point[c] > sign * cur[c]:
                new[c][p] = dict(point)
    return new


def merge_selection(a: Dict[str, dict], b: Dict[str, dict]) -> Dict[str, dict]:
    """Per selector and dataset, the better of two records (a checkpoint's and the current
    one): ``'last'`` by the later step, a criterion by its sign (the earlier step on a tie).
    Pure."""
    merged = {sel: {p: dict(e) for p, e in by_p.items()} for sel, by_p in a.items()}
    for sel, by_p in b.items():
        for p, entry in by_p.items():
            cur = merged.setdefault(sel, {}).get(p)
            if cur is None:
                better = True
            elif sel == LAST:
                better = entry['step'] > cur['step']
            else:
                sign = LABEL_FREE_CRITERIA[sel][1]
                better = (sign * entry[sel], -entry['step']) > (sign * cur[sel], -cur['step'])
            if better:
                merged[sel][p] = dict(entry)
    return merged


@HOOKS.register_module()
class LabelFreeSelectionHook(Hook):
    """Record, per target dataset, the metrics at the evaluation point each label-free
    criterion selects, and at the last point (reported in ``results.json``; never used to
    pick the checkpoint the run's final test evaluates).

    Args:
        target_prefixes: evaluated datasets whose predictions are scored
            (``['wild_test']``); their evaluator must compute the criteria
            (``ClsMetric(label_free=...)``).
        criteria: names from ``LABEL_FREE_CRITERIA``. Default: all of them.
    """

    priority = 'NORMAL'

    def __init__(self, target_prefixes: Sequence[str],
                 criteria: Optional[Sequence[str]] = None) -> None:
        if not target_prefixes:
            raise ValueError('LabelFreeSelectionHook: target_prefixes must name a dataset')
        criteria = list(LABEL_FREE_CRITERIA if criteria is None else criteria)
        unknown = [c for c in criteria if c not in LABEL_FREE_CRITERIA]
        if unknown:
            raise ValueError(f'LabelFreeSelectionHook: unknown criteria {unknown}; choose from '
                             f'{list(LABEL_FREE_CRITERIA)}')
        self.target_prefixes = list(target_prefixes)
        self.criteria = criteria
        self.best: Dict[str, dict] = {}

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        if not metrics:
            return
        self.best = update_selection(self.best, metrics, self.target_prefixes, self.criteria,
                                     runner.iter)
        runner.message_hub.update_info('label_free_selection', self.best)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['label_free_selection'] = self.best

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # on resume the record comes back; loading an older checkpoint for the final test
        # must not drop points recorded after it
        self.best = merge_selection(self.best, checkpoint.get('label_free_selection', {}))
        runner.message_hub.update_info('label_free_selection', self.best)
