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

# Runners (we use mmengine's Runner; the registry exists so configs can name ours).
RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, locations=['basicda.engine'])
# Loops ("trainers"): multi-dataset evaluation, multi-phase, active-learning rounds, LOSO folds.
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=['basicda.engine.loops'])
# Hooks that decide *when* state is refreshed or recorded.
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['basicda.engine.hooks'])
# Generic datasets and samplers (FER readers register in ferda's children).
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, locations=['basicda.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=MMENGINE_DATA_SAMPLERS,
                         locations=['basicda.datasets'])
# Data transforms.
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS, locations=['basicda.datasets'])
# Algorithms, backbones, heads, losses.
MODELS = Registry('model', parent=MMENGINE_MODELS, locations=['basicda.models'])
# DDP wrappers.
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS,
                          locations=['basicda.models'])
# Optimisers, wrappers and their constructors.
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, locations=['basicda.engine'])
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS,
                          locations=['basicda.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor',
                                      parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
                                      locations=['basicda.engine'])
# Learning-rate and momentum schedules.
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS,
                            locations=['basicda.engine.schedulers'])
# Evaluation metrics and evaluators.
METRICS = Registry('metric', parent=MMENGINE_METRICS, locations=['basicda.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR, locations=['basicda.evaluation'])
# Visualisation.
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS,
                       locations=['basicda.visualization'])
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS,
                       locations=['basicda.visualization'])
# Plain functions built from configs (collate functions, worker init).
FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS, locations=['basicda.datasets'])
