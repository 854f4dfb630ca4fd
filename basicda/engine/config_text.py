"""One yapf pass per config text, not one per use.

mmengine formats a config with yapf every time it reads ``Config.pretty_text``, and a run
reads it many times for the same config: the dumped config, the environment log, the
message hub at ``before_run``, the TensorBoard config text, and the ``meta['cfg']`` of
*every* checkpoint. yapf costs ~0.3 s a call on a 2-core machine, which made it the largest
single cost of a short run (10 calls, ~35 % of a tiny CPU training run in a profile).

:func:`install` wraps the ``FormatCode`` that ``mmengine.config.config`` imported with a
small cache keyed on its exact input (the unformatted text and the style), so the output is
byte-identical to mmengine's and a changed config is formatted afresh.
"""
from collections import OrderedDict

import mmengine.config.config as mm_config

__all__ = ['install', 'cached_format_code']

_MAX_ENTRIES = 8
_cache: 'OrderedDict[tuple, object]' = OrderedDict()
_original = None


def _key(text: str, kwargs: dict) -> tuple:
    return (text, repr(sorted(kwargs.items(), key=lambda kv: kv[0])))


def cached_format_code(text: str, **kwargs):
    """``yapf``'s ``FormatCode(text, **kwargs)``, computed once per distinct input.

    The last :data:`_MAX_ENTRIES` inputs are kept (least recently used dropped). The
    result is returned as yapf returned it (a ``(text, changed)`` tuple: immutable, so
    sharing it is safe).
    """
    key = _key(text, kwargs)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    result = _original(text, **kwargs)
    _cache[key] = result
    if len(_cache) > _MAX_ENTRIES:
        _cache.popitem(last=False)
    return result


def install() -> None:
    """Make mmengine's ``Config.pretty_text`` use :func:`cached_format_code` (idempotent)."""
    global _original
    if _original is None:
        _original = mm_config.FormatCode
        mm_config.FormatCode = cached_format_code
