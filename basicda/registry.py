"""Registries of the basicda engine.

Each is a child of the matching mmengine root registry, so configs with
``default_scope='ferda'`` (or ``'basicda'``) find our classes and mmengine's
alike. ``locations`` lists the modules that register into it: building by name
imports them lazily, so ``import basicda`` stays cheap.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

# Every module that registers something; importing one imports none of ferda.
_LOCATIONS = [
    'basicda.engine', 'basicda.models', 'basicda.evaluation', 'basicda.datasets', 'basicda.banks',
    'basicda.ssl', 'basicda.optim'
]

# Runners (we use mmengine's Runner; the registry exists so configs can name ours).
RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, locations=_LOCATIONS)
# Loops ("trainers"): multi-dataset evaluation, multi-phase, active-learning rounds, LOSO folds.
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=_LOCATIONS)
# Hooks that decide *when* state is refreshed or recorded.
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=_LOCATIONS)
# Generic datasets and samplers (FER readers register in ferda's children).
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, locations=_LOCATIONS)
DATA_SAMPLERS = Registry('data sampler', parent=MMENGINE_DATA_SAMPLERS,
                         locations=_LOCATIONS)
# Data transforms.
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS, locations=_LOCATIONS)
# Algorithms, backbones, heads, losses.
MODELS = Registry('model', parent=MMENGINE_MODELS, locations=_LOCATIONS)
# DDP wrappers.
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS,
                          locations=_LOCATIONS)
# Optimisers, wrappers and their constructors.
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, locations=_LOCATIONS)
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS,
                          locations=_LOCATIONS)
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor',
                                      parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
                                      locations=_LOCATIONS)
# Learning-rate and momentum schedules.
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS,
                            locations=_LOCATIONS)
# Evaluation metrics and evaluators.
METRICS = Registry('metric', parent=MMENGINE_METRICS, locations=_LOCATIONS)
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR, locations=_LOCATIONS)
# Visualisation.
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS, locations=_LOCATIONS)
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS, locations=_LOCATIONS)
# Plain functions built from configs (collate functions, worker init).
FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS, locations=_LOCATIONS)
# Active-learning acquisition strategies: pure functions fn(inputs, b, seed) (basicda/active).
AL_STRATEGIES = Registry('al_strategy', locations=['basicda.active'])
# How evaluation results become log lines (basicda/evaluation/log_processor.py).
LOG_PROCESSORS = Registry('log_processor', parent=MMENGINE_LOG_PROCESSORS, locations=_LOCATIONS)
