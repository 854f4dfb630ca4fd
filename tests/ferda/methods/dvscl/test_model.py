"""DVSCL pre-training model: encoder size, gradient flow into the depth encoder (fixed vs the
reference's softmax bug), and pre-training through train.py on SynFER micro with a kill and
--resume (docs/dvscl.md §4)."""
import csv
import json
import os.path as osp

import pytest
import torch

import ferda.methods  # noqa: F401  (registers the model)
from basicda.evaluation.uf1_uar import uf1_uar
from ferda.methods.dvscl import AlexNetHalfEncoder, DVSCLModel, DVSCLProbe, ResNetV1Encoder
from tests.conftest import REPO, run, train_cmd

CONFIG = osp.join(REPO, 'tests', 'configs', 'tiny_dvscl_pretrain_synfer-micro.py')
PROBE = osp.join(REPO, 'tests', 'configs', 'tiny_dvscl_probe_synfer-micro.py')


def test_encoder_size_and_taps():
    rgb, depth = ResNetV1Encoder(3), ResNetV1Encoder(1)
    total = sum(p.numel() for m in (rgb, depth) for p in m.parameters())
    assert round(total / 1e6, 2) == 5.69  # the reference's resnet18v1 pair
    assert rgb.features(torch.zeros(1, 3, 224, 224)).shape == (1, 256, 7, 7)
    z = rgb(torch.randn(2, 3, 32, 32))
    torch.testing.assert_close(z.norm(dim=1), torch.ones(2))


def test_alexnet_half_size_taps_and_training_step():
    rgb, depth = AlexNetHalfEncoder(3), AlexNetHalfEncoder(1)
    # by hand: conv1 121 x 48 x (3 + 1) = 23,232; per view conv2-5 = 48*128*25 + 128*192*9 +
    # 192*192*9 + 192*128*9 = 927,744, BN2d 2 x (48+128+192+192+128) = 1,376, fc6 4608*2048 +
    # 2048 + BN 4096, fc7 2048*2048 + 2048 + BN 4096, fc8 2048*128 + 128 = 13,906,048
    total = sum(p.numel() for m in (rgb, depth) for p in m.parameters())
    assert total == 23_232 + 2 * (927_744 + 1_376 + 13_906_048) == 29_693_568  # the spec's 29.69 M
    assert all(m.bias is None for m in rgb.modules() if isinstance(m, torch.nn.Conv2d))
    assert rgb.features(torch.zeros(1, 3, 224, 224)).shape == (1, 128, 6, 6)
    torch.manual_seed(0)
    model = DVSCLModel(encoder=dict(type='AlexNetHalfEncoder'), nce_k=5)
    model.build_bank(8)
    inputs = dict(rgb=torch.randn(4, 3, 64, 64), depth=torch.randn(4, 3, 64, 64))
    losses = model(inputs, dict(sample_idx=torch.tensor([0, 3, 5, 7])), mode='loss')
    sum(losses.values()).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.encoder_depth.parameters())
    z = model.encoder_rgb.eval()(torch.randn(2, 3, 64, 64))
    torch.testing.assert_close(z.norm(dim=1), torch.ones(2))


def one_step(compat, criterion='softmax'):
    torch.manual_seed(0)
    model = DVSCLModel(nce_k=5, criterion=criterion, softmax_compat=compat)
    model.build_bank(8)
    inputs = dict(rgb=torch.randn(4, 3, 32, 32), depth=torch.randn(4, 3, 32, 32))
    losses = model(inputs, dict(sample_idx=torch.tensor([0, 3, 5, 7])), mode='loss')
    sum(losses.values()).backward()
    return model, losses


def test_every_depth_parameter_gets_a_gradient():
    model, _ = one_step('fixed')
    for name, p in model.encoder_depth.named_parameters():
        assert p.grad is not None and bool((p.grad != 0).any()), name
    for name, p in model.encoder_rgb.named_parameters():
        assert p.grad is not None and bool((p.grad != 0).any()), name


