"""FER backbones."""
from .ir50 import IR50, IRUnit

__all__ = ['IR50', 'IRUnit']
