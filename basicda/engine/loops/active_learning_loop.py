"""The active-learning run (``docs/active-learning.md`` §5): rounds of train on the
labelled set L, evaluate, score the pool, label another b items.

``train_cfg = dict(type='ActiveLearningLoop', strategy='margin', pool_dataloader=...,
round_init='scratch', ...)``; the training set is an ``ActivePoolDataset``.

Each round r = 0 .. points-1:

1. **initialise** (seeded by ``round_seed(seed, r)``): the encoder from the
   pre-trained file (``'pretrained'``), re-initialised (``'scratch'``) or kept from
   round r-1 (``'continue'``); always a fresh head; the optimiser state cleared and
   the parameter schedulers rebuilt from the config (they restart);
2. **train** epoch after epoch until :func:`basicda.active.stop_reason` of the
   round's running training accuracies; after the epochs of
   :func:`basicda.active.restart_due` a round below the threshold goes back to its
   initial state and a fresh optimiser;
3. **evaluate** with the run's validation loop (``metric`` names OA; MCA and
   macro-F1 are the keys next to it): one row of ``rounds.csv``, TensorBoard
   ``al/oa`` at step n_labelled, ``learning_curve.png``;
4. **select** (r < points-1): every rank embeds the pool with ``embed_by_index``
   (un-augmented ``pool_dataloader``), rank 0 runs the strategy on U and
   broadcasts; every rank labels the same items, rank 0 writes the index files.

The epoch and iteration counters run on over the rounds, so mmengine's
``CheckpointHook`` saves every epoch as usual; the round, the labelled set, the
round's accuracies and restarts and the finished rows travel in the checkpoint
through the message hub (``active_learning``). ``--resume`` continues a round
mid-way (model, optimiser and schedulers come from the checkpoint); a round whose
training had finished re-evaluates and re-selects, which the seeds make identical.
"""
import copy
import os.path as osp
import time
from typing import Dict, Optional, Sequence

import torch
import torch.distributed as dist
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop
from torch.nn.utils import parametrize

from basicda.active import (AL_STRATEGIES, LabelPool, al_schedule, initial_set,
                            mc_dropout_probs, reference_pass_seed, restart_due, round_seed,
                            select, stop_reason, write_initial, write_pool,
                            write_round_selection, write_rounds)
from basicda.active.plot import write_learning_curve
from basicda.engine.dist import broadcast_buffers
from basicda.models.backbones import check_arch_meta
from basicda.ops.embed import embed_by_index
from basicda.ops.gather import broadcast_object, world_info
from basicda.registry import LOOPS
from basicda.fileio import sha256_file

from .samplers import update_sampler_length

__all__ = ['ActiveLearningLoop', 'STATE_KEY', 'normalise_encoder_keys', 'load_encoder',
           'reset_parameters',
           'pool_inputs', 'acquire', 'check_strategy_head', 'selection_loader_cfg',
           'SELECTION_TRANSFORMS', 'BALD_COMPATS', 'train_mode_mc_probs']

#: message-hub key (hence checkpoint ``message_hub.runtime_info`` key) of the run's state
STATE_KEY = 'active_learning'
ROUND_INITS = ('pretrained', 'scratch', 'continue')
SELECTION_TRANSFORMS = ('test', 'train')
#: ``train_cfg.bald_compat``: None (ours) or 'reference' (docs/active-learning.md §8)
BALD_COMPATS = (None, 'reference')
_PREFIXES = ('module.', 'encoder.', 'backbone.')


