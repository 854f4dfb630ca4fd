"""Active learning: acquisition strategies as pure, seeded, tie-defined selection
functions, the label pool and budget schedule, and the run's output files
(``docs/active-learning.md``)."""
from .badge import badge_embedding, kmeanspp_seed
from .bald import dropout_keep_mask, hash_uniform, mc_dropout_probs, reference_pass_seed
from .coreset import kcenter_greedy
from .outputs import (ROUND_COLUMNS, index_text, labelled_from_files, pool_text,
                      read_index_file, rounds_csv_text, selected_text, sha256_text,
                      write_initial, write_pool, write_round_selection, write_rounds)
from .pool import LabelPool, al_schedule, initial_set, round_seed
from .rounds import is_saturated, restart_due, stop_reason
from .scores import (bald_scores, entropy_scores, least_confidence_scores, margin_scores,
                     top_b)
from .strategies import AL_STRATEGIES, build_strategy, select

__all__ = ['badge_embedding', 'kmeanspp_seed', 'dropout_keep_mask', 'hash_uniform',
           'mc_dropout_probs', 'reference_pass_seed', 'kcenter_greedy', 'LabelPool',
           'al_schedule', 'initial_set',
           'round_seed', 'bald_scores', 'entropy_scores', 'least_confidence_scores',
           'margin_scores', 'top_b', 'AL_STRATEGIES', 'build_strategy', 'select',
           'ROUND_COLUMNS', 'index_text', 'labelled_from_files', 'pool_text', 'read_index_file',
           'rounds_csv_text', 'selected_text', 'sha256_text', 'write_initial', 'write_pool',
           'write_round_selection', 'write_rounds', 'is_saturated', 'restart_due', 'stop_reason']
