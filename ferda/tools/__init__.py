"""The ``ferda`` subcommands (see ``ferda.tools.cli``)."""
import os.path as osp

#: The repository root (configs/ lives there; the package is installed editable).
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def repo_path(*parts: str) -> str:
    """A path inside the repository, e.g. ``repo_path('configs', 'demo', name)``."""
    return osp.join(REPO_ROOT, *parts)
