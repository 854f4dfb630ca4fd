"""Every config under configs/ (``_base_`` folders aside) builds, and reads every top-level
key it has (timm style: driven by the files that exist, so a new config is tested without
editing this file).

Build: the model, every dataset of every dataloader (train, val, test, the loops'
``extra_dataloaders``, a hook's ``refresh_dataloader``) with one item read, the evaluators,
the hooks, the optimiser wrapper and the parameter schedulers. Data: the tiny SynFER for
configs on ``data/synfer``, the fixture files of tests/test_real_dataset_configs.py for the
real datasets. Not built here: the loops (they need a Runner; the end-to-end tests run them)
and a ``PseudoLabelDataset``'s labels file (written by the CluP pseudo-label stage; the
dataset it wraps is built).
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from basicda.engine.config_check import TOP_LEVEL_KEYS, prepare_config, unread_keys
from tests.conftest import REPO, TINY_CONFIG, run, train_cmd
from tests.test_real_dataset_configs import FIXTURES


def _configs(folder):
    # configs/benchmarks/ holds `ferda benchmark` matrices, not runs (tests/ferda/tools/
    # test_benchmark.py checks them)
    return sorted(p for p in glob.glob(osp.join(REPO, folder, '**', '*.py'), recursive=True)
                  if not {'_base_', 'benchmarks'} & set(osp.relpath(p, REPO).split(osp.sep)))


CONFIGS = _configs('configs')
TEST_CONFIGS = _configs(osp.join('tests', 'configs'))
CLASSIFIERS = ('ImageClassifier', 'MixupClassifier', 'EERCL')


def test_the_glob_finds_every_folder():
    folders = {osp.relpath(p, REPO).split(osp.sep)[1] for p in CONFIGS}
    assert folders == {'active', 'clup', 'demo', 'dvscl', 'eercl', 'ldl', 'source_only'}
    assert len(CONFIGS) >= 50 and len(TEST_CONFIGS) >= 6


def _dicts(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _dicts(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _dicts(value)


def _read_part(cfg) -> dict:
    return {k: v for k, v in cfg.to_dict().items() if k in TOP_LEVEL_KEYS}


def _data_roots(cfg):
    return sorted({d['data_root'] for d in _dicts(_read_part(cfg)) if 'data_root' in d})


def _loaders(cfg):
    """Every dataloader config the run builds, by where it sits."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            if isinstance(node.get('dataset'), dict) and 'batch_size' in node:
                found.append((path, node))
            for key, value in node.items():
                walk(value, f'{path}.{key}')
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                walk(value, f'{path}.{i}')

    for key, value in _read_part(cfg).items():
        walk(value, key)
    return found


def _no_cache(dataset_cfg):
    """The same dataset config without decoding every image up front."""
    if isinstance(dataset_cfg, dict):
        out = {k: _no_cache(v) for k, v in dataset_cfg.items()}
        if out.get('type') == 'FaceDataset':
            out['cache_images'] = False
        return out
    return dataset_cfg


def _build_dataset(dataset_cfg):
    from ferda.registry import DATASETS

    if dataset_cfg['type'] == 'PseudoLabelDataset':  # labels_file: the pseudo-label stage's
        assert dataset_cfg['labels_file'] is None
        dataset_cfg = dataset_cfg['dataset']
    dataset = DATASETS.build(_no_cache(dataset_cfg))
    if dataset_cfg['type'] == 'ActivePoolDataset':  # starts empty: label pool item 0
        dataset.apply_selection(dict(labelled=[0]))
    key = (0, 123) if type(dataset).__name__ == 'MultiViewDataset' else 0
    return dataset, dataset[key]


