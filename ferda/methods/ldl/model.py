"""The LDL algorithm model: classifier, scoring net, per-sample trust and its velocity,
class centres, and the training step of ``docs/ldl.md`` §2 (online or bank neighbours).

The math lives in ``basicda.losses.label_distribution`` and ``basicda.optim``; this
file orders it. Method state (the trust :math:`\\hat\\lambda`, its velocity, the
centres, and the neighbour table with its fingerprint) is held in non-persistent
buffers, so it follows ``.to()`` and stays out of ``state_dict``; it is checkpointed
through ``MethodStateHook`` (:meth:`LDLModel.method_state_dict`). DDP must run with
``broadcast_buffers=False``: every rank applies the same gathered updates.
"""
import contextlib
from typing import Dict, Optional

import torch
import torch.distributed as dist
from mmengine.model import BaseModel
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from basicda.losses.label_distribution import (balanced_class_weights, centre_loss,
                                               centre_update, label_distribution_target,
                                               lambda_grad_closed_form, soft_cross_entropy)
from basicda.ops.embed import embed_by_index
from basicda.ops.gather import all_gather_cat, world_info
from basicda.optim.sparse_row_sgd import SparseRowSGD
from ferda.registry import MODELS

__all__ = ['LDLModel', 'NEIGHBOUR_BN', 'CLASS_WEIGHTS', 'NEIGHBOUR_SOURCES']

NEIGHBOUR_BN = ('train_frozen', 'train_update', 'eval')
NEIGHBOUR_SOURCES = ('online', 'bank')
CLASS_WEIGHTS = ('none', 'balanced')


@contextlib.contextmanager
def _neighbour_bn(net: torch.nn.Module, mode: str):
    """BN during the no-grad neighbour pass: ``'train_update'`` as in training (the
    reference: running statistics move), ``'train_frozen'`` batch statistics with the
    running statistics and counters left untouched, ``'eval'`` running statistics."""
    bns = [m for m in net.modules() if isinstance(m, _BatchNorm)]
    saved = [(m.momentum, m.num_batches_tracked.clone() if m.num_batches_tracked is not None
              else None, m.training) for m in bns]
    if mode == 'train_frozen':
        for m in bns:
            m.momentum = 0.0  # running = 1 * running + 0 * batch
    elif mode == 'eval':
        for m in bns:
            m.eval()
    try:
        yield
    finally:
        if mode != 'train_update':
            for m, (momentum, tracked, training) in zip(bns, saved):
                m.momentum = momentum
                if tracked is not None:
                    m.num_batches_tracked.copy_(tracked)
                m.train(training)