def test_reference_softmax_never_trains_the_depth_encoder():
    model, _ = one_step('reference')
    assert all(p.grad is None for p in model.encoder_depth.parameters())
    assert all(p.grad is not None for p in model.encoder_rgb.parameters())


def test_nce_criterion_fixes_z_and_state_round_trips():
    model, losses = one_step('fixed', 'nce')
    assert torch.isfinite(losses['loss_rgb']) and model.bank.z_r is not None
    state = model.method_state_dict()
    other = DVSCLModel(nce_k=5, criterion='nce')
    other.build_bank(8)
    other.load_method_state_dict(state)
    assert torch.equal(other.bank.bank_d, model.bank.bank_d) and other.bank.iteration == 1
    with pytest.raises(RuntimeError, match='DVSCLBankHook'):
        DVSCLModel(nce_k=5)(dict(rgb=torch.zeros(1, 3, 8, 8), depth=torch.zeros(1, 3, 8, 8)),
                            dict(sample_idx=torch.tensor([0])), mode='loss')


@pytest.fixture(scope='module')
def micro_workdir(tmp_path_factory):
    from ferda.datasets.synfer import generate_synfer
    root = tmp_path_factory.mktemp('dvscl_work')
    generate_synfer(str(root / 'data' / 'synfer'), domains=('micro', ), per_class=8,
                    subjects=4, seed=0, progress=False)
    return root


def _load(path):
    from basicda.engine.checkpoint import safe_load
    return safe_load(str(path))


@pytest.fixture(scope='module')
def straight(micro_workdir):
    """Two epochs of pre-training, every checkpoint kept."""
    work = micro_workdir / 'runs' / 'straight'
    run(train_cmd(CONFIG, '--work-dir', str(work)), cwd=micro_workdir)
    return work


@pytest.mark.slow
def test_pretrain_kill_and_resume_equals_straight(micro_workdir, straight):
    ckpt = _load(straight / 'epoch_2.pth')
    bank = ckpt['method_state']['bank']
    assert bank['bank_r'].shape == bank['bank_d'].shape == (32, 128)
    assert bank['iteration'] == 4 and bank['num_negatives'] == 16  # 2 epochs x 2 batches
    first = _load(straight / 'epoch_1.pth')['method_state']['bank']
    assert not torch.equal(first['bank_d'], bank['bank_d'])  # the banks move
    assert list((straight).glob('*/vis_data/events.out.tfevents.*'))  # TensorBoard scalars

    config = micro_workdir / 'kill.py'
    config.write_text(f"_base_ = [{CONFIG!r}]\n"
                      "custom_imports = dict(imports=['tests.hooks'], "
                      "allow_failed_imports=False)\n"
                      "custom_hooks = _base_.custom_hooks + "
                      "[dict(type='KillAfterCheckpointHook', at=1, by_epoch=True)]\n")
    work = micro_workdir / 'runs' / 'killed'
    killed = run(train_cmd(str(config), '--work-dir', str(work)), cwd=micro_workdir,
                 check=False)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert (work / 'epoch_1.pth').exists() and not (work / 'epoch_2.pth').exists()
    run(train_cmd(str(config), '--work-dir', str(work), '--resume'), cwd=micro_workdir)
    a, b = _load(straight / 'epoch_2.pth'), _load(work / 'epoch_2.pth')
    for key in a['state_dict']:
        torch.testing.assert_close(a['state_dict'][key], b['state_dict'][key], rtol=0, atol=0,
                                   msg=f'{key} differs after resume')
    sa, sb = a['method_state']['bank'], b['method_state']['bank']
    for key in ('bank_r', 'bank_d'):
        torch.testing.assert_close(sa[key], sb[key], rtol=0, atol=0)
    assert sa['iteration'] == sb['iteration'] and sa['keys_sha256'] == sb['keys_sha256']