def _build_schedulers(schedulers, optim_wrapper):
    from mmengine.registry import PARAM_SCHEDULERS

    for scheduler in schedulers or []:
        # mmengine's build switches to the config's scope (a scheduler registered in
        # basicda/ferda, e.g. SimCLRLR, is found) and converts epoch-based ones
        PARAM_SCHEDULERS.build(dict(scheduler), default_args=dict(optimizer=optim_wrapper,
                                                                  epoch_length=7))


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_config_builds(path, synfer_workdir, tmp_path, monkeypatch):
    import basicda.engine  # noqa: F401
    import ferda.datasets  # noqa: F401
    import ferda.methods  # noqa: F401
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope

    from ferda.registry import HOOKS, METRICS, MODELS

    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'ferda' and cfg.runner_type == 'DARunner'
    init_default_scope('ferda')
    roots = _data_roots(cfg)
    assert roots, f'{path} reads no dataset'
    if all(r.startswith('data/synfer') for r in roots):
        monkeypatch.chdir(synfer_workdir)  # configs read data/synfer relative to the cwd
        for d in _dicts(_read_part(cfg)):  # a noisy label copy (LDL): made as its config says
            if d.get('type') == 'RafDbReader' and d.get('label_file') and not osp.exists(
                    d['label_file']):
                from ferda.tools.noise import main as noise
                noise(['--ann', osp.join(d['data_root'], 'basic', 'EmoLabel',
                                         'list_patition_label.txt'), '--format', 'rafdb',
                       '--rate', '0.3', '--seed', '0', '--out', d['label_file']])
    else:
        assert not any(r.startswith('data/synfer') for r in roots), (
            f'{path} mixes SynFER and real data: {roots}')
        for root in roots:
            name = root[len('data/'):]  # e.g. 'rafdb', 'ldl/rafdb'
            assert root.startswith('data/') and name in FIXTURES, root
            FIXTURES[name](str(tmp_path))
        monkeypatch.chdir(tmp_path)

    needs_weights = [d for d in _dicts(cfg.model) if d.get('type') == 'TimmBackbone'
                     and d.get('pretrained') and not d.get('checkpoint')]
    if needs_weights:  # a config that must not start without its weights file (LDL's)
        with pytest.raises(ValueError, match='pretrained weights cannot be downloaded here'):
            MODELS.build(cfg.model)
        for backbone in needs_weights:
            backbone['pretrained'] = False
    model = MODELS.build(cfg.model).eval()
    num_classes = getattr(model, 'num_classes', None)
    if cfg.model.type in CLASSIFIERS:
        with torch.no_grad():
            logits = model(torch.rand(1, 3, 64, 64), mode='tensor')
        assert logits.shape == (1, num_classes)

    loaders = _loaders(cfg)
    where = [p for p, _ in loaders]
    if cfg.get('train_dataloader') is not None:
        assert 'train_dataloader' in where
    for name in ('val', 'test'):
        if cfg.get(f'{name}_dataloader') is not None:
            assert f'{name}_dataloader' in where
            METRICS.build(cfg[f'{name}_evaluator'])
    for where, loader in loaders:
        dataset, item = _build_dataset(loader['dataset'])
        inputs = item['inputs']
        views = inputs.values() if isinstance(inputs, dict) else inputs  # views or crops
        assert inputs.dtype == torch.uint8 if torch.is_tensor(inputs) else all(
            v.dtype == torch.uint8 for v in views), where
        if num_classes is not None and hasattr(dataset, 'reader'):
            assert dataset.reader.num_classes == num_classes, where

    for hook in list((cfg.get('default_hooks') or {}).values()) + list(cfg.get('custom_hooks')
                                                                       or []):
        if hook is not None:  # None disables a default hook (a FoldLoop saves its own)
            HOOKS.build(hook)
    if cfg.get('optim_wrapper') is not None:
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        _build_schedulers(cfg.get('param_scheduler'), optim_wrapper)