@MODELS.register_module()
class LDLModel(BaseModel):
    r"""Uncertainty-aware label distribution learning (``docs/ldl.md``).

    .. math::
        L = \frac{1}{B}\sum_i c_i \sum_c -t_{ic}\log(p_{ic} + \epsilon)
            + \gamma \frac{1}{2M}\sum_m \Lambda_m \lVert X_m - ctr_{Y_m} \rVert^2

    Args:
        classifier (dict): an ``ImageClassifier`` (backbone f -> h, ``head.fc``) and
            its ``data_preprocessor``.
        scoring (dict, optional): ``ScoringNet`` options (``feature_dim`` filled in).
        gamma (float): centre-loss weight :math:`\gamma`. Default: 0.01.
        lamb_init (float): initial :math:`\hat\lambda` (before the sigmoid). Default: 0.5.
        lamb_lr (float): ``SparseRowSGD`` lr of :math:`\hat\lambda`. Default: 10.
        lamb_momentum (float): its momentum :math:`\beta_\lambda`. Default: 0.
        class_weight (str): ``'none'`` or ``'balanced'`` (N / (C n_c)). Default: ``'none'``.
        neighbour_bn (str): one of :data:`NEIGHBOUR_BN` (online mode). Default:
            ``'train_frozen'``.
        neighbour_source (str): ``'online'`` (the reference: K no-grad neighbour
            forwards per sample and step) or ``'bank'`` (neighbour features and
            predictions read from a bank refilled by ``LDLBankRefreshHook``; no
            neighbour images). Default: ``'online'``.
        bank_in_checkpoint (bool): bank mode: save the bank (features, predictions,
            filled mask) in the checkpoint's method state, so a resume between two
            refreshes continues from the same bank as an uninterrupted run. False keeps
            the checkpoints smaller (no N x (D + C) bank); on resume the bank is then
            refreshed from the resumed model (``LDLBankRefreshHook``, with a warning).
            Default: True.
        ce_eps (float): :math:`\epsilon`. Default: 1e-10.
        centre_lr (float): 0.5. repulsion (float): 0.1.
        repulsion_temperature (float, optional): default D.
        init_cfg (dict, optional): mmengine init config.

    Data: ``inputs`` (B, 1 + K, ...) (online; (B, 1, ...) in bank mode): the anchor
    view then the K neighbour views of each sample (:class:`LDLNeighbourDataset`); ``data_samples`` with ``sample_idx``
    (B,) and ``gt_label`` (B,) (the stored, possibly noisy labels).
    """

    #: basicda.engine.ddp.MethodDDP calls train_step(data, optim_wrapper, ddp=wrapper)
    owns_train_step = True

    def __init__(self, classifier: dict, scoring: Optional[dict] = None, gamma: float = 0.01,
                 lamb_init: float = 0.5, lamb_lr: float = 10.0, lamb_momentum: float = 0.0,
                 class_weight: str = 'none', neighbour_bn: str = 'train_frozen',
                 neighbour_source: str = 'online', bank_in_checkpoint: bool = True,
                 ce_eps: float = 1e-10, centre_lr: float = 0.5, repulsion: float = 0.1,
                 repulsion_temperature: Optional[float] = None,
                 init_cfg: Optional[dict] = None) -> None:
        net = MODELS.build(classifier)
        super().__init__(data_preprocessor=net.data_preprocessor, init_cfg=init_cfg)
        if neighbour_bn not in NEIGHBOUR_BN:
            raise ValueError(f'neighbour_bn must be one of {NEIGHBOUR_BN}, got {neighbour_bn!r}')
        if neighbour_source not in NEIGHBOUR_SOURCES:
            raise ValueError(f'neighbour_source must be one of {NEIGHBOUR_SOURCES}, got '
                             f'{neighbour_source!r}')
        self.neighbour_source = neighbour_source
        if not isinstance(bank_in_checkpoint, bool):
            raise TypeError(f'bank_in_checkpoint must be True or False, got '
                            f'{bank_in_checkpoint!r}')
        self.bank_in_checkpoint = bank_in_checkpoint
        if class_weight not in CLASS_WEIGHTS:
            raise ValueError(f'class_weight must be one of {CLASS_WEIGHTS}, got '
                             f'{class_weight!r}')
        if getattr(net.head, 'fc', None) is None:
            raise TypeError(f'LDL needs a classifier head with an fc layer; got '
                            f'{type(net.head).__name__}')
        self.classifier = net
        self.num_classes = net.num_classes
        self.feature_dim = net.head.fc.in_features
        scoring = dict(type='ScoringNet', **(scoring or {}))
        scoring.setdefault('feature_dim', self.feature_dim)
        self.scoring = MODELS.build(scoring)
        self.gamma, self.lamb_init = float(gamma), float(lamb_init)
        self.lamb_lr, self.lamb_momentum = float(lamb_lr), float(lamb_momentum)
        SparseRowSGD(torch.zeros(1, 1), self.lamb_lr, self.lamb_momentum)  # checks them
        self.class_weight, self.neighbour_bn, self.ce_eps = class_weight, neighbour_bn, ce_eps
        self.centre_lr, self.repulsion = float(centre_lr), float(repulsion)
        self.repulsion_temperature = repulsion_temperature
        # method state, sized by init_state (LDLSetupHook, before a resume loads it)
        for name, shape, dtype in (('lam_hat', (0, 1), torch.float32),
                                   ('lam_velocity', (0, 1), torch.float32),
                                   ('centres', (self.num_classes, self.feature_dim),
                                    torch.float32),
                                   ('labels', (0,), torch.long), ('neighbours', (0, 1), torch.long),
                                   ('kernel', (0, 1), torch.float32),
                                   ('sample_weight', (self.num_classes,), torch.float32),
                                   ('bank_feat', (0, self.feature_dim), torch.float32),
                                   ('bank_prob', (0, self.num_classes), torch.float32),
                                   ('bank_filled', (0,), torch.bool)):
            self.register_buffer(name, torch.zeros(shape, dtype=dtype), persistent=False)
        self.fingerprint: Optional[dict] = None

    # ------------------------------------------------------------------ set-up
    @property
    def arch_meta(self) -> dict:
        return self.classifier.arch_meta

    @property
    def num_samples(self) -> int:
        return int(self.lam_hat.shape[0])

    def init_state(self, labels, neighbours, kernel, fingerprint: dict) -> None:
        """Size the method state for N training rows: labels (N,), neighbour indices
        (N, K), VA kernel (N, K); :math:`\\hat\\lambda` = ``lamb_init``, velocity and
        centres 0. ``fingerprint`` (hashes of the data) is checked on resume."""
        if getattr(self, '_loaded_uninitialised', False):
            raise RuntimeError('LDL: the method state of a checkpoint was loaded before init_state '
                               '(LDLSetupHook must run before the checkpoint is loaded)')
        labels = torch.as_tensor(labels).long().reshape(-1)
        neighbours = torch.as_tensor(neighbours).long()
        kernel = torch.as_tensor(kernel).float()
        n = labels.numel()
        if neighbours.dim() != 2 or neighbours.shape[0] != n or kernel.shape != neighbours.shape:
            raise ValueError(f'labels (N,), neighbours and kernel (N, K) disagree: '
                             f'{tuple(labels.shape)}, {tuple(neighbours.shape)}, '
                             f'{tuple(kernel.shape)}')
        device = self.centres.device
        self.labels = labels.to(device)
        self.neighbours = neighbours.to(device)
        self.kernel = kernel.to(device)
        self.lam_hat = torch.full((n, 1), self.lamb_init, device=device)
        self.lam_velocity = torch.zeros(n, 1, device=device)
        self.centres = torch.zeros(self.num_classes, self.feature_dim, device=device)
        weights = (balanced_class_weights(labels, self.num_classes) if self.class_weight ==
                   'balanced' else torch.ones(self.num_classes))
        self.sample_weight = weights.float().to(device)
        if self.neighbour_source == 'bank':
            self.bank_feat = torch.zeros(n, self.feature_dim, device=device)
            self.bank_prob = torch.zeros(n, self.num_classes, device=device)
            self.bank_filled = torch.zeros(n, dtype=torch.bool, device=device)
        self.fingerprint = dict(fingerprint)

    # --------------------------------------------------------------- forwards
    def forward(self, inputs: Tensor, data_samples: Optional[dict] = None, mode: str = 'tensor'):
        """``'tensor'``: logits (B, C); ``'predict'``: predictions for the metrics;
        ``'features'``: ``(h (B, D), logits (B, C))`` (the training forward, called
        through DDP so gradients are reduced)."""
        if mode == 'tensor':
            return self.classifier(inputs, mode='tensor')
        if mode == 'predict':
            return self.classifier.predict(inputs, data_samples)
        if mode == 'features':
            h = self.classifier.extract_feat(inputs, stage='neck')  # (n, D)
            return h, self.classifier.head.fc(h)
        raise ValueError(f"mode must be 'tensor', 'predict' or 'features', got {mode!r} "
                         '(training goes through train_step)')

    @torch.no_grad()
    def _embed(self, loader) -> Dict[str, Tensor]:
        """One eval-mode pass over ``loader`` (sequential, sharded without padding):
        ``index`` (M,), ``feat`` (M, D) and ``prob`` (M, C) of every rank's rows, gathered
        by dataset index through :func:`embed_by_index`; every row must be reached."""
        was_training = self.training
        self.eval()

        def forward(data):
            data = self.data_preprocessor(data, training=False)
            h, logits = self(data['inputs'], mode='features')
            return data['data_samples']['sample_idx'], dict(feat=h, prob=logits.softmax(1))

        try:
            return embed_by_index(loader, forward, self.num_samples, device=self.centres.device)
        finally:
            self.train(was_training)

    @torch.no_grad()
    def refresh_bank(self, loader) -> None:
        """Bank mode: refill the feature and prediction bank with one eval-mode pass
        over ``loader`` (:meth:`_embed`). Every row must be filled."""
        if self.neighbour_source != 'bank':
            raise RuntimeError("LDL: refresh_bank needs neighbour_source='bank'")
        rows = self._embed(loader)
        self.bank_feat[rows['index']] = rows['feat'].float()
        self.bank_prob[rows['index']] = rows['prob'].float()
        self.bank_filled[rows['index']] = True
        if not bool(self.bank_filled.all()):
            raise RuntimeError(f'LDL bank: {int((~self.bank_filled).sum())} rows unfilled')

    @torch.no_grad()
    def target_distributions(self, loader) -> Tensor:
        """The target t (N, C) of every training row under the current model
        (``docs/ldl.md`` §2.3, :func:`label_distribution_target`): the stored label's
        one-hot mixed by the trust sigma(lambda_hat) with the kernel- and score-weighted
        mean of the neighbours' predictions, features and predictions from one eval-mode
        pass over ``loader`` (:meth:`_embed`, e.g. the training set through the test
        transforms) and scores from the scoring net in eval mode."""
        if self.num_samples == 0:
            raise RuntimeError('LDL: method state not initialised (init_state)')
        rows = self._embed(loader)  # every row once, or embed_by_index raises
        h = torch.zeros(self.num_samples, self.feature_dim, device=self.centres.device)
        p = torch.zeros(self.num_samples, self.num_classes, device=self.centres.device)
        h[rows['index']], p[rows['index']] = rows['feat'].float(), rows['prob'].float()
        was_training = self.scoring.training
        self.scoring.eval()
        try:
            s = self.scoring(h, h[self.neighbours])  # (N, K)
        finally:
            self.scoring.train(was_training)
        t, _ = label_distribution_target(self.labels, p[self.neighbours], self.kernel, s,
                                         torch.sigmoid(self.lam_hat[:, 0]))
        return t

    def _neighbour_outputs(self, xn: Tensor, nidx: Tensor, b: int, k: int):
        """(HN (B, K, D), QN (B, K, C)), no gradient: online forwards or the bank."""
        if self.neighbour_source == 'bank':
            if not bool(self.bank_filled.all()):
                raise RuntimeError('LDL bank mode: the bank is not filled; add '
                                   'LDLBankRefreshHook to custom_hooks')
            return self.bank_feat[nidx], self.bank_prob[nidx]
        with torch.no_grad(), _neighbour_bn(self.classifier, self.neighbour_bn):
            hn, logits_n = self(xn, mode='features')  # (KB, D), (KB, C) view-major
        hn = hn.reshape(k, b, -1).transpose(0, 1)  # (B, K, D)
        return hn, logits_n.softmax(1).reshape(k, b, -1).transpose(0, 1)

    def _split(self, data: dict):
        inputs = data['inputs']  # (B, V, ...)
        k = self.neighbours.shape[1]
        views = 1 + k if self.neighbour_source == 'online' else 1
        if inputs.dim() < 3 or inputs.shape[1] != views:
            raise ValueError(f'LDL ({self.neighbour_source} neighbours) expects inputs '
                             f'(B, {views}, ...), got {tuple(inputs.shape)}')
        b = inputs.shape[0]
        stacked = inputs.transpose(0, 1).reshape(views * b, *inputs.shape[2:])  # view-major
        data = self.data_preprocessor(dict(inputs=stacked, data_samples=data['data_samples']),
                                      training=True)
        x = data['inputs']
        return x[:b], x[b:], data['data_samples'], b, k

    def train_step(self, data: dict, optim_wrapper, ddp=None) -> Dict[str, Tensor]:
        """One LDL step (``docs/ldl.md`` §2): neighbour pass, anchor pass, target,
        losses, Adam step, :math:`\\hat\\lambda` update, centre update."""
        if self.num_samples == 0:
            raise RuntimeError('LDL: method state not initialised; add LDLSetupHook to '
                               'custom_hooks')
        _, world_size = world_info()
        net = ddp if ddp is not None else self
        x, xn, samples, b, k = self._split(data)
        index = samples['sample_idx'].long().to(self.lam_hat.device)  # (B,)
        y = samples['gt_label'].long().to(self.lam_hat.device)  # (B,)
        nidx = self.neighbours[index]  # (B, K)
        # 1. neighbour outputs, no grad (online pass or bank)
        hn, qn = self._neighbour_outputs(xn, nidx, b, k)  # (B, K, D), (B, K, C)
        # 2-3. anchor pass and scores
        with optim_wrapper.optim_context(net):
            h, logits = net(x, mode='features')  # (B, D), (B, C)
        s = self.scoring(h, hn)  # (B, K)
        p = logits.softmax(1)  # (B, C)
        # 4-6. trust and target (not detached)
        lam_hat = self.lam_hat[index, 0]  # (B,)
        t, d = label_distribution_target(y, qn, self.kernel[index], s, torch.sigmoid(lam_hat))
        weight = self.sample_weight[y] if self.class_weight != 'none' else None
        loss_ce = soft_cross_entropy(t, p, weight, self.ce_eps)
        # 8. centre loss on anchors and neighbours, trust detached
        rows = torch.cat([index, nidx.reshape(-1)])  # (M,)
        feats = torch.cat([h, hn.reshape(b * k, -1)])  # (M, D)
        cls = torch.cat([y, self.labels[nidx].reshape(-1)])  # (M,)
        lam_rows = torch.sigmoid(self.lam_hat[rows, 0]).detach()  # (M,)
        loss_dcm = centre_loss(feats, cls, self.centres, lam_rows)
        # 9. Adam step
        losses = dict(loss_ce=loss_ce, loss_dcm=self.gamma * loss_dcm)
        loss, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(loss)
        # 10. trust: gathered row-sparse update, gradient scaled like DDP's average
        g = lambda_grad_closed_form(lam_hat, y, p, d, weight, b, self.ce_eps)  # (B,)
        g_all, idx_all = all_gather_cat(g) / world_size, all_gather_cat(index)
        SparseRowSGD(self.lam_hat, self.lamb_lr, self.lamb_momentum,
                     velocity=self.lam_velocity).step(idx_all, g_all)
        # 11. centres from the forward features and the pre-update trust
        reduce = None
        if world_size > 1:
            def reduce(stats: Tensor) -> Tensor:
                dist.all_reduce(stats)
                return stats
        self.centres = centre_update(feats.detach(), cls, lam_rows, self.centres,
                                     self.centre_lr, self.repulsion,
                                     self.repulsion_temperature, all_reduce=reduce)
        with torch.no_grad():
            log_vars.update(lambda_mean=torch.sigmoid(lam_hat).mean(),
                            acc=(p.argmax(1) == y).float().mean())
        return log_vars

    # ------------------------------------------------------------ method state
    def method_state_dict(self) -> dict:
        """Trust, velocity, centres, the data fingerprint and (bank mode) the bank,
        CPU tensors; with ``bank_in_checkpoint=False`` the bank is left out and
        ``bank_in_checkpoint: False`` is recorded instead."""
        if self.fingerprint is None:
            raise RuntimeError('LDL: method state not initialised (LDLSetupHook)')
        state = dict(lam_hat=self.lam_hat.detach().cpu().clone(),
                     lam_velocity=self.lam_velocity.detach().cpu().clone(),
                     centres=self.centres.detach().cpu().clone(),
                     fingerprint=dict(self.fingerprint))
        if self.neighbour_source == 'bank' and not self.bank_in_checkpoint:
            state.update(bank_in_checkpoint=False)
        elif self.neighbour_source == 'bank':
            state.update(bank_feat=self.bank_feat.cpu().clone(),
                         bank_prob=self.bank_prob.cpu().clone(),
                         bank_filled=self.bank_filled.cpu().clone())
        return state

    def load_method_state_dict(self, state: dict) -> None:
        """Inverse of :meth:`method_state_dict`; refuses a checkpoint made from other
        data (a changed label file, VA, neighbour table or sample order). A bank-mode
        checkpoint saved without its bank leaves the bank unfilled, for
        ``LDLBankRefreshHook`` to refresh from the resumed model."""
        if self.fingerprint is None:
            # a test-only run (LDLSetupHook initialises only training runs): nothing to
            # check against, so adopt the saved state as it is; a later init_state refuses
            # to overwrite it (a training run must initialise before it loads)
            self.fingerprint = dict(state.get('fingerprint', {}))
            self._loaded_uninitialised = True
            self.lam_hat = torch.zeros_like(state['lam_hat'])
            self.lam_velocity = torch.zeros_like(state['lam_velocity'])
            if self.neighbour_source == 'bank' and 'bank_feat' in state:
                self.bank_feat = torch.zeros_like(state['bank_feat'])
                self.bank_prob = torch.zeros_like(state['bank_prob'])
                self.bank_filled = torch.zeros_like(state['bank_filled'])
        saved = state.get('fingerprint', {})
        for key in sorted(set(saved) | set(self.fingerprint)):
            if saved.get(key) != self.fingerprint.get(key):
                raise ValueError(f'LDL resume: {key} of the checkpoint is {saved.get(key)!r} '
                                 f'but the data now give {self.fingerprint.get(key)!r}; the '
                                 'training data changed since the checkpoint (start a new run)')
        if state['lam_hat'].shape != self.lam_hat.shape:
            raise ValueError(f'LDL resume: lam_hat has shape {tuple(state["lam_hat"].shape)}, '
                             f'expected {tuple(self.lam_hat.shape)}')
        device = self.lam_hat.device
        self.lam_hat = state['lam_hat'].clone().to(device)
        self.lam_velocity = state['lam_velocity'].clone().to(device)
        self.centres = state['centres'].clone().to(device)
        if self.neighbour_source == 'bank' and state.get('bank_in_checkpoint', True) is False:
            self.bank_filled = torch.zeros_like(self.bank_filled)
        elif self.neighbour_source == 'bank':
            if 'bank_feat' not in state:
                raise KeyError("LDL resume: neighbour_source='bank' but the checkpoint has no "
                               'bank (it was written by an online-mode run)')
            self.bank_feat = state['bank_feat'].clone().to(device)
            self.bank_prob = state['bank_prob'].clone().to(device)
            self.bank_filled = state['bank_filled'].clone().to(device)
