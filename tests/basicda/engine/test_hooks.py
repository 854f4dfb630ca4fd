import random
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from basicda.engine.hooks import (ArchMetaHook, capture_rng_state, group_metrics,
                                  restore_rng_state, update_oracle)


def test_update_oracle_keeps_the_best_point_per_dataset():
    p1 = {'wild_test/accuracy': 0.5, 'wild_test/mca': 0.4, 'lab_val/accuracy': 0.9,
          'wild_test/confusion': [[1]]}
    p2 = {'wild_test/accuracy': 0.7, 'wild_test/mca': 0.6, 'lab_val/accuracy': 0.8}
    p3 = {'wild_test/accuracy': 0.7, 'wild_test/mca': 0.9, 'lab_val/accuracy': 0.95}
    best = update_oracle({}, p1, ['wild_test'], 'accuracy', step=10)
    assert best == {'wild_test': {'accuracy': 0.5, 'mca': 0.4, 'step': 10}}
    best2 = update_oracle(best, p2, ['wild_test'], 'accuracy', step=20)
    assert best2 == {'wild_test': {'accuracy': 0.7, 'mca': 0.6, 'step': 20}}
    assert best['wild_test']['step'] == 10  # pure: input untouched
    # a tie keeps the first point
    assert update_oracle(best2, p3, ['wild_test'], 'accuracy', step=30) == best2


def test_update_oracle_names_a_missing_metric():
    with pytest.raises(KeyError, match="'lowres_test/accuracy' not found"):
        update_oracle({}, {'wild_test/accuracy': 0.5}, ['lowres_test'], 'accuracy', 1)


def test_group_metrics():
    assert group_metrics({'a_test/accuracy': 1.0, 'a_test/f1/Fear': 0.5, 'b/mca': 0.2}) == {
        'a_test': {'accuracy': 1.0, 'f1/Fear': 0.5}, 'b': {'mca': 0.2}}


def test_rng_state_roundtrip():
    state = capture_rng_state()
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    restore_rng_state(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


def test_arch_meta_hook_refuses_a_checkpoint_of_another_stem():
    model = SimpleNamespace(arch_meta=dict(backbone='resnet18', stem='swav_s1', out_dim=512))
    runner = SimpleNamespace(model=model)
    hook = ArchMetaHook()
    saved = {}
    hook.before_save_checkpoint(runner, saved)
    assert saved['meta']['arch']['stem'] == 'swav_s1'
    hook.after_load_checkpoint(runner, saved)  # same architecture: fine
    other = {'meta': {'arch': dict(backbone='resnet18', stem='default', out_dim=512)}}
    with pytest.raises(ValueError, match='stem'):
        hook.after_load_checkpoint(runner, other)


def test_merge_oracle_keeps_the_better_record():
    from basicda.engine.hooks import merge_oracle
    now = {'wild_test': {'accuracy': 0.57, 'step': 900}}
    old = {'wild_test': {'accuracy': 0.56, 'step': 660}, 'lowres_test': {'accuracy': 0.5,
                                                                         'step': 30}}
    merged = merge_oracle(now, old, 'accuracy')
    assert merged == {'wild_test': {'accuracy': 0.57, 'step': 900},
                      'lowres_test': {'accuracy': 0.5, 'step': 30}}
    # on a tie the earlier point wins
    tie = merge_oracle({'w': {'accuracy': 0.5, 'step': 90}}, {'w': {'accuracy': 0.5, 'step': 30}},
                       'accuracy')
    assert tie['w']['step'] == 30


def test_oracle_tracker_is_not_rolled_back_by_loading_an_older_checkpoint():
    from basicda.engine.hooks import OracleTracker
    from mmengine.logging import MessageHub
    runner = SimpleNamespace(iter=900, message_hub=MessageHub.get_instance('oracle_hub'))
    hook = OracleTracker(target_prefixes=['wild_test'])
    hook.after_val_epoch(runner, {'wild_test/accuracy': 0.57})
    hook.after_load_checkpoint(runner, {'oracle_tracker': {'wild_test': {'accuracy': 0.56,
                                                                         'step': 660}}})
    assert hook.best['wild_test'] == {'accuracy': 0.57, 'step': 900}


def test_label_free_selection_keeps_each_criterions_point_and_the_last():
    from basicda.engine.hooks import merge_selection, update_selection
    points = [  # (step, accuracy, entropy (lower wins), im, snd (higher win))
        (6, 0.50, 0.90, 0.10, 2.0), (12, 0.60, 0.40, 0.30, 1.0), (18, 0.55, 0.40, 0.20, 3.0)]
    best = {}
    for step, acc, ent, im, snd in points:
        metrics = {'t/accuracy': acc, 't/entropy': ent, 't/im': im, 't/snd': snd,
                   't/confusion': [[1]], 'v/accuracy': 1.0}
        before = best
        best = update_selection(best, metrics, ['t'], ['entropy', 'im', 'snd'], step)
    assert before['last']['t']['step'] == 12  # pure: the previous record is untouched
    chosen = {sel: (e['t']['step'], e['t']['accuracy']) for sel, e in best.items()}
    # entropy ties at 12 and 18: the first point is kept
    assert chosen == {'last': (18, 0.55), 'entropy': (12, 0.60), 'im': (12, 0.60),
                      'snd': (18, 0.55)}
    assert set(best['last']['t']) == {'accuracy', 'entropy', 'im', 'snd', 'step'}
    # a checkpoint's older record (up to step 6) does not replace a later or better one
    early = update_selection({}, {'t/accuracy': .5, 't/entropy': .9, 't/im': .1, 't/snd': 2.},
                             ['t'], ['entropy', 'im', 'snd'], 6)
    assert merge_selection(best, early) == best
    assert merge_selection(early, best) == best
    with pytest.raises(KeyError, match=r"metric t/snd not found; set label_free="):
        update_selection({}, {'t/accuracy': .5}, ['t'], ['snd'], 1)