def test_probe_loads_and_freezes_the_encoders(tmp_path):
    pre = DVSCLModel(nce_k=5)
    path = str(tmp_path / 'pre.pth')
    torch.save(dict(state_dict=pre.state_dict()), path)
    probe = DVSCLProbe(pretrained=path, input_size=64)
    probe.init_weights()  # FoldLoop calls it on every fold's fresh model: must keep the loading
    for name in ('encoder_rgb', 'encoder_depth'):
        for key, value in getattr(pre, name).state_dict().items():
            assert torch.equal(getattr(probe, name).state_dict()[key], value), (name, key)
    assert probe.head.in_features == 2 * 256 * 2 * 2
    probe.train()
    assert not probe.encoder_rgb.training and probe.head.training
    inputs = dict(rgb=torch.randn(2, 3, 64, 64), depth=torch.randn(2, 3, 64, 64))
    losses = probe(inputs, dict(gt_label=torch.tensor([0, 3])), mode='loss')
    losses['loss_cls'].backward()
    assert all(p.grad is None for p in probe.encoder_depth.parameters())
    assert probe.head.weight.grad is not None
    tuned = DVSCLProbe(pretrained=path, input_size=64, mode='finetune')
    tuned(inputs, dict(gt_label=torch.tensor([0, 3])), mode='loss')['loss_cls'].backward()
    # every trunk parameter learns (the 128-d embedding head is not on the probe's path)
    assert all(p.grad is not None for p in tuned.encoder_depth.trunk.parameters())


def _folds(work):
    rows = []
    for path in sorted((work / 'folds').glob('*.csv'), key=lambda p: int(p.stem)):
        with open(path) as f:
            rows += list(csv.DictReader(f))
    return rows


def _pretrained(straight):
    return f'model.pretrained={straight / "epoch_2.pth"}'


@pytest.fixture(scope='module')
def probe_one(micro_workdir, straight):
    """The LOSO probe on the straight run's last checkpoint, one process, never stopped."""
    one = micro_workdir / 'runs' / 'probe_one'
    run(train_cmd(PROBE, '--work-dir', str(one), '--cfg-options', _pretrained(straight)),
        cwd=micro_workdir)
    return one


@pytest.mark.slow
def test_loso_probe_one_and_two_processes(micro_workdir, straight, probe_one):
    pretrained, one = _pretrained(straight), probe_one
    rows = _folds(one)
    assert sorted(int(r['index']) for r in rows) == list(range(32))  # every clip once
    subjects = sorted({r['subject'] for r in rows})
    assert len(list((one / 'folds').glob('*.csv'))) == len(subjects)
    for path in (one / 'folds').glob('*.json'):  # one held-out subject per fold
        assert len(json.loads(path.read_text())['held_out']) == 1
    results = json.loads((one / 'results.json').read_text())
    pooled = results['metrics']['pooled']
    expected = uf1_uar([int(r['label']) for r in rows], [int(r['prediction']) for r in rows])
    assert (pooled['uf1'], pooled['uar'], pooled['wa']) == pytest.approx(expected)
    assert 'uar' in results['metrics']['fold_average']
    two = micro_workdir / 'runs' / 'probe_two'
    run(['bash', osp.join(REPO, 'experiments', 'train.sh'), 'probe_two', PROBE, '2',
         '--cfg-options', pretrained], cwd=micro_workdir, env=dict(WORK_DIR=str(two)))
    assert _folds(two) == rows
    assert json.loads((two / 'results.json').read_text())['metrics'] == results['metrics']


@pytest.mark.slow
def test_experiment_script_runs_the_pretrain_stage_alone(micro_workdir):
    config = osp.join(REPO, 'configs', 'dvscl',
                      'dvscl-probe_resnet18v1-w0.5_1xb32-5e_synfer-micro-loso.py')
    run(['bash', osp.join(REPO, 'experiments', 'dvscl.sh'), 'pipe', config, '--stage',
         'pretrain'], cwd=micro_workdir)
    work = micro_workdir / 'runs' / 'pipe'
    assert (work / 'pretrain' / 'DONE').exists() and (work / 'pretrain' / 'epoch_5.pth').exists()
    assert not (work / 'folds').exists()  # the LOSO stage was not asked for


