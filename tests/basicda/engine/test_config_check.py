"""basicda.engine.config_check: which top-level keys a run reads, the refusal of the others
(in the file and in --cfg-options) and the removal of the `_` helpers."""
import inspect

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from basicda.engine import config_check
from basicda.engine.config_check import (TOP_LEVEL_KEYS, UnreadConfigKeyError,
                                         check_config_keys, keys_named, prepare_config,
                                         register_top_level_key, strip_helpers, unread_keys)


def _config(tmp_path, text, name='cfg.py'):
    path = tmp_path / name
    path.write_text(text)
    return Config.fromfile(str(path))


BASE = """_data_root = 'data/x'
_reader = dict(type='R', data_root=_data_root + '/a')
train_dataloader = dict(batch_size=2, dataset=dict(type='D', reader=dict(_reader, split='train')))
val_cfg = dict(extra_dataloaders=dict(
    b_test=dict(dataset=dict(reader=dict(type='R', data_root=_data_root + '/b')))))
custom_hooks = [dict(type='H', interval=3)]
"""


def test_mmengine_keeps_single_underscore_names_and_drops_double(tmp_path):
    """The reason for strip_helpers: mmengine 0.10.7's Config drops only `__` names (and
    functions), so a `_` helper is inherited through _base_ and dumped with the run."""
    (tmp_path / 'base.py').write_text('_helper = dict(a=1)\n__private = 2\n'
                                      'def _fn():\n    return 3\nplain = _fn()\n')
    cfg = _config(tmp_path, "_base_ = ['./base.py']\nx = _base_._helper\n", 'child.py')
    assert dict(cfg) == {'_helper': {'a': 1}, 'plain': 3, 'x': {'a': 1}}
    assert '_helper' in cfg.pretty_text


def test_every_key_the_runner_takes_is_registered():
    """Oracle: the arguments of mmengine's Runner, which Runner.from_cfg reads from the
    config by the same names."""
    params = set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    assert params <= set(TOP_LEVEL_KEYS)
    assert {'model_wrapper_cfg', 'runner_type', 'custom_imports', 'pipeline'} <= set(
        TOP_LEVEL_KEYS)
    assert not [k for k in TOP_LEVEL_KEYS if k.startswith('_')]


def test_a_clean_config_passes_with_overrides_of_read_keys(tmp_path):
    cfg = _config(tmp_path, BASE)
    assert unread_keys(cfg) == []
    check_config_keys(cfg, {'train_dataloader.dataset.reader.data_root': 'data/y',
                            'custom_hooks.0.interval': 5, 'work_dir': 'runs/a'})


def test_an_unread_key_in_the_file_is_named_with_the_file(tmp_path):
    cfg = _config(tmp_path, BASE + 'max_epochs = 5\nimg_size = 64\n')
    assert unread_keys(cfg) == ['max_epochs', 'img_size']
    with pytest.raises(UnreadConfigKeyError,
                       match=r"cfg\.py: top-level key\(s\) \['max_epochs', 'img_size'\] are read "
                             r"by nothing\. Prefix .* with '_' \(a helper, e\.g\. _max_epochs\)"):
        check_config_keys(cfg)


def test_an_override_of_an_interpolated_helper_names_the_keys_to_set(tmp_path):
    cfg = _config(tmp_path, BASE)
    with pytest.raises(UnreadConfigKeyError) as err:
        check_config_keys(cfg, {'data_root': 'data/nowhere'})
    assert str(err.value) == (
        "--cfg-options data_root=data/nowhere: top-level key 'data_root' is read by nothing, "
        "so the override would change the dumped config and not the run.\n"
        "'_data_root' is a helper of the config files: its value 'data/x' was interpolated "
        "into the keys below when the file was read.\n"
        "Set the keys called 'data_root' that the run reads instead:\n"
        "  train_dataloader.dataset.reader.data_root='data/x/a'\n"
        "  val_cfg.extra_dataloaders.b_test.dataset.reader.data_root='data/x/b'")


@pytest.mark.parametrize('key', ['_data_root', '_reader.data_root'])
def test_an_override_of_a_helper_itself_is_refused(tmp_path, key):
    cfg = _config(tmp_path, BASE)
    with pytest.raises(UnreadConfigKeyError,
                       match=rf"^--cfg-options {key}=data/y: top-level key '_(data_root|reader)'"
                             r" is read by nothing(.|\n)*  train_dataloader\.dataset\.reader\."
                             r"data_root='data/x/a'"):
        check_config_keys(cfg, {key: 'data/y'})