def normalise_encoder_keys(state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Encoder keys without ``module.`` / ``encoder.`` / ``backbone.`` prefixes
    (DataParallel, SimCLR and classifier checkpoints) and without the projection
    (``projection.*`` / ``head.*``)."""
    out = {}
    for key, value in state.items():
        while key.startswith(_PREFIXES):
            key = key.split('.', 1)[1]
        if key.startswith(('projection.', 'head.')):
            continue
        out[key] = value
    return out


def load_encoder(backbone: torch.nn.Module, path: str) -> Dict[str, torch.Tensor]:
    """Load the encoder file ``path`` (a state dict, or a checkpoint with ``state_dict``)
    into ``backbone`` strictly after :func:`normalise_encoder_keys`; return the
    normalised state. A missing or unexpected encoder key is an error naming the file, and
    so is a file whose ``meta['arch']`` (e.g. the stem) differs from ``backbone.arch_meta``."""
    state = torch.load(path, map_location='cpu', weights_only=True)
    if not isinstance(state, dict):
        raise TypeError(f'{path}: expected a state dict, got {type(state).__name__}')
    arch = state.get('meta', {}).get('arch') if isinstance(state.get('meta'), dict) else None
    expected = getattr(backbone, 'arch_meta', None)
    if arch and expected:
        try:
            check_arch_meta(expected, arch)
        except ValueError as error:
            raise ValueError(f'{path}: {error}') from None
    state = normalise_encoder_keys(state.get('state_dict', state))
    try:
        backbone.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise ValueError(f'{path} does not fit model.backbone (after dropping the module./'
                         f'encoder./backbone. prefixes and the projection): {error}') from None
    return state


def selection_loader_cfg(pool_dataloader: dict, train_dataloader: dict,
                         selection_transform: str = 'test') -> dict:
    """The pool dataloader config the strategy scores: ``pool_dataloader`` itself
    (``'test'``: un-augmented views), or a copy whose dataset pipeline is the training
    set's (``'train'``: augmented views, the reference's behaviour, docs/active-learning.md
    §8), read from ``train_dataloader.dataset.dataset.pipeline`` (the pool inside
    ``ActivePoolDataset``)."""
    if selection_transform not in SELECTION_TRANSFORMS:
        raise ValueError(f'train_cfg.selection_transform must be one of {SELECTION_TRANSFORMS},'
                         f' got {selection_transform!r}')
    if selection_transform == 'test':
        return pool_dataloader
    try:
        pipeline = train_dataloader['dataset']['dataset']['pipeline']
    except (KeyError, TypeError):
        raise KeyError("train_cfg.selection_transform='train' reads train_dataloader.dataset."
                       'dataset.pipeline (the pool inside ActivePoolDataset); not found') from None
    out = copy.deepcopy(dict(pool_dataloader))
    out['dataset'] = dict(out['dataset'], pipeline=copy.deepcopy(list(pipeline)))
    return out


def reset_parameters(module: torch.nn.Module) -> None:
    """Re-initialise every sub-module of ``module`` that has ``reset_parameters``
    (PyTorch's default init; BN running statistics too) from the current torch RNG."""
    for m in module.modules():
        if parametrize.is_parametrized(m):
            raise ValueError(f'{type(m).__name__} is parametrised (e.g. weight_norm): its '
                             'reset_parameters would not reach the stored weights; active '
                             'learning needs a plain head (weight_norm=False)')
        if callable(getattr(m, 'reset_parameters', None)):
            m.reset_parameters()




def _rng_devices(model) -> list:
    """The accelerator the model runs on (for ``fork_rng``); none on CPU."""
    for param in model.parameters():
        if param.device.type == 'cuda':
            return [param.device.index or 0]
    return []


def train_mode_mc_probs(model, loader, num_samples: int, seed_r: int,
                        passes: int) -> torch.Tensor:
    """BALD's passes as the reference ran them (``bald_compat='reference'``): the whole
    network in train mode, ``passes`` times over ``loader``.

    Each pass is one :func:`basicda.ops.embed.embed_by_index` over the pool with the
    model in train mode: BN normalises with each batch's statistics and updates its
    running statistics (``passes`` x batches updates), and the head's dropout, if any,
    draws from torch's generator, seeded for pass t with
    :func:`basicda.active.reference_pass_seed` (seed_r, t, rank) inside
    ``torch.random.fork_rng`` (the caller's RNG state is left as it was). The outputs
    therefore depend on the batch composition (batch size, number of processes). With
    a dropout-free network and a deterministic loader every pass gives the same
    probabilities, so the mutual information is ~0 (float noise). Each rank updates
    its BN statistics from its own shard; afterwards every rank gets rank 0's
    (:func:`basicda.engine.dist.broadcast_buffers`, the buffers a checkpoint saves). A
    collective.

    Args:
        model: as in :func:`pool_inputs`; left in its previous train/eval mode.
        loader: the pool (``sample_idx`` per item), as in :func:`pool_inputs`.
        num_samples: N, the pool size. seed_r: the round seed. passes: T.

    Returns:
        (T, N, C) float64 softmax probabilities, rows by pool index.
    """
    rank = world_info()[0]

    def forward(batch):
        data = model.data_preprocessor(batch, False)
        logits = model.head(model.backbone(data['inputs']))
        return data['data_samples']['sample_idx'], dict(logits=logits.float())
    was_training = model.training
    out = []
    try:
        model.train()
        with torch.random.fork_rng(devices=_rng_devices(model)):
            for t in range(passes):
                torch.manual_seed(reference_pass_seed(seed_r, t, rank))
                logits = embed_by_index(loader, forward, num_samples)['logits']
                out.append(torch.softmax(logits.cpu().double(), 1))
    finally:
        model.train(was_training)
    broadcast_buffers(model)
    return torch.stack(out)


def pool_inputs(model, loader, pool: LabelPool, strategy: str, seed_r: int,
                mc_passes: int = 10, dropout_p: float = 0.0,
                bald_compat: Optional[str] = None) -> dict:
    """The strategy's inputs for the unlabelled part of ``pool``, in U order.

    Every rank embeds its shard of ``loader`` (the pool, un-augmented, unshuffled,
    not padded) with ``model`` in eval mode; :func:`basicda.ops.embed.embed_by_index`
    gathers the rows by pool index, so every rank gets the same float64 arrays
    whatever the world size. A collective.

    Args:
        model: a classifier with ``data_preprocessor``, ``backbone`` (images ->
            (B, D) pooled features h) and ``head`` (h -> (B, C) logits; ``head.fc``
            its last linear layer for BALD).
        loader: the pool; batches carry ``data_samples['sample_idx']`` (pool index).
        pool: which pool indices are labelled.
        strategy: the registered strategy (decides whether ``mc_prob`` is computed).
        seed_r: the round seed (BALD's masks); mc_passes: T; dropout_p: the head's p.
        bald_compat: None (ours: :func:`basicda.active.mc_dropout_probs` on h, BN in
            eval mode) or ``'reference'`` (:func:`train_mode_mc_probs`, after the eval
            pass that gives ``prob`` and ``feat``; it changes BN running statistics).

    Returns:
        dict: ``unlabelled`` (U,) pool indices, ``prob`` (U, C) softmax, ``feat``
        (U, D), ``feat_labelled`` (L, D), and for BALD ``mc_prob`` (T, U, C).
    """
    was_training = model.training
    model.eval()

    def forward(batch):
        data = model.data_preprocessor(batch, False)
        feat = model.backbone(data['inputs'])
        logits = model.head(feat)
        return data['data_samples']['sample_idx'], dict(feat=feat.float(), logits=logits.float())
    try:
        out = embed_by_index(loader, forward, pool.n)
    finally:
        model.train(was_training)
    feat = out['feat'].cpu().double().numpy()
    logits = out['logits'].cpu().double()
    unl, lab = pool.unlabelled, pool.labelled
    inputs = dict(unlabelled=unl, prob=torch.softmax(logits, 1).numpy()[unl],
                  feat=feat[unl], feat_labelled=feat[lab])
    if 'mc_prob' in AL_STRATEGIES.get(strategy).requires and bald_compat == 'reference':
        mc = train_mode_mc_probs(model, loader, pool.n, seed_r, mc_passes)
        inputs['mc_prob'] = mc.numpy()[:, unl]
    elif 'mc_prob' in AL_STRATEGIES.get(strategy).requires:
        fc = model.head.fc
        inputs['mc_prob'] = mc_dropout_probs(
            feat[unl], fc.weight.detach().cpu().double().numpy(),
            fc.bias.detach().cpu().double().numpy(), unl, seed_r, mc_passes, dropout_p)
    return inputs


def acquire(model, loader, pool: LabelPool, strategy: str, b: int, seed_r: int,
            mc_passes: int = 10, dropout_p: float = 0.0, bald_compat: Optional[str] = None):
    """One selection: :func:`pool_inputs` on every rank, the strategy on rank 0,
    broadcast; every rank labels the same ``b`` items in ``pool``. A collective.
    ``bald_compat``: see :func:`pool_inputs`.

    Returns:
        tuple: (b,) pool indices in selection order and (b,) float64 scores.
    """
    inputs = pool_inputs(model, loader, pool, strategy, seed_r, mc_passes, dropout_p,
                         bald_compat)
    result = None
    if world_info()[0] == 0:
        pos, scores = select(strategy, inputs, b, seed_r)
        result = (inputs['unlabelled'][pos], scores)
    chosen, scores = broadcast_object(result)
    pool.add(chosen)
    return chosen, scores


def check_strategy_head(strategy: str, head, bald_compat: Optional[str] = None) -> float:
    """The head's dropout p; BALD refuses a head without dropout unless
    ``bald_compat='reference'`` (the reference's dropout-free network). An unknown
    ``bald_compat`` is an error naming ``train_cfg.bald_compat``."""
    if bald_compat not in BALD_COMPATS:
        raise ValueError(f'train_cfg.bald_compat must be one of {BALD_COMPATS}, got '
                         f'{bald_compat!r}')
    p = float(getattr(head, 'dropout_p', 0.0))
    if strategy == 'bald' and p <= 0 and bald_compat != 'reference':
        raise ValueError("strategy='bald' needs a head with dropout (model.head.dropout="
                         '0.5): without it the MC passes agree and the mutual information '
                         'is 0 (docs/active-learning.md §3.6)')
    return p


@LOOPS.register_module()
class ActiveLearningLoop(EpochBasedTrainLoop):
    """Active-learning rounds (see the module docstring).

    Args:
        runner, dataloader: as in mmengine's ``EpochBasedTrainLoop``; the dataset is
            an ``ActivePoolDataset`` (starts empty), the sampler a ``DefaultSampler``.
        pool_dataloader (dict): the pool with the test pipeline, for scoring:
            ``sampler=dict(type='DefaultSampler', shuffle=False, round_up=False)``;
            its dataset lists the same items in the same order as the training pool.
        strategy (str): a name registered in ``AL_STRATEGIES``.
        round_init (str): ``'pretrained'`` (needs ``encoder``), ``'scratch'`` or
            ``'continue'``. Default: ``'pretrained'``.
        encoder (str, optional): the pre-trained encoder's state dict (``.pth``);
            loaded strictly into ``model.backbone`` after :func:`normalise_encoder_keys`.
        init_frac, step_frac, points: the budget, :func:`basicda.active.al_schedule`.
        round_epochs (int): at most this many epochs per round. Default: 199.
        target, window, min_diff: the stopping rules of
            :func:`basicda.active.stop_reason`. Defaults: 0.999, 10, 0.001.
        restart_at (sequence of int), restart_below (float): the low-accuracy
            restart. Defaults: (49, 99, 149), 0.2.
        metric (str): the validation metric that is OA, e.g. ``'test/accuracy'``;
            ``mca`` and ``macro_f1`` are read next to it. Default: ``'test/accuracy'``.
        mc_passes (int): BALD's T. Default: 10.
        seed (int, optional): the run seed (initial set, round seeds). Default:
            the runner's seed.
        al_dir (str): output folder under the work dir. Default: ``'al'``.
        selection_transform (str): ``'test'`` scores the pool un-augmented; ``'train'``
            with the training pipeline, as the reference does (:func:`selection_loader_cfg`).
            Default: ``'test'``.
        bald_compat (str, optional): None runs BALD's passes through the dropout head
            only, BN in eval mode; ``'reference'`` runs the whole network in train mode
            (:func:`train_mode_mc_probs`; BN running statistics change, p_head = 0
            allowed), logged as a warning. Default: None.
    """

    def __init__(self, runner, dataloader, pool_dataloader: dict, strategy: str,
                 round_init: str = 'pretrained', encoder: Optional[str] = None,
                 init_frac: float = 0.1, step_frac: float = 0.05, points: int = 7,
                 round_epochs: int = 199, target: float = 0.999, window: int = 10,
                 min_diff: float = 0.001, restart_at: Sequence[int] = (49, 99, 149),
                 restart_below: float = 0.2, metric: str = 'test/accuracy',
                 mc_passes: int = 10, seed: Optional[int] = None, al_dir: str = 'al',
                 selection_transform: str = 'test', bald_compat: Optional[str] = None) -> None:
        super().__init__(runner, dataloader, max_epochs=points * round_epochs,
                         val_begin=10 ** 9, val_interval=1)
        dataset = self.dataloader.dataset
        if not callable(getattr(dataset, 'apply_selection', None)) or \
                not hasattr(dataset, 'sample_ids'):
            raise TypeError('ActiveLearningLoop trains on an ActivePoolDataset (train_dataloader.'
                            f"dataset=dict(type='ActivePoolDataset', ...)), got "
                            f'{type(dataset).__name__}')
        update_sampler_length(self.dataloader.sampler)  # fails now for another sampler type
        if AL_STRATEGIES.get(strategy) is None:
            raise KeyError(f'train_cfg.strategy={strategy!r} is not registered; known: '
                           f'{sorted(AL_STRATEGIES.module_dict)}')
        if round_init not in ROUND_INITS:
            raise ValueError(f'train_cfg.round_init must be one of {ROUND_INITS}, got '
                             f'{round_init!r}')
        if round_init == 'pretrained' and encoder is None:
            raise ValueError("train_cfg.round_init='pretrained' needs train_cfg.encoder=<encoder "
                             ".pth>; use round_init='scratch' without pre-training")
        if encoder is not None and not osp.isfile(encoder):
            raise FileNotFoundError(f'train_cfg.encoder={encoder!r} does not exist')
        model = self._model
        for name in ('backbone', 'head'):
            if not hasattr(model, name):
                raise TypeError(f'ActiveLearningLoop needs a model with .backbone and .head, '
                                f'got {type(model).__name__}')
        self.dropout_p = check_strategy_head(strategy, model.head, bald_compat)
        self.bald_compat = bald_compat
        if bald_compat == 'reference' and strategy != 'bald':
            print_log(f"train_cfg.bald_compat='reference' has no effect with strategy="
                      f'{strategy!r} (BALD only)', logger='current', level=30)
        elif bald_compat == 'reference':
            msg = ("train_cfg.bald_compat='reference' (the reference behaviour, not the "
                   f'default): BALD runs the whole network {mc_passes} times in train mode, so '
                   'BN uses batch statistics, the passes overwrite its running statistics and '
                   'the scores depend on the batch composition')
            if self.dropout_p == 0:
                msg += ('; with model.head.dropout=0 every pass agrees, so the mutual '
                        'information is ~0 and the ranking is float noise')
            print_log(msg + ' (docs/active-learning.md §8)', logger='current', level=30)
        self.pool_dataloader_cfg = selection_loader_cfg(
            pool_dataloader, runner.cfg.get('train_dataloader'), selection_transform)
        self.selection_transform = selection_transform
        if selection_transform != 'test':
            print_log(f"train_cfg.selection_transform={selection_transform!r}: the pool is scored "
                      'on augmented views (the reference behaviour, not the default)',
                      logger='current', level=30)
        self.strategy, self.round_init, self.encoder = strategy, round_init, encoder
        self.fractions = (init_frac, step_frac, points)
        self.points, self.round_epochs = points, round_epochs
        self.stop_cfg = dict(max_epochs=round_epochs, target=target, window=window,
                             min_diff=min_diff)
        self.restart_at, self.restart_below = tuple(restart_at), restart_below
        self.metric, self.mc_passes = metric, mc_passes
        self.seed = runner.seed if seed is None else int(seed)
        self.al_dir = osp.join(runner.work_dir, al_dir)
        self._encoder_state = None

    @property
    def _model(self):
        model = self.runner.model
        return model.module if is_model_wrapper(model) else model

    # -- set-up ----------------------------------------------------------------------------

    def _setup(self) -> None:
        """Pool files, schedule, encoder; the state of a fresh run or the resumed one."""
        runner = self.runner
        dataset = self.dataloader.dataset
        ids = dataset.sample_ids
        self.sample_ids = ids
        self.schedule = al_schedule(len(ids), *self.fractions)
        self.budget = self.schedule[1] - self.schedule[0] if self.points > 1 else 0
        loader = runner.build_dataloader(self.pool_dataloader_cfg, seed=runner.seed)
        sampler = loader.sampler
        if getattr(sampler, 'shuffle', True) or getattr(sampler, 'round_up', True) or \
                loader.drop_last:
            raise ValueError("train_cfg.pool_dataloader needs sampler=dict(type='DefaultSampler',"
                             ' shuffle=False, round_up=False) and no drop_last')
        pool_ids = [str(r.sample_id) for r in loader.dataset.records]
        if pool_ids != ids:
            raise ValueError('train_cfg.pool_dataloader.dataset lists other items than the '
                             'training pool: same reader, split and order are required')
        self.pool_loader = loader
        rank, _ = world_info()
        from basicda.active.outputs import pool_text, sha256_text
        pool_sha = sha256_text(pool_text(ids))
        enc_sha = sha256_file(self.encoder) if self.encoder else None
        if self.encoder:  # checked now, loaded again at each round's start
            with torch.random.fork_rng(devices=[]):
                probe = copy.deepcopy(self._model.backbone)
            self._encoder_state = load_encoder(probe, self.encoder)
            del probe
        state = runner.message_hub.get_info(STATE_KEY)
        if state is None:
            if self._epoch > 0:
                raise RuntimeError(f'the checkpoint (epoch {self._epoch}) has no {STATE_KEY!r} '
                                   'state: it was not written by ActiveLearningLoop')
            labelled = initial_set(len(ids), self.schedule[0], self.seed)
            if rank == 0:
                write_pool(self.al_dir, ids)
                write_initial(self.al_dir, labelled, ids)
            state = dict(round=0, labelled=labelled.tolist(), accs=[], restarts=0,
                         init_pending='round', rows=[], pool_sha256=pool_sha,
                         encoder_sha256=enc_sha, seed=self.seed, strategy=self.strategy,
                         round_init=self.round_init, round_start=None,
                         bald_compat=self.bald_compat)
        else:
            for key, found in (('pool_sha256', pool_sha), ('encoder_sha256', enc_sha),
                               ('seed', self.seed), ('strategy', self.strategy),
                               ('round_init', self.round_init),
                               ('bald_compat', self.bald_compat)):
                written = state.get(key)  # bald_compat: absent (None) in older checkpoints
                if written != found:
                    raise ValueError(f'the checkpoint was written with {key}={written!r}, '
                                     f'this run has {found!r}: resume with the same pool, '
                                     'encoder and train_cfg')
            state = copy.deepcopy(state)
            print_log(f'resumed active learning at round {state["round"]} after '
                      f'{len(state["accs"])} epoch(s) of it, {len(state["labelled"])} labels',
                      logger='current')
        self.state = state
        self.pool = LabelPool(len(ids), state['labelled'])

    # -- one round -------------------------------------------------------------------------

    def _publish(self) -> None:
        self.runner.message_hub.update_info(STATE_KEY, copy.deepcopy(self.state))

    def _apply_labelled(self) -> None:
        self.dataloader.dataset.apply_selection(dict(labelled=self.pool.labelled))
        update_sampler_length(self.dataloader.sampler)
        self._max_iters = self._iter + self.round_epochs * len(self.dataloader)
        self.runner.message_hub.update_info('max_iters', self._max_iters)

    def _initialise(self, r: int, restart: bool) -> None:
        """Round r's initial weights (seeded by seed_r), a cleared optimiser and
        restarted schedulers. ``restart``: back to the round's initial state."""
        model = self._model
        if restart and self.state['round_start'] is not None:
            model.load_state_dict(self.state['round_start'])
        else:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(round_seed(self.seed, r))
                first = r == 0
                if self.round_init == 'pretrained' or (
                        self.round_init == 'continue' and first and self._encoder_state):
                    model.backbone.load_state_dict(self._encoder_state, strict=True)
                elif self.round_init == 'scratch' or first:
                    reset_parameters(model.backbone)
                reset_parameters(model.head)
            if self.round_init == 'continue':  # its start is not re-derivable from seeds
                self.state['round_start'] = {k: v.detach().cpu().clone()
                                             for k, v in model.state_dict().items()}
        optimizer = self.runner.optim_wrapper.optimizer
        optimizer.state.clear()
        for group in optimizer.param_groups:
            if 'initial_lr' in group:
                group['lr'] = group['initial_lr']
        cfg = self.runner.cfg.get('param_scheduler')
        if cfg is not None:
            self.runner.param_schedulers = self.runner.build_param_scheduler(copy.deepcopy(cfg))

    def run_iter(self, idx, data_batch) -> None:
        self.runner.call_hook('before_train_iter', batch_idx=idx, data_batch=data_batch)
        outputs = self.runner.model.train_step(data_batch, optim_wrapper=self.runner.optim_wrapper)
        n = len(data_batch['data_samples']['gt_label'])
        self._correct += round(float(outputs['acc']) * n)
        self._seen += n
        self.runner.call_hook('after_train_iter', batch_idx=idx, data_batch=data_batch,
                              outputs=outputs)
        self._iter += 1

    def run_epoch(self) -> None:
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        self._correct = self._seen = 0
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        counts = torch.tensor([self._correct, self._seen], dtype=torch.float64)
        if world_info()[1] > 1:
            dist.all_reduce(counts)
        acc = float(counts[0] / counts[1])
        st = self.state
        st['accs'].append(acc)
        if restart_due(len(st['accs']), acc, self.restart_at, self.restart_below):
            st['init_pending'] = 'restart'
            st['restarts'] += 1
        self.runner.message_hub.update_scalar('train/running_acc', acc)
        self._publish()  # before the checkpoint hook
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def _train_round(self, r: int) -> Optional[str]:
        st = self.state
        while True:
            if st['init_pending']:
                self._initialise(r, restart=st['init_pending'] == 'restart')
                st['init_pending'] = None
                self._publish()
            reason = stop_reason(st['accs'], **self.stop_cfg)
            if reason is not None or self.stop_training:
                return reason
            self.run_epoch()

    def _evaluate(self) -> Dict[str, float]:
        metrics = self.runner.val_loop.run()
        prefix = self.metric.rsplit('/', 1)[0] + '/' if '/' in self.metric else ''
        keys = dict(oa=self.metric, mca=prefix + 'mca', macro_f1=prefix + 'macro_f1')
        missing = [k for k in keys.values() if k not in metrics]
        if missing:
            raise KeyError(f'train_cfg.metric: the validation gave no {missing}; it gave '
                           f'{sorted(metrics)}')
        return {name: float(metrics[key]) for name, key in keys.items()}

    def _acquire(self, r: int) -> None:
        """Round r's selection (after training round r-1): b more labels."""
        chosen, scores = acquire(self._model, self.pool_loader, self.pool, self.strategy,
                                 self.budget, round_seed(self.seed, r), self.mc_passes,
                                 self.dropout_p, self.bald_compat)
        if world_info()[0] == 0:
            write_round_selection(self.al_dir, r, chosen, scores, self.pool.labelled,
                                  self.sample_ids)

    def _report(self, row: dict) -> None:
        runner = self.runner
        runner.visualizer.add_scalars({'al/oa': row['oa']}, step=row['n_labelled'])
        if world_info()[0] == 0:
            write_rounds(self.al_dir, self.state['rows'])
            write_learning_curve(self.state['rows'], osp.join(self.al_dir, 'learning_curve.png'),
                                 title=f'{self.strategy}, {self.round_init}')
        print_log(f'active learning round {row["round"]}: {row["n_labelled"]} labels '
                  f'({100 * row["fraction"]:.1f} %), {row["epochs"]} epochs '
                  f'({row["stop_reason"]}), OA {100 * row["oa"]:.2f} %, MCA '
                  f'{100 * row["mca"]:.2f} %, macro-F1 {100 * row["macro_f1"]:.2f} %',
                  logger='current')

    def run(self):
        self.runner.call_hook('before_train')
        self._setup()
        st = self.state
        while st['round'] < self.points and not self.stop_training:
            r = st['round']
            if len(self.pool.labelled) != self.schedule[r]:
                raise RuntimeError(f'round {r} has {len(self.pool.labelled)} labels, the '
                                   f'schedule {self.schedule[r]}')
            self._apply_labelled()
            start = time.perf_counter()
            reason = self._train_round(r)
            train_s = time.perf_counter() - start
            scores = self._evaluate()
            row = dict(round=r, n_labelled=len(self.pool.labelled),
                       fraction=len(self.pool.labelled) / len(self.sample_ids), **scores,
                       epochs=len(st['accs']), stop_reason=reason, select_s=0.0,
                       train_s=round(train_s, 3), seed=round_seed(self.seed, r))
            if r + 1 < self.points:
                start = time.perf_counter()
                self._acquire(r + 1)
                row['select_s'] = round(time.perf_counter() - start, 3)
            st['rows'].append(row)
            self._report(row)
            st.update(round=r + 1, labelled=self.pool.labelled.tolist(), accs=[], restarts=0,
                      init_pending='round')
            self._publish()
        self.runner.call_hook('after_train')
        return self.runner.model
