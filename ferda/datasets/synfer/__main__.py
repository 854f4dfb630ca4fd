"""``python -m ferda.datasets.synfer``: see :mod:`ferda.datasets.synfer.cli`."""
from .cli import main

if __name__ == '__main__':
    main()