def test_an_unknown_override_without_a_namesake_lists_the_read_keys(tmp_path):
    cfg = _config(tmp_path, BASE)
    with pytest.raises(UnreadConfigKeyError,
                       match=r"'max_epochs' is read by nothing(.|\n)*\nTop-level keys a run "
                             r"reads: activation_checkpointing, auto_scale_lr, "):
        check_config_keys(cfg, {'max_epochs': 5})


def test_suggestions_are_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(config_check, 'MAX_SUGGESTIONS', 1)
    cfg = _config(tmp_path, BASE)
    with pytest.raises(UnreadConfigKeyError, match=r"data_root='data/x/a'\n  \.\.\. and 1 more$"):
        check_config_keys(cfg, {'data_root': 'data/nowhere'})


def test_keys_named_walks_dicts_and_lists_of_read_keys_only(tmp_path):
    cfg = _config(tmp_path, BASE + 'model = dict(interval=1)\n')
    assert keys_named(cfg, 'interval') == [('custom_hooks.0.interval', 3), ('model.interval', 1)]
    assert keys_named(cfg, 'model') == [('model', {'interval': 1})]


def test_prepare_config_checks_then_strips_the_helpers(tmp_path):
    cfg = _config(tmp_path, BASE)
    prepare_config(cfg, {'train_dataloader.batch_size': 4})
    assert sorted(cfg) == ['custom_hooks', 'train_dataloader', 'val_cfg']
    assert cfg.train_dataloader.dataset.reader.data_root == 'data/x/a'
    assert '_reader' not in cfg.pretty_text and 'data/x/a' in cfg.pretty_text
    assert strip_helpers(cfg) == []
    with pytest.raises(UnreadConfigKeyError, match="'_reader' is read by nothing"):
        prepare_config(_config(tmp_path, BASE), {'_reader.split': 'test'})


def test_a_registered_key_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(config_check, 'TOP_LEVEL_KEYS', dict(TOP_LEVEL_KEYS))
    cfg = _config(tmp_path, BASE + "fold_cfg = dict(num_folds=5)\n")
    with pytest.raises(UnreadConfigKeyError, match=r"\['fold_cfg'\] are read by nothing"):
        check_config_keys(cfg)
    register_top_level_key('fold_cfg', 'tests.fold_loop')
    register_top_level_key('fold_cfg', 'tests.fold_loop')  # the same reader again: fine
    check_config_keys(cfg, {'fold_cfg.num_folds': 3})
    with pytest.raises(ValueError, match="'fold_cfg' is already registered as read by "
                                         "tests.fold_loop"):
        register_top_level_key('fold_cfg', 'another.reader')
    with pytest.raises(ValueError, match="top-level key '_x': names starting with '_' are "
                                         "config-file helpers"):
        register_top_level_key('_x', 'tests')


def test_a_key_registered_by_a_lazily_imported_module_is_known(tmp_path, monkeypatch):
    """A module that only a registry's ``locations`` import (on the first build) registers
    its key before the check refuses it."""
    from mmengine.registry import HOOKS, Registry

    monkeypatch.setattr(config_check, 'TOP_LEVEL_KEYS', dict(TOP_LEVEL_KEYS))
    (tmp_path / 'cfgcheck_lazy_module.py').write_text(
        'from basicda.engine.config_check import register_top_level_key\n'
        "register_top_level_key('round_cfg', 'cfgcheck_lazy_module')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    Registry('hook', parent=HOOKS, scope='cfgcheck_lazy', locations=['cfgcheck_lazy_module'])
    cfg = _config(tmp_path, BASE + "round_cfg = dict(rounds=2)\n")
    with pytest.raises(UnreadConfigKeyError, match=r"\['round_cfg'\] are read by nothing"):
        check_config_keys(cfg)  # default scope: none, nothing to import
    cfg.default_scope = 'cfgcheck_lazy'
    check_config_keys(cfg, {'round_cfg.rounds': 3})
    assert config_check.TOP_LEVEL_KEYS['round_cfg'] == 'cfgcheck_lazy_module'
