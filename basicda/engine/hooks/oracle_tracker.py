"""The oracle: the best target-test accuracy over all evaluation points.

It uses target labels, so it is reported only, always under ``oracle/``; it never
drives checkpoint selection, early stopping or the schedule.
"""
from typing import Dict, Optional, Sequence

from mmengine.hooks import Hook

from basicda.registry import HOOKS


def update_oracle(best: Dict[str, dict], metrics: Dict[str, float], prefixes: Sequence[str],
                  metric: str, step: int) -> Dict[str, dict]:
    """Return ``best`` updated with ``metrics`` of one evaluation point.

    For each dataset prefix ``p`` the entry keeps the point with the highest
    ``metrics[f'{p}/{metric}']`` (the first one on ties) with every scalar metric
    of that dataset at that point and the ``step``. Pure: ``best`` is not modified.
    """
    new = {k: dict(v) for k, v in best.items()}
    for p in prefixes:
        key = f'{p}/{metric}'
        if key not in metrics:
            raise KeyError(f'OracleTracker: metric {key!r} not found; available: '
                           f'{sorted(k for k in metrics if k.endswith("/" + metric))}')
        value = float(metrics[key])
        if p not in new or value > new[p][metric]:
            new[p] = {k[len(p) + 1:]: float(v) for k, v in metrics.items()
                      if k.startswith(p + '/') and isinstance(v, (int, float))}
            new[p]['step'] = int(step)
    return new


def merge_oracle(a: Dict[str, dict], b: Dict[str, dict], metric: str) -> Dict[str, dict]:
    """Per dataset, the better of two oracle records (higher ``metric``; on a tie
    the earlier step). Pure; used when a checkpoint's record meets the current one."""
    merged = {k: dict(v) for k, v in a.items()}
    for p, entry in b.items():
        cur = merged.get(p)
        if cur is None or (entry[metric], -entry['step']) > (cur[metric], -cur['step']):
            merged[p] = dict(entry)
    return merged


@HOOKS.register_module()
class OracleTracker(Hook):
    """Record the best target-test metric over evaluation points (reporting only).

    Args:
        target_prefixes: dataset names (evaluation prefixes) whose labels are the
            *target* labels, e.g. ``['wild_test', 'lowres_test']``.
        metric: the metric to maximise (``'accuracy'``).
    """

    priority = 'NORMAL'

    def __init__(self, target_prefixes: Sequence[str], metric: str = 'accuracy') -> None:
        if not target_prefixes:
            raise ValueError('OracleTracker: target_prefixes must name at least one dataset')
        self.target_prefixes = list(target_prefixes)
        self.metric = metric
        self.best: Dict[str, dict] = {}

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        if not metrics:
            return
        step = runner.iter
        self.best = update_oracle(self.best, metrics, self.target_prefixes, self.metric, step)
        for p, entry in self.best.items():
            runner.message_hub.update_scalar(f'val/oracle/{p}/{self.metric}', entry[self.metric])
        runner.message_hub.update_info('oracle_best', self.best)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['oracle_tracker'] = self.best

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # On resume the record comes back; when an older checkpoint is loaded for the
        # final test, the record already holds every point and must not go back.
        self.best = merge_oracle(self.best, checkpoint.get('oracle_tracker', {}), self.metric)
        runner.message_hub.update_info('oracle_best', self.best)
