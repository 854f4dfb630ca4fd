"""One yapf pass per config text (basicda/engine/config_text.py)."""
import mmengine.config.config as mm_config
from mmengine.config import Config
from yapf.yapflib.yapf_api import FormatCode

import basicda.engine  # noqa: F401  (installs the cache)
from basicda.engine import config_text


def test_pretty_text_is_formatted_once_and_equals_yapf(monkeypatch):
    calls = []

    def counting(text, **kwargs):
        calls.append(text)
        return FormatCode(text, **kwargs)

    monkeypatch.setattr(config_text, '_original', counting)
    monkeypatch.setattr(config_text, '_cache', type(config_text._cache)())
    cfg = Config(dict(model=dict(type='M', depth=18), lr=0.1, names=['a', 'b']))
    first = cfg.pretty_text
    assert [cfg.pretty_text for _ in range(5)] == [first] * 5
    assert len(calls) == 1
    # byte-identical to yapf run directly on the same input (the uncached formatter)
    expected, _ = FormatCode(calls[0], style_config=dict(
        based_on_style='pep8', blank_line_before_nested_class_or_def=True,
        split_before_expression_after_opening_paren=True))
    assert first == expected
    # a changed config is formatted afresh
    cfg.lr = 0.2
    assert 'lr = 0.2' in cfg.pretty_text and len(calls) == 2


def test_install_is_idempotent_and_patches_mmengine():
    config_text.install()
    config_text.install()
    assert mm_config.FormatCode is config_text.cached_format_code
    assert config_text._original is not config_text.cached_format_code


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(config_text, '_cache', type(config_text._cache)())
    for i in range(config_text._MAX_ENTRIES + 5):
        config_text.cached_format_code(f'x = {i}\n')
    assert len(config_text._cache) == config_text._MAX_ENTRIES
    assert config_text.cached_format_code('x = 1\n')[0] == 'x = 1\n'