@pytest.mark.slow
def test_loso_kill_in_fold_3_then_resume_skips_folds_1_and_2(micro_workdir, straight,
                                                             probe_one):
    """A DVSCL LOSO run killed right after fold 3's epoch-1 checkpoint (of 4 folds, 2 epochs
    each) resumes: folds 1-2 are skipped, fold 3 continues from its checkpoint, and every
    fold's CSV and the pooled metrics equal the run that was never stopped."""
    config = micro_workdir / 'probe_kill.py'
    config.write_text(f"_base_ = [{PROBE!r}]\n"
                      "custom_imports = dict(imports=['tests.basicda.engine.loop_toys'], "
                      "allow_failed_imports=False)\n"
                      "custom_hooks = [dict(type='KillInFoldHook', fold=3, epoch=1)]\n")
    work = micro_workdir / 'runs' / 'probe_killed'
    args = ('--work-dir', str(work), '--cfg-options', _pretrained(straight))
    killed = run(train_cmd(str(config), *args), cwd=micro_workdir, check=False)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert (work / 'folds' / '2.csv').exists() and not (work / 'folds' / '3.csv').exists()
    assert (work / 'folds' / '3' / 'epoch_1.pth').exists()
    assert not (work / 'results.json').exists()
    before = [(work / 'folds' / f'{f}.csv').read_bytes() for f in (1, 2)]
    run(train_cmd(str(config), *args, '--resume'), cwd=micro_workdir)
    log = (work / 'logs' / 'train.log').read_text()
    assert 'fold 1: complete (verified), skipped' in log
    assert 'fold 2: complete (verified), skipped' in log
    assert 'fold 3: resumed from' in log and 'at epoch 1' in log
    assert [(work / 'folds' / f'{f}.csv').read_bytes() for f in (1, 2)] == before
    assert _folds(work) == _folds(probe_one)
    assert json.loads((work / 'results.json').read_text())['metrics'] == \
        json.loads((probe_one / 'results.json').read_text())['metrics']


@pytest.mark.slow
def test_pretrain_two_processes_through_the_launcher(micro_workdir):
    """Pre-training with 2 gloo processes through experiments/train.sh (8 clips a rank, the
    global batch of the 1-process test config): rank 0's checkpoint holds banks updated with
    both ranks' embeddings (after epoch 1 every one of the 32 rows was written, so every row
    is a unit vector; rank 0 alone sees 16), the global iteration count, and the run resumes."""
    work = micro_workdir / 'runs' / 'pre_two'
    script = osp.join(REPO, 'experiments', 'train.sh')
    args = ['--cfg-options', 'train_dataloader.batch_size=8']
    run(['bash', script, 'pre_two', CONFIG, '2', *args], cwd=micro_workdir,
        env=dict(WORK_DIR=str(work)))
    first = _load(work / 'epoch_1.pth')['method_state']['bank']
    assert first['iteration'] == 2  # 32 clips / (2 ranks x 8) per epoch
    for key in ('bank_r', 'bank_d'):
        norms = first[key].norm(dim=1)
        torch.testing.assert_close(norms, torch.ones(32), rtol=0, atol=1e-5,
                                   msg=f'{key}: rows not written by both ranks')
    last = _load(work / 'epoch_2.pth')
    assert last['method_state']['bank']['iteration'] == 4
    assert all(torch.isfinite(v).all() for v in last['state_dict'].values()
               if v.is_floating_point())
    log = (work / 'logs' / 'train.log').read_text()
    assert 'loss_depth' in log and 'nan' not in log.lower()
