"""Engine pieces mmengine lacks: CPU-safe distributed set-up, checkpoint safety,
multi-dataset evaluation loops, state and selection hooks, LR schedules."""
from . import checkpoint, config_text
from .ddp import MethodDDP
from .dist import ddp_wrapper_cfg, init_distributed
from .hooks import *  # noqa: F401,F403  (registers the hooks)
from .loops import *  # noqa: F401,F403  (registers the loops)
from .runner import DARunner
from .schedulers import *  # noqa: F401,F403  (registers the schedulers)

checkpoint.install()
config_text.install()
