"""Registries of ferda: children of basicda's, so ``default_scope='ferda'`` finds
FER readers and models first, then everything basicda and mmengine register."""
from mmengine.registry import Registry

from basicda import registry as bd

# A child registry only imports its own locations, so each lists basicda's modules too:
# building any type by name from the 'ferda' scope then finds every class of both packages.
_LOCATIONS = [
    'basicda.engine', 'basicda.models', 'basicda.evaluation', 'basicda.datasets', 'basicda.banks',
    'basicda.ssl', 'basicda.optim', 'ferda.datasets', 'ferda.models', 'ferda.methods'
]

RUNNERS = Registry('runner', parent=bd.RUNNERS, locations=_LOCATIONS)
LOOPS = Registry('loop', parent=bd.LOOPS, locations=_LOCATIONS)
HOOKS = Registry('hook', parent=bd.HOOKS, locations=_LOCATIONS)
# FER datasets: one reader per format plus the face dataset wrapping them.
DATASETS = Registry('dataset', parent=bd.DATASETS, locations=_LOCATIONS)
DATA_SAMPLERS = Registry('data sampler', parent=bd.DATA_SAMPLERS, locations=_LOCATIONS)
# Face-specific transforms.
TRANSFORMS = Registry('transform', parent=bd.TRANSFORMS, locations=_LOCATIONS)
# FER backbones (IR-50, SwAV-stem ResNet) and method algorithms.
MODELS = Registry('model', parent=bd.MODELS, locations=_LOCATIONS)
MODEL_WRAPPERS = Registry('model_wrapper', parent=bd.MODEL_WRAPPERS, locations=_LOCATIONS)
OPTIMIZERS = Registry('optimizer', parent=bd.OPTIMIZERS, locations=_LOCATIONS)
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=bd.OPTIM_WRAPPERS, locations=_LOCATIONS)
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor',
                                      parent=bd.OPTIM_WRAPPER_CONSTRUCTORS,
                                      locations=_LOCATIONS)
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=bd.PARAM_SCHEDULERS,
                            locations=_LOCATIONS)
METRICS = Registry('metric', parent=bd.METRICS, locations=_LOCATIONS)
EVALUATOR = Registry('evaluator', parent=bd.EVALUATOR, locations=_LOCATIONS)
VISUALIZERS = Registry('visualizer', parent=bd.VISUALIZERS, locations=_LOCATIONS)
VISBACKENDS = Registry('vis_backend', parent=bd.VISBACKENDS, locations=_LOCATIONS)
FUNCTIONS = Registry('function', parent=bd.FUNCTIONS, locations=_LOCATIONS)
LOG_PROCESSORS = Registry('log_processor', parent=bd.LOG_PROCESSORS, locations=_LOCATIONS)
