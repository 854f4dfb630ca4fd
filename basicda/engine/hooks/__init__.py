from .arch_meta import ArchMetaHook
from .confusion_matrix import ConfusionMatrixHook, render_confusion
from .export_encoder import ExportEncoderHook, encoder_file_state
from .iter_timer import EvalEtaIterTimerHook, remaining_seconds
from .label_free_selection import LabelFreeSelectionHook, merge_selection, update_selection
from .method_state import MethodStateHook, checkpoint_due
from .oracle_tracker import OracleTracker, merge_oracle, update_oracle
from .results_writer import ResultsWriterHook, group_metrics
from .rng_state import RngStateHook, capture_rng_state, restore_rng_state
from .sync_buffers import BroadcastBuffersHook

__all__ = [
    'ArchMetaHook', 'ConfusionMatrixHook', 'render_confusion', 'OracleTracker', 'merge_oracle',
    'update_oracle', 'ResultsWriterHook', 'group_metrics', 'RngStateHook', 'capture_rng_state',
    'restore_rng_state', 'MethodStateHook', 'checkpoint_due', 'BroadcastBuffersHook',
    'EvalEtaIterTimerHook', 'remaining_seconds', 'LabelFreeSelectionHook', 'merge_selection',
    'update_selection', 'ExportEncoderHook', 'encoder_file_state'
]
