"""SwAV (Caron et al., NeurIPS 2020): online clustering with swapped prediction.

The stage-2 pre-training of CluP (``docs/clup.md`` §2.1): backbone h -> projector
Linear(D, hidden) -> BN1d -> ReLU -> Linear(hidden, d) -> z = normalize(.) ->
prototype scores S = z W^T, trained on multi-crop views of unlabelled images.
The math is in :mod:`basicda.losses.swav` (Sinkhorn-Knopp, the loss); this module
orchestrates one step: crop groups through the backbone, codes from the
assignment crops (with the optional queue), prototype normalisation and freezing.
"""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from torch import Tensor, nn

from basicda.losses.swav import sinkhorn_knopp, swav_loss
from basicda.ops.gather import all_gather_cat, world_info
from basicda.registry import MODELS

__all__ = ['SwAV', 'local_queue_length', 'push_queue', 'swav_collapse_stats']


def local_queue_length(queue_length: int, batch_size: int, world_size: int) -> int:
    """Rows of the queue on one rank: ``L_q`` rounded down to a multiple of the
    global batch ``B * G``, divided by ``G`` (a multiple of ``B``).

    Example:
        >>> local_queue_length(3840, 64, 2)   # 3840 // 128 * 64
        1920
    """
    if batch_size < 1 or world_size < 1:
        raise ValueError(f'batch_size and world_size must be >= 1, got {batch_size}, {world_size}')
    return (queue_length // (batch_size * world_size)) * batch_size


def push_queue(queue: Tensor, rows: Tensor) -> Tensor:
    """FIFO push: the newest ``rows`` (B, d) enter at the top, the oldest B leave.

    Shape:
        - queue: (L, d), newest first; rows: (B, d) with B <= L.
        - Output: (L, d) = cat(rows, queue[:L - B]).
    """
    if rows.shape[0] > queue.shape[0]:
        raise ValueError(f'cannot push {rows.shape[0]} rows into a queue of {queue.shape[0]}')
    return torch.cat([rows.to(queue.dtype), queue[:queue.shape[0] - rows.shape[0]]])


@torch.no_grad()
def swav_collapse_stats(scores: Sequence[Tensor], codes: Sequence[Tensor],
                        assign_ids: Sequence[int]) -> Dict[str, Tensor]:
    """Logged signs of the flat-score collapse of SwAV on small data.

    The loss sits at ln P when the scores of an image are (nearly) the same for every
    prototype: the codes are then uniform and the swapped prediction is trivially
    matched by a uniform softmax. ``score_std`` is the spread of an image's scores over
    the prototypes (mean over the assignment crops' images; 0 = flat), ``code_max``
    the mean largest code (1/P = uniform codes).

    Shape:
        - scores: V tensors (B, P); codes: |assign_ids| tensors (B, P).
        - Output: dict of two scalars.

    Example:
        >>> s = [torch.tensor([[1., 0.], [1., 1.]])] * 2
        >>> q = [torch.tensor([[1., 0.], [.5, .5]])]
        >>> {k: round(float(v), 4) for k, v in swav_collapse_stats(s, q, [0]).items()}
        {'score_std': 0.3536, 'code_max': 0.75}
    """
    score_std = torch.stack([scores[a].float().std(dim=1).mean() for a in assign_ids]).mean()
    code_max = torch.stack([q.max(dim=1).values.mean() for q in codes]).mean()
    return dict(score_std=score_std, code_max=code_max)


@MODELS.register_module()
class SwAV(BaseModel):
    """SwAV pre-training model (mmengine ``BaseModel`` owning its train step).

    Args:
        backbone: config of a backbone with ``out_dim`` (e.g. ``TimmBackbone``
            with ``stem='swav_s1'``).
        hidden_dim: projector hidden width. Default: 2048.
        out_dim: d, the embedding dimension. Default: 128.
        num_prototypes: P. Default: 3000.
        temperature: tau of the swapped prediction. Default: 0.1.
        epsilon: Sinkhorn entropic regularisation. Default: 0.05.
        sinkhorn_iters: Sinkhorn iterations. Default: 3.
        assign_crops: indices of the crops whose codes are predicted. Default: (0, 1).
        freeze_prototypes_iters: the prototypes' gradients are dropped (set to None,
            so momentum and weight decay do not move them either) for this many
            iterations. Default: 0.
        queue_length: L_q rows over all ranks (0: no queue). Default: 0.
        queue_start_epoch: epoch (0-based) at which the queue is created empty; it
            is used once full. Default: 15.
        mean, std: normalisation of the uint8 crops (0-255 scale).
        data_preprocessor, init_cfg: mmengine's.

    Data contract: ``inputs`` is a list of V batches (B, 3, h_v, w_v) uint8 (see
    :class:`basicda.datasets.MultiCrop`); crops of equal size go through the
    backbone together, so BN statistics are per resolution group.
    """

    owns_train_step = True

    def __init__(self,
                 backbone: dict,
                 hidden_dim: int = 2048,
                 out_dim: int = 128,
                 num_prototypes: int = 3000,
                 temperature: float = 0.1,
                 epsilon: float = 0.05,
                 sinkhorn_iters: int = 3,
                 assign_crops: Sequence[int] = (0, 1),
                 freeze_prototypes_iters: int = 0,
                 queue_length: int = 0,
                 queue_start_epoch: int = 15,
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor or dict(type='BaseDataPreprocessor'),
                         init_cfg=init_cfg)
        if num_prototypes < 2 or temperature <= 0 or queue_length < 0:
            raise ValueError(f'need num_prototypes >= 2, temperature > 0, queue_length >= 0; got '
                             f'{num_prototypes}, {temperature}, {queue_length}')
        self.backbone = MODELS.build(backbone)
        feat_dim = self.backbone.out_dim
        self.projector = nn.Sequential(
            nn.Linear(feat_dim, hidden_dim), nn.BatchNorm1d(hidden_dim), nn.ReLU(inplace=True),
            nn.Linear(hidden_dim, out_dim))
        self.prototypes = nn.Linear(out_dim, num_prototypes, bias=False)
        self.temperature, self.epsilon, self.sinkhorn_iters = temperature, epsilon, sinkhorn_iters
        self.assign_crops = tuple(int(a) for a in assign_crops)
        self.freeze_prototypes_iters = int(freeze_prototypes_iters)
        self.queue_length, self.queue_start_epoch = int(queue_length), int(queue_start_epoch)
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1),
                             persistent=False)
        # Per-rank queue (A, L, d), newest rows first, and how many rows are real.
        # Plain attributes, not buffers: DDP must not broadcast rank 0's queue.
        self.queue: Optional[Tensor] = None
        self.queue_fill = 0
        self._gathered_state: Optional[dict] = None
        self.arch_meta = dict(getattr(self.backbone, 'arch_meta', {}), ssl='SwAV',
                              hidden_dim=hidden_dim, embed_dim=out_dim,
                              num_prototypes=num_prototypes)

    # -- forward -------------------------------------------------------------
    def _normalise(self, x: Tensor) -> Tensor:
        return (x.float() - self.mean) / self.std

    def embed(self, crops: Sequence[Tensor]) -> List[Tensor]:
        """Crops -> z (normalised embeddings), one (B, d) tensor per crop.

        Consecutive crops of equal size are one backbone batch; the projector
        sees all crops at once.
        """
        feats, start = [], 0
        while start < len(crops):
            end = start + 1
            while end < len(crops) and crops[end].shape[-2:] == crops[start].shape[-2:]:
                end += 1
            feats.append(self.backbone(self._normalise(torch.cat(list(crops[start:end])))))
            start = end
        z = F.normalize(self.projector(torch.cat(feats)), dim=1)
        return list(z.chunk(len(crops)))

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self.embed(inputs)
        if mode == 'loss':
            return self.loss(inputs)
        raise ValueError(f"SwAV supports mode 'tensor' and 'loss', got {mode!r}")

    def _queue_active(self, batch_size: int) -> bool:
        """Create the queue when its start epoch is reached; True once it is full."""
        if self.queue_length == 0:
            return False
        epoch = MessageHub.get_current_instance().get_info('epoch', 0)
        if self.queue is None:
            if epoch < self.queue_start_epoch:
                return False
            length = local_queue_length(self.queue_length, batch_size, world_info()[1])
            if length == 0:
                raise ValueError(f'queue_length={self.queue_length} is shorter than one global '
                                 f'batch ({batch_size} x {world_info()[1]})')
            self.queue = self.prototypes.weight.new_zeros(
                (len(self.assign_crops), length, self.prototypes.in_features))
            self.queue_fill = 0
        return self.queue_fill >= self.queue.shape[1]

    def loss(self, crops: Sequence[Tensor]) -> Dict[str, Tensor]:
        if len(crops) < 2:
            raise ValueError(f'SwAV needs >= 2 crops per image, got {len(crops)}')
        z = self.embed(crops)
        scores = [self.prototypes(zv) for zv in z]  # V x (B, P)
        batch_size = z[0].shape[0]
        use_queue = self._queue_active(batch_size)
        codes = []
        with torch.no_grad():
            for slot, a in enumerate(self.assign_crops):
                s = scores[a].detach()
                if use_queue:
                    s = torch.cat([self.queue[slot] @ self.prototypes.weight.t(), s])
                codes.append(sinkhorn_knopp(s.float(), self.epsilon, self.sinkhorn_iters,
                                            world_size=world_info()[1])[-batch_size:])
            if self.queue is not None:
                for slot, a in enumerate(self.assign_crops):
                    self.queue[slot] = push_queue(self.queue[slot], z[a].detach())
                self.queue_fill = min(self.queue_fill + batch_size, self.queue.shape[1])
        loss = swav_loss(scores, codes, self.assign_crops, self.temperature)
        return dict(loss_swav=loss, queue_used=torch.tensor(float(use_queue)),
                    **swav_collapse_stats(scores, codes, self.assign_crops))

    # -- the step --------------------------------------------------------------
    def train_step(self, data, optim_wrapper, ddp=None) -> Dict[str, Tensor]:
        """Normalise the prototypes, forward (through ``ddp`` when distributed),
        backward, drop the prototypes' gradients while frozen, step."""
        net = ddp if ddp is not None else self
        with torch.no_grad():
            self.prototypes.weight.copy_(F.normalize(self.prototypes.weight, dim=1))
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = net(data['inputs'], mode='loss')
        loss, log_vars = self.parse_losses(losses)
        optim_wrapper.backward(loss)
        step = MessageHub.get_current_instance().get_info('iter', 0)
        if step < self.freeze_prototypes_iters:
            for p in self.prototypes.parameters():
                p.grad = None
        optim_wrapper.step()
        optim_wrapper.zero_grad()
        return log_vars

    # -- method state (MethodStateHook) ----------------------------------------
    def sync_method_state(self) -> None:
        """Collective: gather every rank's queue so rank 0 can save all of them."""
        rank, world_size = world_info()
        if self.queue is None or world_size == 1:
            self._gathered_state = None
            return
        fills = all_gather_cat(torch.tensor([self.queue_fill], device=self.queue.device))
        self._gathered_state = dict(queue=all_gather_cat(self.queue.unsqueeze(0)).cpu(),
                                    queue_fill=fills.cpu())

    def method_state_dict(self) -> dict:
        """``queue`` (G, A, L, d) of every rank (or None) and ``queue_fill`` (G,)."""
        if self.queue is None:
            return dict(queue=None, queue_fill=None, world_size=world_info()[1])
        if self._gathered_state is not None:
            state = dict(self._gathered_state)
        else:
            state = dict(queue=self.queue.unsqueeze(0).cpu(),
                         queue_fill=torch.tensor([self.queue_fill]))
        state['world_size'] = int(state['queue'].shape[0])
        return state

    def load_method_state_dict(self, state: dict) -> None:
        rank, world_size = world_info()
        if state.get('queue') is None:
            self.queue, self.queue_fill = None, 0
            return
        if state['world_size'] != world_size:
            raise ValueError(f'checkpoint holds SwAV queues of {state["world_size"]} ranks; this '
                             f'run has {world_size}. Resume with the same number of processes.')
        self.queue = state['queue'][rank].to(self.prototypes.weight.device).clone()
        self.queue_fill = int(state['queue_fill'][rank])
