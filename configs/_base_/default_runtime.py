# Runtime shared by every FERDA run: registries, hooks, logging, visualisation.
default_scope = 'ferda'
# mmengine's Runner with one live log, runs/EXP/logs/train.log (basicda/engine/runner.py)
runner_type = 'DARunner'

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    # IterTimerHook with an ETA over all datasets of an evaluation
    timer=dict(type='EvalEtaIterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Atomic writes come from basicda.engine.checkpoint. save_best='auto' keeps the
    # best of the first validation metric: the label-free selection split comes
    # first in every dataset config (e.g. lab_val/accuracy, source labels only).
    # DACheckpointHook: rank 0's buffers on every rank before each save, and a
    # last_checkpoint pointer relative to the run folder.
    checkpoint=dict(type='DACheckpointHook', interval=1, max_keep_ckpts=2, save_last=True,
                    save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # State and reporting hooks of basicda (see basicda/engine/hooks/).
    rng_state=dict(type='RngStateHook'),
    # every rank evaluates rank 0's BN statistics, i.e. the network rank 0 saves
    sync_buffers=dict(type='BroadcastBuffersHook'),
    arch_meta=dict(type='ArchMetaHook'),
    confusion=dict(type='ConfusionMatrixHook'),
    results=dict(type='ResultsWriterHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # no dist_cfg: train.py initialises the process group itself (NCCL on GPUs, gloo
    # on CPU; basicda/engine/dist.py) and records the backend it chose here
)

_vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=_vis_backends)

# Validation/test lines show accuracy, MCA and macro-F1 per dataset; per-class numbers and
# confusion matrices go to the JSON log, TensorBoard and confusion/ (basicda/evaluation).
log_processor = dict(type='HeadlineLogProcessor', by_epoch=True, window_size=10)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
