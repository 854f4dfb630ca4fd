"""Registries of ferda: children of basicda's, so ``default_scope='ferda'`` finds
FER readers and models first, then everything basicda and mmengine register."""
from mmengine.registry import Registry

from basicda import registry as bd

RUNNERS = Registry('runner', parent=bd.RUNNERS, locations=['ferda.engine'])
LOOPS = Registry('loop', parent=bd.LOOPS, locations=['ferda.methods'])
HOOKS = Registry('hook', parent=bd.HOOKS, locations=['ferda.methods'])
# FER datasets: one reader per format plus the face dataset wrapping them.
DATASETS = Registry('dataset', parent=bd.DATASETS, locations=['ferda.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=bd.DATA_SAMPLERS, locations=['ferda.datasets'])
# Face-specific transforms.
TRANSFORMS = Registry('transform', parent=bd.TRANSFORMS, locations=['ferda.datasets'])
# FER backbones (IR-50, SwAV-stem ResNet) and method algorithms.
MODELS = Registry('model', parent=bd.MODELS, locations=['ferda.models', 'ferda.methods'])
MODEL_WRAPPERS = Registry('model_wrapper', parent=bd.MODEL_WRAPPERS, locations=['ferda.models'])
OPTIMIZERS = Registry('optimizer', parent=bd.OPTIMIZERS, locations=['ferda.engine'])
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=bd.OPTIM_WRAPPERS, locations=['ferda.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor',
                                      parent=bd.OPTIM_WRAPPER_CONSTRUCTORS,
                                      locations=['ferda.engine'])
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=bd.PARAM_SCHEDULERS,
                            locations=['ferda.engine'])
METRICS = Registry('metric', parent=bd.METRICS, locations=['ferda.evaluation'])
EVALUATOR = Registry('evaluator', parent=bd.EVALUATOR, locations=['ferda.evaluation'])
VISUALIZERS = Registry('visualizer', parent=bd.VISUALIZERS, locations=['ferda.visualization'])
VISBACKENDS = Registry('vis_backend', parent=bd.VISBACKENDS, locations=['ferda.visualization'])
FUNCTIONS = Registry('function', parent=bd.FUNCTIONS, locations=['ferda.datasets'])
