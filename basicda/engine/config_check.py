"""The top-level config keys a run reads, and the check that refuses every other one.

mmengine's Runner reads a fixed set of top-level keys and silently ignores the rest, so a
key nothing reads is a dead option: ``--cfg-options data_root=data/nowhere`` changed the
dumped config while the run kept reading the paths that ``data_root`` had been
interpolated into when the file was loaded. :func:`check_config_keys` turns such a key
into an error that names the keys to set instead.

Helpers. A top-level name starting with ``_`` (``_reader``, ``_data_root``) is a helper of
the config files: a value shared through ``_base_`` and interpolated into the read keys at
load time. mmengine 0.10.7 drops only ``__`` names (and functions and modules) from a
loaded config, so ``_`` helpers would be dumped with the run; :func:`strip_helpers` removes
them, and an override of a helper is refused like any unread key.

Registry. :data:`TOP_LEVEL_KEYS` maps every key a run reads to who reads it; a package
that reads another top-level key registers it with :func:`register_top_level_key` when its
module is imported. Before refusing a key, the check imports every module the registries of
the config's ``default_scope`` list in their lazy ``locations``, so a key registered by a
module that a build would import later is known too.
"""
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

HELPER_PREFIX = '_'
MAX_SUGGESTIONS = 12

_RUNNER = 'mmengine Runner.from_cfg'
# key -> who reads it (mmengine 0.10.7: mmengine/runner/runner.py, mmengine/config/config.py,
# mmengine/registry/build_functions.py)
TOP_LEVEL_KEYS: Dict[str, str] = {
    **{key: _RUNNER for key in (
        'model', 'work_dir', 'train_dataloader', 'val_dataloader', 'test_dataloader',
        'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper',
        'param_scheduler', 'val_evaluator', 'test_evaluator', 'default_hooks', 'custom_hooks',
        'data_preprocessor', 'load_from', 'resume', 'launcher', 'env_cfg', 'log_processor',
        'log_level', 'visualizer', 'default_scope', 'randomness', 'experiment_name')},
    'model_wrapper_cfg': 'mmengine Runner.wrap_model',
    'sync_bn': 'mmengine Runner.wrap_model',
    'find_unused_parameters': 'mmengine Runner.wrap_model',
    'activation_checkpointing': 'mmengine Runner.train',
    'efficient_conv_bn_eval': 'mmengine Runner.train',
    'compile': 'mmengine Runner._maybe_compile',
    'runner_type': 'mmengine RUNNERS.build (build_runner_from_cfg)',
    'custom_imports': 'mmengine Config.fromfile',
    # the stages run before this config by experiments/*.sh (ferda.tools.pipeline)
    'pipeline': 'ferda.tools.pipeline.read_stages',
}


class UnreadConfigKeyError(ValueError):
    """A top-level config key (in the file or in an override) that nothing reads."""


def register_top_level_key(key: str, reader: str) -> None:
    """Declare that ``reader`` (a dotted name, for the error messages) reads ``cfg[key]``."""
    if key.startswith(HELPER_PREFIX):
        raise ValueError(f'top-level key {key!r}: names starting with {HELPER_PREFIX!r} are '
                         'config-file helpers and are never read')
    known = TOP_LEVEL_KEYS.get(key)
    if known is not None and known != reader:
        raise ValueError(f'top-level key {key!r} is already registered as read by {known}')
    TOP_LEVEL_KEYS[key] = reader


def is_helper(key: str) -> bool:
    return key.startswith(HELPER_PREFIX)


def unread_keys(cfg: Mapping) -> List[str]:
    """Top-level keys of ``cfg`` that are neither read (:data:`TOP_LEVEL_KEYS`) nor helpers."""
    return [key for key in cfg.keys() if not is_helper(key) and key not in TOP_LEVEL_KEYS]


def import_scope_modules(scope: Optional[str]) -> None:
    """Import the lazy ``locations`` of every registry of ``scope`` (e.g. ``'ferda'``), as
    building from them would: the modules that register top-level keys among them."""
    import mmengine.registry as roots
    from mmengine.registry import Registry

    stack = [r for r in vars(roots).values() if isinstance(r, Registry)]
    while stack:
        registry = stack.pop()
        if registry.scope == scope:
            registry.import_from_location()
        stack += registry.children.values()


