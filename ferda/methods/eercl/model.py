"""The EERCL algorithm model: student + EMA teacher, AaD bank, weak bank, prototypes,
relation matrices and probability queues, and the iteration of ``docs/eercl.md`` §2.8.

The math lives in ``basicda`` (``losses.aad``, ``losses.relation``,
``pseudo_label.shot``, ``ops.knn``, ``models.mean_teacher``); this file
orders it. State split:

* module state (``state_dict``, the checkpoint's model weights): the student, the
  teacher's parameters and BN buffers, and the relation matrices ``S_cls`` and
  ``S_inst`` (buffers, recomputed from the frozen classifier on every load and
  checked equal);
* method state (:meth:`EERCL.method_state_dict`, written by ``MethodStateHook``
  into ``checkpoint['method_state']``): the banks, queues, prototypes and the
  iteration of the last refresh. They are non-persistent buffers created in
  ``__init__`` (the banks with 0 rows until the training set's length is known:
  :meth:`EERCL.init_banks`, or the loaded state), so they follow the module's
  device but stay out of ``state_dict``; DDP runs with ``broadcast_buffers=False``
  and every rank updates its replica from identical gathered tensors.
"""
import copy
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub, print_log
from mmengine.model import BaseModel
from torch import Tensor

from basicda.banks.feature_bank import IndexedBank
from basicda.banks.ring_queue import RingQueue
from basicda.datasets.samples import NO_LABEL, gt_labels
from basicda.engine.checkpoint import safe_load
from basicda.losses.aad import aad_dispersion_weight, aad_loss
from basicda.losses.relation import (relation_infonce, relation_matrix,
                                     relation_pseudo_label_loss)
from basicda.models.backbones import check_arch_meta
from basicda.models.mean_teacher import ema_update_, make_teacher
from basicda.ops.embed import embed_by_index
from basicda.ops.gather import (all_gather_cat, broadcast_tensor, gather_with_local_grad,
                                world_info)
from basicda.ops.knn import knn
from basicda.pseudo_label.shot import confidence_mask, prototype_labels, shot_prototypes
from ferda.registry import MODELS

__all__ = ['EERCL']

#: Order of the views in a training batch (``MultiViewDataset.view_names``): the
#: student forward is ``cat(s1, s2, w)``, so BN statistics span all three views.
VIEWS = ('strong1', 'strong2', 'weak')

_AAD_DEFAULTS = dict(num_neighbours=4, beta=0.0, weight=1.0, world_scaling=True,
                     self_exclusion='index')
_PSEUDO_LABEL_DEFAULTS = dict(weight=1.0, tau=0.07, threshold=0.95, alpha=1.0,
                              use_cluster_label=True, loss_type='relation',
                              empty_prototype='mask', prototype_thr=0)
_INFONCE_DEFAULTS = dict(weight=1.0, tau=0.07, logit_scale=0.5, loss_scale=0.5, alpha=1.0,
                         queue_size=512, queue_init='empty', queue_overflow='wrap')
_CHOICES = dict(self_exclusion=('index', 'drop_first'), loss_type=('relation', 'orig'))


def _options(name: str, given: Optional[dict], defaults: dict) -> dict:
    given = dict(given or {})
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise KeyError(f'EERCL {name}: unknown keys {unknown}; accepted: {sorted(defaults)}')
    out = {**defaults, **given}
    for key, choices in _CHOICES.items():
        if key in out and out[key] not in choices:
            raise ValueError(f'EERCL {name}.{key} must be one of {choices}, got {out[key]!r}')
    return out


def _normalize(x: Tensor) -> Tensor:
    return F.normalize(x, p=2, dim=1, eps=1e-12)


