"""SynFER: a procedurally drawn facial-expression benchmark with a measurable domain gap.

Three domains (``lab``, ``wild``, ``lowres``) of the same parametric face model, written in the
RAF-DB, ExpW and FER2013 formats so the real readers load them (synfer.md). It is a smoke and
teaching benchmark, not a claim about real faces.

Example:
    >>> summary = generate_synfer('data/synfer', per_class=400, seed=0)  # doctest: +SKIP
    >>> summary['domains']['lab']['counts']['test']                     # doctest: +SKIP
    [100, 100, 100, 100, 100, 100, 100]
"""
from .generator import DOMAINS, generate_synfer

__all__ = ['DOMAINS', 'generate_synfer']