def _paths(node: Any, prefix: str) -> Iterator[Tuple[str, Any]]:
    """Every ``(dotted path, value)`` below ``node``; list items by index, as
    ``--cfg-options custom_hooks.1.interval=0`` addresses them."""
    if isinstance(node, Mapping):
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        path = f'{prefix}.{key}'
        yield path, value
        yield from _paths(value, path)


def keys_named(cfg: Mapping, name: str) -> List[Tuple[str, Any]]:
    """``(path, value)`` of every key called ``name`` inside the read top-level keys."""
    found = []
    for top, value in cfg.items():
        if is_helper(top) or top not in TOP_LEVEL_KEYS:
            continue
        if top == name:
            found.append((top, value))
        found += [(path, v) for path, v in _paths(value, top) if path.rsplit('.', 1)[-1] == name]
    return found


def _unread_override_message(cfg: Mapping, key: str, value: Any) -> str:
    top = key.split('.', 1)[0]
    leaf = key.rsplit('.', 1)[-1]
    lines = [f'--cfg-options {key}={value}: top-level key {top!r} is read by nothing, so the '
             'override would change the dumped config and not the run.']
    helper = top if is_helper(top) else HELPER_PREFIX + top
    if helper in cfg:
        lines.append(f'{helper!r} is a helper of the config files: its value '
                     f'{cfg[helper]!r} was interpolated into the keys below when '
                     'the file was read.')
    name = leaf.lstrip(HELPER_PREFIX)
    found = keys_named(cfg, name)
    if found:
        lines.append(f'Set the keys called {name!r} that the run reads instead:')
        lines += [f'  {path}={v!r}' for path, v in found[:MAX_SUGGESTIONS]]
        if len(found) > MAX_SUGGESTIONS:
            lines.append(f'  ... and {len(found) - MAX_SUGGESTIONS} more')
    else:
        lines.append('Top-level keys a run reads: ' + ', '.join(sorted(TOP_LEVEL_KEYS)))
    return '\n'.join(lines)


def check_config_keys(cfg: Mapping, overrides: Optional[Mapping[str, Any]] = None,
                      source: Optional[str] = None) -> None:
    """Refuse a top-level key that nothing reads.

    Call it on the config as loaded from its file, before the overrides are merged.

    Args:
        cfg: the loaded config (its helpers still in it).
        overrides: ``--cfg-options`` as parsed by mmengine's ``DictAction``
            (``{'model.backbone.name': 'resnet50', ...}``).
        source: where ``cfg`` came from, for the message (default ``cfg.filename``).

    Raises:
        UnreadConfigKeyError: naming the unread key and, for an override, the read keys
            of the same name (``train_dataloader.dataset.reader.data_root`` for
            ``data_root``).
    """
    source = source or getattr(cfg, 'filename', None) or 'the config'
    overridden = [key.split('.', 1)[0] for key in overrides or {}]
    if unread_keys(cfg) or [k for k in overridden if k not in TOP_LEVEL_KEYS]:
        import_scope_modules(cfg.get('default_scope'))
    dead = unread_keys(cfg)
    if dead:
        raise UnreadConfigKeyError(
            f'{source}: top-level key(s) {dead} are read by nothing. Prefix a value that '
            f'only other config files use with {HELPER_PREFIX!r} (a helper, e.g. '
            f'_{dead[0]}); a key some code reads is registered with '
            'basicda.engine.config_check.register_top_level_key. Read keys: '
            + ', '.join(sorted(TOP_LEVEL_KEYS)))
    for key, value in (overrides or {}).items():
        top = key.split('.', 1)[0]
        if is_helper(top) or top not in TOP_LEVEL_KEYS:
            raise UnreadConfigKeyError(_unread_override_message(cfg, key, value))


def strip_helpers(cfg) -> List[str]:
    """Remove the ``_`` helpers from ``cfg`` (in place) so the Runner neither sees nor dumps
    them; returns their names."""
    helpers = [key for key in cfg.keys() if is_helper(key)]
    for key in helpers:
        cfg.pop(key)
    return helpers


def prepare_config(cfg, overrides: Optional[Mapping[str, Any]] = None) -> None:
    """:func:`check_config_keys`, then :func:`strip_helpers`: the one call of the train and
    test entry points, on the loaded config before ``--cfg-options`` are merged."""
    check_config_keys(cfg, overrides)
    strip_helpers(cfg)