@pytest.mark.parametrize('path', CONFIGS + TEST_CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_every_top_level_key_is_read(path):
    """No dead key: a top-level name nothing reads is a `_` helper or an error."""
    assert unread_keys(Config.fromfile(path)) == []


@pytest.mark.parametrize('path', [CONFIGS[0], TINY_CONFIG], ids=osp.basename)
def test_the_run_gets_no_helper(path):
    cfg = Config.fromfile(path)
    helpers = [k for k in cfg if k.startswith('_')]
    assert helpers  # the config files do use helpers (mmengine keeps `_` names)
    prepare_config(cfg)
    assert [k for k in cfg if k.startswith('_')] == []
    assert not [line for line in cfg.pretty_text.splitlines() if line.startswith('_')]


@pytest.mark.slow
def test_the_dumped_config_of_a_run_holds_only_read_keys(synfer_workdir):
    """Through train.py: the config in the run folder has no `_` helper and no unread key."""
    run(train_cmd(TINY_CONFIG, '--work-dir', 'runs/dump', '--no-test', '--cfg-options',
                  'train_cfg.max_epochs=1'), cwd=synfer_workdir)
    dumped = Config.fromfile(str(synfer_workdir / 'runs' / 'dump' / osp.basename(TINY_CONFIG)))
    assert [k for k in dumped if k.startswith('_')] == [] and unread_keys(dumped) == []
    assert dumped.train_dataloader.dataset.reader.data_root == 'data/synfer/lab'


def _hooks_of(cfg, kind):
    return [h for h in cfg.get('custom_hooks', []) if h.get('type') == kind]


def _label_free_problems(path):
    """What keeps a config's LabelFreeSelectionHook from seeing its criteria, or ``[]``."""
    from basicda.evaluation.cls_metric import LABEL_FREE_CRITERIA
    cfg = Config.fromfile(path)
    hooks = _hooks_of(cfg, 'LabelFreeSelectionHook')
    if not hooks:
        return ['no LabelFreeSelectionHook']
    (hook, ) = hooks
    # the val evaluator's prefix, and each MultiDatasetValLoop extra (a copy of that evaluator)
    evaluated = {cfg.val_evaluator['prefix']} | set(cfg.val_cfg.get('extra_dataloaders') or {})
    needed = set(hook.get('criteria') or LABEL_FREE_CRITERIA)
    problems = []
    if not needed <= set(cfg.val_evaluator.get('label_free') or []):
        problems.append(f'val_evaluator.label_free lacks {needed}')
    if not set(hook['target_prefixes']) <= evaluated:
        problems.append(f'{hook["target_prefixes"]} not all evaluated ({evaluated})')
    oracle = [h['target_prefixes'] for h in _hooks_of(cfg, 'OracleTracker')]
    if oracle != [hook['target_prefixes']]:
        problems.append(f'OracleTracker tracks {oracle}, the selection {hook["target_prefixes"]}')
    return problems


def test_every_source_free_target_config_selects_label_free():
    """The source-free target runs (EERCL, the CluP students) record label-free selection
    (docs/results.md §4): each evaluates the targets its LabelFreeSelectionHook tracks, with the
    criteria the hook needs, and the oracle tracks the same targets."""
    paths = [p for p in CONFIGS if osp.basename(p).startswith(('eercl_', 'clup_'))
             and '-to-' in osp.basename(p)]
    assert len(paths) >= 15
    problems = {osp.relpath(p, REPO): _label_free_problems(p) for p in paths}
    assert not {k: v for k, v in problems.items() if v}


def test_synfer_configs_have_no_real_data_and_real_ones_no_synfer():
    """The real-data configs stood on the SynFER demo configs and dumped SynFER's data_root,
    pipeline and readers into a RAF-DB -> ExpW run. Checked on what a run keeps and dumps:
    the config without its `_` helper variables (a real-data config may stand on a SynFER
    recipe and replace every reader; a helper left over names SynFER but is never read)."""
    from basicda.engine.config_check import strip_helpers
    for path in CONFIGS:
        cfg = Config.fromfile(path)
        strip_helpers(cfg)
        text = repr(cfg.to_dict())  # what the dump holds, without yapf's 0.3 s per config
        if 'synfer' in osp.basename(path):
            assert "'data/" not in text.replace("'data/synfer", ''), path
        else:
            assert 'synfer' not in text.lower(), path


def _fail_override(main, argv, cwd, monkeypatch):
    from basicda.engine.config_check import UnreadConfigKeyError

    monkeypatch.chdir(cwd)
    with pytest.raises(UnreadConfigKeyError) as err:
        main(argv)
    return str(err.value)


def test_train_refuses_a_data_root_override(tmp_path, monkeypatch):
    """``--cfg-options data_root=...`` changed the dumped config while the run read the paths
    ``data_root`` had been interpolated into. Run where no data exists: without the check,
    the run starts and fails on data/synfer, not on the override."""
    from ferda.tools.train import main

    message = _fail_override(main, [TINY_CONFIG, '--work-dir', str(tmp_path / 'run'),
                                    '--cfg-options', 'data_root=data/nowhere'],
                             tmp_path, monkeypatch)
    assert message.startswith("--cfg-options data_root=data/nowhere: top-level key "
                              "'data_root' is read by nothing")
    assert "'_data_root' is a helper of the config files: its value 'data/synfer'" in message
    for key, value in [('train_dataloader.dataset.reader.data_root', 'data/synfer/lab'),
                       ('val_cfg.extra_dataloaders.wild_test.dataset.reader.data_root',
                        'data/synfer/wild')]:
        assert f"\n  {key}='{value}'" in message
    assert not (tmp_path / 'run').exists()  # refused before the Runner made its folder


def test_ferda_test_refuses_a_data_root_override(tmp_path, monkeypatch):
    from ferda.tools.test import main

    checkpoint = tmp_path / 'epoch_1.pth'
    checkpoint.write_bytes(b'never read')
    message = _fail_override(main, [TINY_CONFIG, str(checkpoint), '--work-dir',
                                    str(tmp_path / 'run'), '--cfg-options',
                                    'data_root=data/nowhere'], tmp_path, monkeypatch)
    assert "top-level key 'data_root' is read by nothing" in message
    assert "\n  test_dataloader.dataset.reader.data_root='data/synfer/lab'" in message


def test_train_refuses_an_unread_key_in_the_file(tmp_path, monkeypatch):
    from ferda.tools.train import main

    config = tmp_path / 'dead_key.py'
    config.write_text(f'_base_ = [{TINY_CONFIG!r}]\nmax_epochs = 5\n')
    message = _fail_override(main, [str(config), '--work-dir', str(tmp_path / 'run')],
                             tmp_path, monkeypatch)
    assert message.startswith(f"{config}: top-level key(s) ['max_epochs'] are read by nothing")
