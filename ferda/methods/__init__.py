"""One package per method: its algorithm model, hooks and glue (generic math stays in basicda).

Importing this package registers every method's classes (the registries list it in
their ``locations``)."""
from . import clup, dvscl, eercl, ldl  # noqa: F401