@MODELS.register_module()
class EERCL(BaseModel):
    r"""EERCL / CRCo on top of AaD, source-free (``docs/eercl.md``).

    Per iteration (the refresh of step 1 is done by ``BankRefreshHook`` calling
    :meth:`refresh_banks`; steps 2-7 are :meth:`train_step`):

    .. math::
        L = \lambda_{aad}\, g\, (L_{att} + \lambda(t) L_{dis})
          + \lambda_{fix} \tfrac12 (L_{s1} + L_{s2})
          + \lambda_{nce} \tfrac13 [I(p_{s1}, q_w, Q_w) + I(p_w, q_{s1}, Q_s)
                                  + I(p_{s1}, q_{s2}, Q_s)] .

    Args:
        classifier (dict): config of the source network, an ``ImageClassifier``
            with a weight-normalised ``head.fc`` (recipe B: ``BottleneckWNHead``)
            and its ``data_preprocessor`` (used for every input here).
        num_samples (int, optional): :math:`N`, the size of the target training
            set (the banks have one row per dataset index). Default: None: set by
            ``BankRefreshHook`` from the training set before the run
            (:meth:`init_banks`); when given, the hook checks it.
        source_checkpoint (str, optional): the source model's mmengine checkpoint
            (``state_dict`` + ``meta.arch``); loaded into the student, whose copy
            is the teacher. The architecture in ``meta`` must match. Default: None
            (random init: tests and config checks only).
        aad (dict): ``num_neighbours`` K (4), ``beta`` (0), ``weight``
            :math:`\lambda_{aad}` (1), ``world_scaling`` (True: :math:`g = G`;
            False: the reference's :math:`g = 1`), ``self_exclusion`` (``'index'``;
            ``'drop_first'``: the reference's drop of the first of K + 1).
        pseudo_label (dict): ``weight`` :math:`\lambda_{fix}` (1), ``tau``
            :math:`\tau_f` (0.07), ``threshold`` (0.95), ``alpha`` of
            :math:`S_{cls}` (1), ``use_cluster_label`` (True; False: argmax of
            :math:`q_w`), ``loss_type`` (``'relation'``; ``'orig'``: CE on the raw
            logits), ``empty_prototype`` (``'mask'``; ``'zero'``: the reference),
            ``prototype_thr`` (0).
        infonce (dict): ``weight`` :math:`\lambda_{nce}` (1), ``tau`` (0.07),
            ``logit_scale`` :math:`\kappa` (0.5), ``loss_scale`` :math:`\lambda_s`
            (0.5), ``alpha`` of :math:`S_{inst}` (1), ``queue_size`` M (512),
            ``queue_init`` (``'empty'``; ``'randn'``: the reference's noise
            negatives), ``queue_overflow`` (``'wrap'``; ``'drop'``).
        ema_decay (float): :math:`m` (0.99), parameters only.
        shuffle_bn (bool): shuffle-BN for the teacher forward when G > 1. Default: True.
        check_replicas (bool): after every refresh, compare bank and queue
            checksums across ranks and raise on a difference (debug). Default: False.
        init_cfg (dict, optional): mmengine init config.

    Under DDP, basicda's ``MethodDDP`` hands :meth:`train_step` the wrapper
    (``owns_train_step``); run it with ``broadcast_buffers=False`` and
    the default runtime's ``BroadcastBuffersHook``.

    Data: ``inputs`` (B, 3, 3, H, W) uint8, the views in :data:`VIEWS` order;
    ``data_samples = dict(sample_idx=(B,), gt_label=(B,))``; ``gt_label`` is optional and
    read only for the ``diag/`` scalars, which are left out when the target is unlabelled.
    """

    #: basicda.engine.ddp.MethodDDP calls train_step(data, optim_wrapper, ddp=wrapper)
    owns_train_step = True

    def __init__(self,
                 classifier: dict,
                 num_samples: Optional[int] = None,
                 source_checkpoint: Optional[str] = None,
                 aad: Optional[dict] = None,
                 pseudo_label: Optional[dict] = None,
                 infonce: Optional[dict] = None,
                 ema_decay: float = 0.99,
                 shuffle_bn: bool = True,
                 check_replicas: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        student = MODELS.build(classifier)
        super().__init__(data_preprocessor=student.data_preprocessor, init_cfg=init_cfg)
        if not 0.0 <= ema_decay <= 1.0:
            raise ValueError(f'ema_decay must be in [0, 1], got {ema_decay}')
        self.aad_cfg = _options('aad', aad, _AAD_DEFAULTS)
        self.pl_cfg = _options('pseudo_label', pseudo_label, _PSEUDO_LABEL_DEFAULTS)
        self.nce_cfg = _options('infonce', infonce, _INFONCE_DEFAULTS)
        self.ema_decay = float(ema_decay)
        self.shuffle_bn = shuffle_bn
        self.check_replicas = check_replicas
        self.student = student
        fc = getattr(student.head, 'fc', None)
        if fc is None or not hasattr(fc, 'parametrizations'):
            raise TypeError('EERCL needs a classifier whose head.fc is weight-normalised '
                            f'(BottleneckWNHead or LinearClsHead(weight_norm=True)); got '
                            f'{type(student.head).__name__}')
        self.source_checkpoint = source_checkpoint
        if source_checkpoint is not None:
            self._load_source(source_checkpoint)
        # The classifier is frozen: excluded from the optimiser, constant under EMA.
        for param in self.student.head.fc.parameters():
            param.requires_grad_(False)
        self.teacher = make_teacher(self.student)
        # Built once from the frozen classifier; checked on every load.
        self.register_buffer('relation_cls', self._relation(self.pl_cfg['alpha']))
        self.register_buffer('relation_inst', self._relation(self.nce_cfg['alpha']))
        self.register_load_state_dict_post_hook(EERCL._check_relation_after_load)

        num_classes = student.num_classes
        feature_dim = student.head.feature_dim
        self.num_classes, self.feature_dim = num_classes, feature_dim
        # Method state: non-persistent buffers (see the module docstring).
        queue = dict(size=self.nce_cfg['queue_size'], dim=num_classes,
                     overflow=self.nce_cfg['queue_overflow'], init=self.nce_cfg['queue_init'])
        self.queue_weak = RingQueue(**queue)
        self.queue_strong = RingQueue(**queue)
        self.register_buffer('prototypes', torch.zeros(num_classes, feature_dim),
                             persistent=False)  # (C, D)
        self.register_buffer('prototype_valid', torch.zeros(num_classes, dtype=torch.bool),
                             persistent=False)  # (C,)
        self.last_refresh = -1  # iteration of the last refresh; -1: never
        self.aad_bank_initialised = False
        # the weak bank (Fb, Pb) and the AaD bank (Ab, As): one row per target sample
        fields = dict(feat=feature_dim, prob=num_classes)
        self.weak_bank = IndexedBank(0, fields=fields)
        self.aad_bank = IndexedBank(0, fields=fields)
        self.num_samples = None
        if num_samples is not None:
            self.init_banks(num_samples)

    def init_banks(self, num_samples: int) -> None:
        """Size the weak bank and the AaD bank to one row per target training sample
        (unfilled)."""
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 2:
            raise ValueError(f'num_samples must be an int >= 2, got {num_samples!r}')
        self.num_samples = num_samples
        self.weak_bank.resize(num_samples)
        self.aad_bank.resize(num_samples)

    # ------------------------------------------------------------------ set-up
    @property
    def arch_meta(self) -> dict:
        """The student's architecture (``ArchMetaHook``; equal to the source's)."""
        return self.student.arch_meta

    def _relation(self, alpha: float) -> Tensor:
        weight_v = self.student.head.fc.parametrizations.weight.original1  # (C, D)
        return relation_matrix(weight_v, alpha)  # (C, C)

    def _load_source(self, path: str) -> None:
        checkpoint = safe_load(path)
        if 'state_dict' not in checkpoint:
            raise KeyError(f'{path}: not an mmengine checkpoint (no "state_dict"); EERCL needs '
                           'the source run\'s checkpoint file')
        found = checkpoint.get('meta', {}).get('arch')
        if found is None:
            raise KeyError(f'{path}: checkpoint meta has no "arch" (written by ArchMetaHook); '
                           'cannot check that it matches the EERCL classifier')
        check_arch_meta(self.student.arch_meta, found)
        self.student.load_state_dict(checkpoint['state_dict'], strict=True)
        print_log(f'EERCL: source weights loaded from {path}', logger='current')

    @staticmethod
    def _check_relation_after_load(module: 'EERCL', incompatible_keys) -> None:
        for name, alpha in (('relation_cls', module.pl_cfg['alpha']),
                            ('relation_inst', module.nce_cfg['alpha'])):
            expected = module._relation(alpha).to(getattr(module, name).device)
            if not torch.allclose(getattr(module, name), expected, rtol=0, atol=1e-6):
                raise ValueError(f'EERCL: the loaded {name} differs from the one recomputed from '
                                 'the loaded classifier (max abs difference '
                                 f'{(getattr(module, name) - expected).abs().max().item():.3g}); '
                                 'the checkpoint is inconsistent')

    # --------------------------------------------------------------- forwards
    def forward(self, inputs: Tensor, data_samples: Optional[dict] = None, mode: str = 'tensor'):
        """``'tensor'``: student logits (B, C); ``'predict'``: student predictions for
        the metrics; ``'student'``: ``(z (B, D), logits (B, C))`` of the student (the
        training forward, called through DDP so gradients are reduced)."""
        if mode == 'tensor':
            return self.student(inputs, mode='tensor')
        if mode == 'predict':
            return self.student.predict(inputs, data_samples)
        if mode == 'student':
            return self._features_and_logits(self.student, inputs)
        raise ValueError(f"mode must be 'tensor', 'predict' or 'student', got {mode!r} "
                         '(training goes through train_step)')

    @staticmethod
    def _features_and_logits(net, inputs: Tensor):
        z = net.extract_feat(inputs, stage='neck')  # (n, D)
        return z, net.head.fc(z)  # (n, C)

    @torch.no_grad()
    def _teacher_forward(self, x: Tensor):
        """Train-mode teacher forward; with G > 1 and ``shuffle_bn`` the global batch
        is permuted (permutation from rank 0) so BN statistics mix ranks."""
        rank, world_size = world_info()
        if world_size == 1 or not self.shuffle_bn:
            return self._features_and_logits(self.teacher, x)
        x_all = all_gather_cat(x)  # (sum n_r, ...)
        counts = all_gather_cat(torch.tensor([x.shape[0]], device=x.device)).tolist()
        perm = torch.randperm(x_all.shape[0], device=x.device) if rank == 0 else \
            torch.empty(x_all.shape[0], dtype=torch.long, device=x.device)
        perm = broadcast_tensor(perm, src=0)
        start = sum(counts[:rank])
        z, logits = self._features_and_logits(self.teacher, x_all[perm][start:start + x.shape[0]])
        z_all, logits_all = all_gather_cat(z), all_gather_cat(logits)  # shuffled order
        z_out, logits_out = torch.empty_like(z_all), torch.empty_like(logits_all)
        z_out[perm], logits_out[perm] = z_all, logits_all  # unshuffle
        return z_out[start:start + x.shape[0]], logits_out[start:start + x.shape[0]]

    # --------------------------------------------------------------- refresh
    def _check_banks_sized(self) -> None:
        if self.num_samples is None:
            raise RuntimeError('EERCL: banks not created; set num_samples or add '
                               'BankRefreshHook, which sizes them from the training set')

    def sync_buffers(self) -> None:
        """Broadcast the networks' buffers (BN statistics) and the relation matrices
        from rank 0, so every rank evaluates and fills banks with the same network
        (DDP runs with ``broadcast_buffers=False``). The method state (banks,
        queues, prototypes) is replicated already and is not sent."""
        if world_info()[1] == 1:
            return
        for buffer in (*self.student.buffers(), *self.teacher.buffers(), self.relation_cls,
                       self.relation_inst):
            broadcast_tensor(buffer, src=0)

    @torch.no_grad()
    def _bank_pass(self, loader, net) -> Dict[str, Tensor]:
        """Eval-mode pass of ``net`` over ``loader``; (normalised z, p, label) rows of
        every rank gathered by dataset ``index``. Samples the loader skips (the
        reference's ``drop_last``) are absent; :meth:`_fill` decides if that is
        allowed."""

        def forward(data):
            data = self.data_preprocessor(data, training=False)
            z, logits = self._features_and_logits(net, data['inputs'])  # (n, D), (n, C)
            samples = data['data_samples']
            index = samples['sample_idx']
            gt = gt_labels(samples)  # ground truth, diagnostics only
            label = gt.long() if gt is not None else torch.full_like(
                torch.as_tensor(index).long(), NO_LABEL)
            return index, dict(feat=_normalize(z), prob=logits.softmax(dim=1), label=label)

        return embed_by_index(loader, forward, self.num_samples, device=self.relation_cls.device,
                              allow_missing=True)

    def _fill(self, bank: IndexedBank, rows: Dict[str, Tensor], allow_missing: bool) -> None:
        bank.update(rows['index'], feat=rows['feat'], prob=rows['prob'])
        if not allow_missing:
            bank.assert_filled()

    @torch.no_grad()
    def refresh_banks(self, loader, iteration: int, allow_missing: bool = False) -> dict:
        """Step 1 of §2.8: fill the weak bank (student, eval mode) and, at the first
        refresh, the AaD bank (teacher, eval mode); recompute the prototypes on rank 0
        and broadcast them.

        Args:
            loader: the dedicated refresh loader (unshuffled, no padding, test
                pipeline), sharded over ranks; items carry ``sample_idx``.
            iteration (int): the current iteration (recorded).
            allow_missing (bool): the reference's ``drop_last`` fill: rows the loader
                does not reach keep their N(0, 1) initial values. Default: False
                (every row must be filled).

        Returns:
            dict: ground-truth diagnostics of the refresh (``diag/`` scalars).
        """
        self._check_banks_sized()
        self.sync_buffers()
        was_training = self.training
        self.eval()
        try:
            if allow_missing and self.last_refresh < 0:
                self._randn_init(self.weak_bank)
                self._randn_init(self.aad_bank)
            student_rows = self._bank_pass(loader, self.student)
            self._fill(self.weak_bank, student_rows, allow_missing)
            if not self.aad_bank_initialised:
                self._fill(self.aad_bank, self._bank_pass(loader, self.teacher), allow_missing)
                self.aad_bank_initialised = True
        finally:
            self.train(was_training)
        feat, prob = self.weak_bank.get('feat'), self.weak_bank.get('prob')
        prototypes, valid = shot_prototypes(feat, prob, thr=self.pl_cfg['prototype_thr'])
        self.prototypes = broadcast_tensor(prototypes.contiguous(), src=0)
        self.prototype_valid = broadcast_tensor(valid.contiguous(), src=0)
        self.last_refresh = int(iteration)
        if self.check_replicas:
            self.assert_replicas_equal()
        diag = {'diag/prototypes_valid': float(self.prototype_valid.sum().item())}
        # ground truth, diagnostics only: skipped for an unlabelled target
        known = student_rows['label'] != NO_LABEL
        if bool(known.any()):
            rows = {key: value[known] for key, value in student_rows.items()}
            labels = prototype_labels(rows['feat'], self.prototypes, self.prototype_valid,
                                      empty_prototype=self.pl_cfg['empty_prototype'])
            diag['diag/refresh_cluster_acc'] = (labels == rows['label']).float().mean().item()
            diag['diag/refresh_student_acc'] = \
                (rows['prob'].argmax(1) == rows['label']).float().mean().item()
        return diag

    def _randn_init(self, bank: IndexedBank) -> None:
        # N(0, 1) rows like the reference's initial banks (norm ~ sqrt(D))
        index = torch.arange(self.num_samples)
        bank.update(index, feat=torch.randn(self.num_samples, self.feature_dim),
                    prob=torch.randn(self.num_samples, self.num_classes))

    def assert_replicas_equal(self) -> None:
        """Raise if banks, queues or prototypes differ between ranks (debug)."""
        if world_info()[1] == 1:
            return
        checks = dict(weak_feat=self.weak_bank.get('feat'), weak_prob=self.weak_bank.get('prob'),
                      aad_feat=self.aad_bank.get('feat'), aad_prob=self.aad_bank.get('prob'),
                      queue_weak=self.queue_weak.data, queue_strong=self.queue_strong.data,
                      prototypes=self.prototypes)
        sums = torch.stack([t.double().sum() for t in checks.values()])[None]  # (1, 7)
        gathered = all_gather_cat(sums)  # (G, 7)
        bad = [name for name, column in zip(checks, gathered.t())
               if not bool((column == column[0]).all())]
        if bad:
            raise RuntimeError(f'EERCL: replicated state differs between ranks: {bad}')

    # --------------------------------------------------------------- training
    def _split_views(self, data: dict) -> dict:
        inputs = data['inputs']  # (B, V, 3, H, W)
        if inputs.dim() < 3 or inputs.shape[1] != len(VIEWS):
            raise ValueError(f'EERCL expects inputs (B, {len(VIEWS)}, ...) with the views '
                             f'{VIEWS}, got {tuple(inputs.shape)}')
        batch = inputs.shape[0]
        stacked = inputs.transpose(0, 1).reshape(len(VIEWS) * batch, *inputs.shape[2:])
        data = self.data_preprocessor(dict(inputs=stacked, data_samples=data['data_samples']),
                                      training=True)
        data['batch_size'] = batch
        return data

    def _neighbour_scores(self, query: Tensor, index: Tensor) -> Tensor:
        """(GB, K, C) stored teacher predictions of the K nearest AaD-bank rows."""
        k = self.aad_cfg['num_neighbours']
        bank_feat = self.aad_bank.get('feat')
        mode = self.aad_cfg['self_exclusion']  # 'drop_first': the reference's
        _, neighbours = knn(query, bank_feat, k, exclude=index if mode == 'index' else None,
                            self_exclusion=mode)  # (GB, K)
        return self.aad_bank.get('prob')[neighbours]  # (GB, K, C)

    def _pseudo_label_loss(self, p_strong: Tensor, logits_strong: Tensor, labels: Tensor,
                           mask: Tensor) -> Tensor:
        if self.pl_cfg['loss_type'] == 'relation':
            return relation_pseudo_label_loss(p_strong, labels, mask, self.relation_cls,
                                              self.pl_cfg['tau'])
        per_row = F.cross_entropy(logits_strong, labels, reduction='none')  # (B,)
        return (mask * per_row).sum() / p_strong.shape[0]

    def _infonce(self, query: Tensor, key: Tensor, queue: RingQueue) -> Tensor:
        cfg = self.nce_cfg
        return relation_infonce(query, key, queue.data, self.relation_inst, cfg['tau'],
                                cfg['logit_scale'], cfg['loss_scale'],
                                queue_valid=queue.valid_mask())

    def train_step(self, data: dict, optim_wrapper, ddp=None) -> Dict[str, Tensor]:
        """Steps 2-7 of §2.8 (the refresh of step 1 ran in ``before_train_iter``).

        Args:
            data: a collated multi-view batch (see the class docstring).
            optim_wrapper: mmengine optimiser wrapper (backward, step, zero_grad).
            ddp: the DDP wrapper when distributed; the student forward goes through
                it so that the gradients are all-reduced.

        Returns:
            dict: ``loss`` and the three terms, AaD parts (``aad/``) and ground-truth
            diagnostics (``diag/``), all scalars.
        """
        if self.last_refresh < 0:
            raise RuntimeError('EERCL: the banks were never filled; add BankRefreshHook to '
                               'custom_hooks (it refreshes before iteration 0)')
        _, world_size = world_info()
        net = ddp if ddp is not None else self
        # 2. EMA, before the forward (equivalent to after the previous step)
        ema_update_(self.teacher, self.student, self.ema_decay)
        # 3. forward: one student pass over cat(s1, s2, w), one teacher pass
        data = self._split_views(data)
        x, batch = data['inputs'], data['batch_size']
        index = data['data_samples']['sample_idx'].long()  # (B,)
        with optim_wrapper.optim_context(net):
            z, logits = net(x, mode='student')  # (3B, D), (3B, C)
        z_t, logits_t = self._teacher_forward(x)
        p = logits.softmax(dim=1)  # (3B, C)
        q = logits_t.softmax(dim=1).detach()  # (3B, C)
        p_s1, p_s2, p_w = p[:batch], p[batch:2 * batch], p[2 * batch:]
        q_s1, q_s2, q_w = q[:batch], q[batch:2 * batch], q[2 * batch:]
        # 4. gathered teacher weak outputs -> AaD bank (rank order)
        index_all = all_gather_cat(index)  # (GB,)
        query_all = all_gather_cat(_normalize(z_t[2 * batch:]))  # (GB, D)
        q_w_all, q_s1_all = all_gather_cat(q_w), all_gather_cat(q_s1)  # (GB, C)
        self.aad_bank.update(index_all, feat=query_all, prob=q_w_all)
        # 5. losses
        iteration = MessageHub.get_current_instance().get_info('iter', 0)
        max_iters = MessageHub.get_current_instance().get_info('max_iters', 1)
        scores = self._neighbour_scores(query_all, index_all)  # (GB, K, C)
        world_scale = float(world_size) if self.aad_cfg['world_scaling'] else 1.0
        loss_aad, att, dis, att_ref = aad_loss(
            gather_with_local_grad(p_w), scores,
            aad_dispersion_weight(iteration, max_iters, self.aad_cfg['beta']), world_scale)
        mask = confidence_mask(q_w, self.pl_cfg['threshold'])  # (B,)
        if self.pl_cfg['use_cluster_label']:
            labels = prototype_labels(z[2 * batch:].detach(), self.prototypes,
                                      self.prototype_valid, self.pl_cfg['empty_prototype'])
        else:
            labels = q_w.argmax(dim=1)
        loss_fix = 0.5 * (self._pseudo_label_loss(p_s1, logits[:batch], labels, mask)
                          + self._pseudo_label_loss(p_s2, logits[batch:2 * batch], labels, mask))
        loss_nce = (self._infonce(p_s1, q_w, self.queue_weak)
                    + self._infonce(p_w, q_s1, self.queue_strong)
                    + self._infonce(p_s1, q_s2, self.queue_strong)) / 3.0
        losses = dict(loss_aad=self.aad_cfg['weight'] * loss_aad,
                      loss_fix=self.pl_cfg['weight'] * loss_fix,
                      loss_nce=self.nce_cfg['weight'] * loss_nce)
        # 6. backward + SGD step (constant lr)
        loss, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(loss)
        # 7. enqueue the gathered teacher probabilities
        self.queue_weak.push(q_w_all)
        self.queue_strong.push(q_s1_all)
        log_vars.update(self._diagnostics(att, dis, att_ref, mask, labels, q_w, data))
        return log_vars

    @torch.no_grad()
    def _diagnostics(self, att, dis, att_ref, mask, labels, q_w, data) -> Dict[str, Tensor]:
        out = {'aad/att': att.detach(), 'aad/dis': dis.detach(), 'aad/att_ref': att_ref.detach(),
               'diag/mask_ratio': mask.mean()}
        gt = gt_labels(data['data_samples'])  # ground truth, diagnostics only
        if gt is None:  # an unlabelled target: no ground-truth diagnostics
            return out
        gt = gt.to(labels.device)
        masked = mask.sum().clamp(min=1)
        out.update({
            'diag/cluster_label_acc': (labels == gt).float().mean(),
            'diag/cluster_label_acc_masked': ((labels == gt).float() * mask).sum() / masked,
            'diag/teacher_acc': (q_w.argmax(1) == gt).float().mean(),
        })
        return out

    # ------------------------------------------------------------ method state
    def method_state_dict(self) -> dict:
        """Banks, queues, prototypes and the refresh iteration (§7), CPU tensors."""
        if self.num_samples is None:
            raise RuntimeError('EERCL: banks not created yet (init_banks / BankRefreshHook)')
        return dict(weak_bank=self.weak_bank.export_state(),
                    aad_bank=self.aad_bank.export_state(),
                    queue_weak=self.queue_weak.export_state(),
                    queue_strong=self.queue_strong.export_state(),
                    prototypes=self.prototypes.detach().cpu().clone(),
                    prototype_valid=self.prototype_valid.detach().cpu().clone(),
                    last_refresh=self.last_refresh,
                    aad_bank_initialised=self.aad_bank_initialised)

    def load_method_state_dict(self, state: dict) -> None:
        """Inverse of :meth:`method_state_dict`."""
        if self.num_samples is None:  # e.g. a test-only run: size the banks from the state
            self.init_banks(int(state['weak_bank']['filled'].shape[0]))
        expected = set(self.method_state_dict())
        if set(state) != expected:
            raise KeyError(f'EERCL method_state: expected keys {sorted(expected)}, got '
                           f'{sorted(state)}')
        self.weak_bank.import_state(state['weak_bank'])
        self.aad_bank.import_state(state['aad_bank'])
        self.queue_weak.import_state(state['queue_weak'])
        self.queue_strong.import_state(state['queue_strong'])
        device = self.prototypes.device
        self.prototypes = copy.deepcopy(state['prototypes']).to(device)
        self.prototype_valid = copy.deepcopy(state['prototype_valid']).to(device)
        self.last_refresh = int(state['last_refresh'])
        self.aad_bank_initialised = bool(state['aad_bank_initialised'])
