"""Toys of the fold and round loop tests (imported through ``custom_imports``): a
dataset of synthetic subjects and a BN-free classifier, so training does not
depend on the number of processes; and a hook that SIGKILLs its own run right
after a given fold checkpoint."""
import os
import signal

import torch
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from basicda.registry import DATASETS, FUNCTIONS, HOOKS, MODELS


@DATASETS.register_module(force=True)
class ToySubjectDataset(Dataset):
    """``num_subjects`` x ``per_subject`` samples of ``dim`` features in
    ``num_classes`` classes; every subject has its own offset, so held-out
    subjects are harder. ``noise`` > 0 adds training augmentation (Gaussian
    noise from the global torch RNG)."""

    def __init__(self, num_subjects=5, per_subject=12, dim=8, num_classes=3, noise=0.0,
                 seed=0):
        g = torch.Generator().manual_seed(seed)
        centres = torch.randn(num_classes, dim, generator=g) * 2          # (C, D)
        offsets = torch.randn(num_subjects, dim, generator=g) * 2.5       # (S, D)
        n = num_subjects * per_subject
        self.labels = torch.arange(n) % num_classes                       # (N,)
        self.subjects = [f's{i // per_subject + 1}' for i in range(n)]    # sorted names s1..s5
        subject = torch.arange(n) // per_subject
        self.x = centres[self.labels] + offsets[subject] + torch.randn(n, dim, generator=g)
        self.noise = noise

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        x = self.x[i]
        if self.noise:
            x = x + self.noise * torch.randn(x.shape)
        return dict(inputs=x, data_samples=dict(gt_label=int(self.labels[i]), sample_idx=i))


@MODELS.register_module(force=True)
class ToyMLP(BaseModel):
    """Linear-ReLU-Linear, no BN and no dropout."""

    def __init__(self, dim=8, hidden=16, num_classes=3):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(dim, hidden), torch.nn.ReLU(),
                                       torch.nn.Linear(hidden, num_classes))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self.net(inputs)  # (B, C)
        if mode == 'loss':
            return dict(loss_cls=torch.nn.functional.cross_entropy(logits,
                                                                   data_samples['gt_label']))
        if mode == 'predict':
            return [dict(pred_score=row, gt_label=int(y), sample_idx=int(i)) for row, y, i in
                    zip(logits, data_samples['gt_label'], data_samples['sample_idx'])]
        return logits


@HOOKS.register_module(force=True)
class KillInFoldHook(Hook):
    """SIGKILL the process when fold ``fold`` starts epoch ``epoch`` (right after
    the checkpoint of epoch ``epoch``), unless the run is a resume."""

    priority = 'LOWEST'

    def __init__(self, fold, epoch):
        self.fold, self.epoch = fold, epoch

    def before_train_epoch(self, runner):
        if runner.train_loop.fold == self.fold and runner.epoch == self.epoch and \
                not runner.cfg.get('resume', False):
            os.kill(os.getpid(), signal.SIGKILL)


@DATASETS.register_module(force=True)
class ToyPoolDataset(ToySubjectDataset):
    """A pool of toy samples whose training set is its labelled part (as in active
    learning): the first ``initial`` samples, then what each round selects."""

    def __init__(self, initial=6, **kwargs):
        super().__init__(**kwargs)
        self.labelled = torch.arange(initial)  # (L,) ascending pool indices

    def __len__(self):
        return len(self.labelled)

    def __getitem__(self, i):
        return super().__getitem__(int(self.labelled[i]))

    def apply_selection(self, result):
        self.labelled = torch.as_tensor(result['selected']).long()


@FUNCTIONS.register_module(force=True)
def toy_least_confidence(inputs, round, budget):
    """The labelled set plus the ``budget`` unlabelled samples of lowest max-softmax
    (stable: ties go to the lower index)."""
    probs = inputs['logits'].softmax(1)                     # (N, C)
    score = -probs.max(1).values                            # (N,) higher = less confident
    unlabelled = torch.ones(len(score), dtype=torch.bool)
    unlabelled[inputs['labelled']] = False
    candidates = unlabelled.nonzero().flatten()             # (U,)
    order = torch.sort(score[candidates], descending=True, stable=True).indices
    queried = candidates[order[:budget]]
    return dict(selected=torch.cat([inputs['labelled'], queried]).sort().values,
                queried=queried)


@HOOKS.register_module(force=True)
class ToyPoolScoresHook(Hook):
    """The inputs of a toy round: the model's logits on the whole pool and the
    labelled set."""

    def before_round(self, runner, round, inputs):
        dataset = runner.train_loop.dataloader.dataset
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        with torch.no_grad():
            inputs.update(logits=model(dataset.x), labelled=dataset.labelled.clone())


@FUNCTIONS.register_module(force=True)
def toy_error_count(labels, predictions, num_classes):
    """A fold metric other than the default: the number and rate of errors."""
    errors = sum(int(a != b) for a, b in zip(labels, predictions))
    return dict(errors=float(errors), error_rate=errors / len(labels), n=len(labels))
