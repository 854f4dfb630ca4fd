"""``ferda bench``: speed, always as ratios measured in one run.

1. Training-loop overhead: images/s of the framework (mmengine Runner with our
   default hooks, logging, checkpointing at the end) against a bare PyTorch loop
   on the same model, the same in-memory batches and the same optimiser.
2. Data loading: images/s of the SynFER training pipeline (decode + crop +
   augmentation + collate), decoding the files, from the in-memory image cache,
   and from a ``ferda prepare`` cache.
3. With ``--clustering``: CluP's clustering + purest selection with each k-means
   backend (default faiss + k-means++ seeds, the old faiss random-sample init, and
   scikit-learn KMeans(n_init=10), the reference's path): seconds, inertia, and
   the purity (precision) of the selected pseudo-labels, on Gaussian blobs with
   real cluster structure (``--cluster-size N D K``, repeatable; the FER2013 size
   is ``--cluster-size 28709 512 250``: scikit-learn alone takes ~10 minutes).
   With ``--cluster-config CFG --cluster-checkpoint CKPT``, also on real features: the
   penultimate-layer features of the source model CKPT on the target train split of
   the CluP pseudo-label config CFG (its ``test_dataloader``, K, r and k-means
   settings), e.g. SynFER ``wild`` with
   ``configs/clup/pseudo-labels_resnet18_k28-r0.3_synfer-lab-to-wild.py``.
4. With ``--banks``: EERCL's bank costs against one training iteration of a small
   CNN, in one run: a full bank refresh over N images, and the kNN search of 64
   queries (D=256, K=4) per iteration at each bank size, torch and faiss.
5. With ``--ldl``: LDL's training step in online mode (K extra no-grad forwards per sample)
   against bank mode (neighbours read from the bank), same model, batch, image size and K
   (``--ldl-k``, default 8), in-memory batches, one run; plus the bank refresh per image,
   so the per-epoch ratio over N rows follows (``docs/ldl.md`` §7).
"""
import argparse
import copy
import os.path as osp
import tempfile
import time

import torch
from torch.utils.data import DataLoader, Dataset

from . import repo_path


class _FixedBatches(Dataset):
    """``n`` samples of fixed uint8 images and labels (one tensor, no decoding)."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict:
        return dict(inputs=self.images[i],
                    data_samples=dict(gt_label=int(self.labels[i]), sample_idx=i))


def _cycle(loader):
    """Batches of ``loader`` without end (a new epoch when one runs out)."""
    while True:
        yield from loader


def _bare_loop(model, loader, optimizer, iters: int) -> float:
    """Images/s of a plain ``for batch: forward, backward, step`` loop."""
    model.train()
    seen, batches = 0, _cycle(loader)
    start = time.perf_counter()
    for _ in range(iters):
        batch = next(batches)
        data = model.data_preprocessor(batch, training=True)
        losses = model(**data, mode='loss')
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen += batch['inputs'].shape[0]
    return seen / (time.perf_counter() - start)


class _LoopTimer:
    """A hook timing ``iters`` training iterations after ``warmup``: from the start of
    iteration ``warmup`` to the start of iteration ``warmup + iters``, every hook of
    those iterations included (Runner set-up, the first iterations and the final
    checkpoint are one-off costs, not throughput)."""

    priority = 'VERY_LOW'

    def __init__(self, warmup: int, iters: int) -> None:
        self.warmup, self.iters, self.start, self.end = warmup, iters, None, None

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter == self.warmup:
            self.start = time.perf_counter()
        elif runner.iter == self.warmup + self.iters:
            self.end = time.perf_counter()


def framework_warmup(cfg, warmup: int) -> int:
    """Untimed iterations of the framework loop: at least ``warmup``, and past the first
    write of the logger (every ``default_hooks.logger.interval`` iterations), which
    imports and opens TensorBoard once (1.8 s measured on a loaded 2-core machine; a
    later write takes ~4 ms)."""
    logger = cfg.get('default_hooks', {}).get('logger') or {}
    return max(warmup, int(logger.get('interval', 0)))


def _framework_loop(cfg, model, loader, iters: int, warmup: int, work_dir: str) -> float:
    """Images/s of mmengine's Runner (IterBasedTrainLoop, default hooks of the config):
    ``warmup`` + ``iters`` + 1 iterations, ``iters`` of them timed, one checkpoint
    written at the last (untimed) iteration."""
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    timer = type('LoopTimer', (_LoopTimer, Hook), {})(warmup, iters)
    total = warmup + iters + 1
    hooks = copy.deepcopy(cfg.default_hooks)
    hooks['checkpoint'] = dict(type='CheckpointHook', interval=total, by_epoch=False)
    for name in ('results', 'confusion'):
        hooks.pop(name, None)
    runner = Runner(
        model=model, work_dir=work_dir, train_dataloader=loader,
        optim_wrapper=copy.deepcopy(cfg.optim_wrapper),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=total, val_interval=10**9),
        custom_hooks=[timer],
        default_hooks=hooks, default_scope='ferda', log_level='WARNING',
        log_processor=dict(by_epoch=False), visualizer=cfg.get('visualizer'),
        experiment_name=f'bench_{time.time_ns()}', randomness=dict(seed=0))
    runner.train()
    return iters * loader.batch_size / (timer.end - timer.start)


def bench_overhead(cfg, iters: int, batch_size: int, img_size: int, warmup: int = 3) -> dict:
    from mmengine.optim import build_optim_wrapper

    from ferda.registry import MODELS

    torch.manual_seed(0)
    warmup = framework_warmup(cfg, warmup)
    # enough batches that no loop restarts its loader in the timed window: mmengine's
    # IterBasedTrainLoop sleeps 2 s whenever a finite loader restarts
    n = batch_size * (2 * warmup + iters + 2)
    images = torch.randint(0, 256, (n, 3, img_size, img_size), dtype=torch.uint8)
    labels = torch.randint(0, cfg.model.num_classes, (n, ))
    loader = DataLoader(_FixedBatches(images, labels), batch_size=batch_size, shuffle=True,
                        drop_last=True, num_workers=0)
    bare_model = MODELS.build(copy.deepcopy(cfg.model))
    fw_model = copy.deepcopy(bare_model)
    optimizer = build_optim_wrapper(bare_model, copy.deepcopy(cfg.optim_wrapper)).optimizer
    _bare_loop(bare_model, loader, optimizer, warmup)
    # bare, framework, bare again: the framework is compared with the mean of the two bare
    # timings around it, so a drift of the machine's speed during the run (another job, the
    # clock) cancels to first order; one bare timing before it moved the ratio by +-4 %
    # between runs on an idle machine
    bare_before = _bare_loop(bare_model, loader, optimizer, iters)
    with tempfile.TemporaryDirectory() as tmp:
        framework = _framework_loop(cfg, fw_model, loader, iters, warmup, tmp)
    bare_after = _bare_loop(bare_model, loader, optimizer, iters)
    bare = (bare_before + bare_after) / 2
    return dict(bare_images_per_s=bare, framework_images_per_s=framework,
                ratio=framework / bare, iters=iters, warmup=warmup,
                bare_before=bare_before, bare_after=bare_after)


def _loader_speed(loader_cfg, batches: int) -> float:
    """Images/s of a dataloader built from ``loader_cfg`` (worker start-up excluded)."""
    from mmengine.runner import Runner

    stream = _cycle(Runner.build_dataloader(loader_cfg, seed=0))
    next(stream)
    start, seen = time.perf_counter(), 0
    for _ in range(batches):
        seen += next(stream)['inputs'].shape[0]
    return seen / (time.perf_counter() - start)


def bench_loading(cfg, batches: int) -> dict:
    """Images/s of the training loader: decoding the dataset's files each time
    (``disk``), decoded once into memory (``memory``), and from a ``ferda
    prepare`` cache (``prepared``, uint8 shards, same pipeline)."""
    from ferda.datasets.prepare import prepare_cache

    out = {}
    for name, cache in (('disk', False), ('memory', True)):
        loader_cfg = copy.deepcopy(cfg.train_dataloader)
        loader_cfg.dataset.cache_images = cache
        out[name] = _loader_speed(loader_cfg, batches)
    dataset = cfg.train_dataloader.dataset
    with tempfile.TemporaryDirectory() as tmp:
        # cache at the size of the stored faces, so the pipeline does the same work
        first = _first_face_size(dataset)
        prepare_cache(dict(dataset.reader, split='all'), tmp, size=first, crop=dataset.crop,
                      enlarge=dataset.get('enlarge', 0.0), progress=False)
        loader_cfg = copy.deepcopy(cfg.train_dataloader)
        loader_cfg.dataset = dict(type='CachedFaceDataset', cache_dir=tmp,
                                  split=dataset.reader.split, pipeline=dataset.pipeline)
        out['prepared'] = _loader_speed(loader_cfg, batches)
    return out


def _first_face_size(dataset_cfg) -> int:
    from ferda.registry import DATASETS
    face = DATASETS.build(dict(dataset_cfg, pipeline=[], max_samples=1))[0]['inputs']
    return int(max(face.shape[1:]))


#: issue 17's blob cases (N, D, K): the quality cases and the >= 5x speed case
CLUSTER_SIZES = ((2000, 32, 50), (5000, 64, 250), (10000, 128, 250))


def format_clustering(title: str, rows: dict) -> str:
    """One line per k-means backend of :func:`basicda.ops.bench_kmeans.bench_on_features`."""
    lines = [title]
    for backend, row in rows.items():
        if not isinstance(row, dict):
            continue
        purity = f', selected {row["selected"]} purity {row["purity"]:.3f}, cluster purity ' \
                 f'{row["cluster_purity"]:.3f}' if 'purity' in row else ''
        lines.append(f'  {backend:>12}: {row["seconds"]:8.2f} s, inertia {row["inertia"]:.4g}'
                     f'{purity}')
    return '\n'.join(lines)


def bench_features(config: str, checkpoint: str) -> dict:
    """Every k-means backend on a source model's features of a CluP target train split.

    Builds ``config``'s model (a CluP pseudo-label config), loads ``checkpoint``,
    embeds ``test_dataloader`` as CluP's teacher pass does (feature, logits) and runs
    :func:`basicda.ops.bench_kmeans.bench_on_features` with the config's ``test_cfg``
    K, r, restarts, iterations and seed, the ground truth of the split giving purity.

    Returns:
        dict: ``n``, ``d``, ``k``, ``source_accuracy`` (the model's own argmax) and one
        row per backend.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner, load_checkpoint

    import ferda.datasets  # noqa: F401
    from basicda.ops.bench_kmeans import bench_on_features
    from ferda.methods.clup.loop import dataset_truth, embed_dataset
    from ferda.registry import MODELS

    init_default_scope('ferda')
    cfg = Config.fromfile(config)
    settings = cfg.get('test_cfg') or {}
    if 'num_clusters' not in settings or 'fraction' not in settings:
        raise ValueError(f'{config}: test_cfg needs num_clusters and fraction (a CluP '
                         'pseudo-label config, e.g. configs/clup/pseudo-labels_*.py)')
    model = MODELS.build(copy.deepcopy(cfg.model))
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    model.eval()
    loader = Runner.build_dataloader(copy.deepcopy(cfg.test_dataloader))
    gathered = embed_dataset(model, loader)
    truth = dataset_truth(loader.dataset)
    if truth is None:
        raise ValueError(f'{config}: the target split has no labels, so purity cannot be '
                         'measured')
    predictions = gathered['logits'].argmax(1)
    k = int(settings['num_clusters'])
    out = dict(n=int(len(truth)), d=int(gathered['feat'].shape[1]), k=k,
               source_accuracy=float((predictions == truth).float().mean()))
    out.update(bench_on_features(
        gathered['feat'].numpy(), truth.numpy(), predictions.numpy(), k,
        int(gathered['logits'].shape[1]), n_init=int(settings.get('n_init', 10)),
        max_iter=int(settings.get('max_iter', 300)), seed=int(settings.get('seed', 1234)),
        fraction=float(settings['fraction'])))
    return out


LDL_CONFIG = ('configs', 'ldl', 'ldl_resnet18_1xb32-8e-cpu_synfer-lab.py')


def _ldl_model(cfg, source: str, n: int, k: int):
    """An LDL model of ``cfg`` in ``source`` mode with its state for ``n`` rows: random
    labels, neighbours ``(i + 1 .. i + k) mod n`` and kernel 1 (speed does not depend on
    their values)."""
    from ferda.registry import MODELS

    torch.manual_seed(0)
    model = MODELS.build(dict(copy.deepcopy(cfg.model), neighbour_source=source))
    labels = torch.randint(0, model.num_classes, (n,))
    neighbours = (torch.arange(n)[:, None] + torch.arange(1, k + 1)[None]) % n
    model.init_state(labels, neighbours, torch.ones(n, k),
                     dict(sample_ids_sha256='bench'))
    return model, labels


def _ldl_steps(model, batches, optim_wrapper, iters: int, warmup: int) -> float:
    """Seconds per ``model.train_step`` after ``warmup`` steps."""
    model.train()
    for batch in batches[:warmup]:
        model.train_step(batch, optim_wrapper)
    start = time.perf_counter()
    for batch in batches[warmup:warmup + iters]:
        model.train_step(batch, optim_wrapper)
    return (time.perf_counter() - start) / iters


def bench_ldl(cfg, iters: int, batch_size: int, img_size: int, k: int = 8,
              warmup: int = 2) -> dict:
    """Seconds per LDL training step, online vs bank mode, and the bank refresh per image.

    Returns:
        dict: ``online_s_per_step``, ``bank_s_per_step``, ``step_ratio`` (online / bank),
        ``refresh_s_per_image`` (one eval forward, the bank's per-epoch cost),
        ``k``, ``batch_size``, ``img_size``.
    """
    from mmengine.optim import build_optim_wrapper

    n = batch_size * (warmup + iters)
    images = torch.randint(0, 256, (n, 3, img_size, img_size), dtype=torch.uint8)
    out = dict(k=k, batch_size=batch_size, img_size=img_size)
    for source in ('online', 'bank'):
        model, labels = _ldl_model(cfg, source, n, k)
        views = 1 + k if source == 'online' else 1
        batches = []
        for start in range(0, n, batch_size):
            idx = torch.arange(start, start + batch_size)
            # the anchor then its K neighbours' images (online), the anchor only (bank)
            rows = torch.stack([idx] + [model.neighbours[idx, j] for j in range(k)], 1)
            batches.append(dict(inputs=images[rows[:, :views]],
                                data_samples=dict(sample_idx=idx, gt_label=labels[idx])))
        optim_wrapper = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
        if source == 'bank':
            loader = DataLoader(_FixedBatches(images, labels), batch_size=128, shuffle=False)
            start = time.perf_counter()
            model.refresh_bank(loader)
            out['refresh_s_per_image'] = (time.perf_counter() - start) / n
        out[f'{source}_s_per_step'] = _ldl_steps(model, batches, optim_wrapper, iters, warmup)
    out['step_ratio'] = out['online_s_per_step'] / out['bank_s_per_step']
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='ferda bench', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--config', default=repo_path(
        'configs', 'source_only',
        'source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py'))
    p.add_argument('--iters', type=int, default=30, help='timed training iterations')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--img-size', type=int, default=64)
    p.add_argument('--loading-batches', type=int, default=20,
                   help='batches timed for data loading (0: skip; needs SynFER)')
    p.add_argument('--clustering', action='store_true',
                   help='also time and score clustering + selection with every k-means backend')
    p.add_argument('--cluster-size', type=int, nargs=3, action='append', default=None,
                   metavar=('N', 'D', 'K'),
                   help='blobs and clusters for --clustering, repeatable (default: '
                        + ', '.join(' x '.join(map(str, c)) for c in CLUSTER_SIZES) + ')')
    p.add_argument('--cluster-config', default=None,
                   help='with --clustering: a CluP pseudo-label config whose target train '
                        'split is embedded by --cluster-checkpoint')
    p.add_argument('--cluster-checkpoint', default=None,
                   help='with --clustering: the source model checkpoint for --cluster-config')
    p.add_argument('--banks', action='store_true',
                   help='also time a bank refresh and the kNN search against one iteration')
    p.add_argument('--bank-sizes', type=int, nargs='+', default=(10000, 100000),
                   metavar='N', help='bank rows searched by --banks')
    p.add_argument('--refresh-images', type=int, default=2000,
                   help='images of the bank refresh timed by --banks')
    p.add_argument('--ldl', action='store_true',
                   help='also time LDL training steps, online against bank neighbour mode '
                        '(model of --ldl-config; --iters, --batch-size, --img-size)')
    p.add_argument('--ldl-k', type=int, default=8, help='neighbours K of --ldl')
    p.add_argument('--ldl-config', default=repo_path(*LDL_CONFIG),
                   help='the LDL config whose model and optimiser --ldl times')
    p.add_argument('--ldl-only', action='store_true',
                   help='with --ldl: skip the loop-overhead and loading measurements')
    return p


def main(argv=None) -> dict:
    args = build_parser().parse_args(argv)
    if bool(args.cluster_config) != bool(args.cluster_checkpoint):
        raise SystemExit('ferda bench: --cluster-config and --cluster-checkpoint go together')
    import basicda.engine  # noqa: F401
    import ferda.datasets  # noqa: F401
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    cfg = Config.fromfile(args.config)
    init_default_scope('ferda')
    if args.ldl_only:
        if not args.ldl:
            raise SystemExit('ferda bench: --ldl-only needs --ldl')
        return dict(ldl=_run_ldl(args))
    result = dict(overhead=bench_overhead(cfg, args.iters, args.batch_size, args.img_size))
    o = result['overhead']
    print(f'training loop ({cfg.model.backbone.name}, batch {args.batch_size}, '
          f'{args.img_size}px, {args.iters} iters): bare PyTorch {o["bare_images_per_s"]:.1f} '
          f'img/s, framework {o["framework_images_per_s"]:.1f} img/s, '
          f'ratio framework/bare = {o["ratio"]:.3f} ({o["warmup"]} untimed warm-up iters; '
          f'bare timed before and after the framework: {o["bare_before"]:.1f}, '
          f'{o["bare_after"]:.1f} img/s)')
    if args.loading_batches > 0:
        root = cfg.train_dataloader.dataset.reader.data_root
        if not osp.isdir(root):
            print(f'data loading: skipped, {root} not found (run `ferda synth` first)')
        else:
            result['loading'] = bench_loading(cfg, args.loading_batches)
            l_ = result['loading']
            print(f'data loading (train pipeline, {cfg.train_dataloader.num_workers} workers): '
                  f'decoding files {l_["disk"]:.1f} img/s, decoded in memory '
                  f'{l_["memory"]:.1f} img/s, prepared cache {l_["prepared"]:.1f} img/s')
    if args.clustering:
        from basicda.ops.bench_kmeans import bench_clustering
        result['clustering'] = []
        for n, d, k in args.cluster_size or CLUSTER_SIZES:
            c = bench_clustering(n=n, d=d, k=k)
            result['clustering'].append(c)
            print(format_clustering(
                f'clustering + selection, blobs {n} x {d}, K={k}, 10 restarts: '
                f'speed-up sklearn/faiss = {c["speedup"]:.1f}x', c))
        if args.cluster_config:
            f = result['clustering_features'] = bench_features(args.cluster_config,
                                                               args.cluster_checkpoint)
            print(format_clustering(
                f'clustering + selection, features of {args.cluster_checkpoint} on '
                f'{f["n"]} target train faces (D={f["d"]}, K={f["k"]}; source accuracy '
                f'{f["source_accuracy"]:.3f})', f))
    if args.banks:
        from basicda.banks.bench_banks import bench_banks, format_bank_table
        result['banks'] = bench_banks(num_images=args.refresh_images,
                                      bank_sizes=args.bank_sizes)
        print(format_bank_table(result['banks']))
    if args.ldl:
        result['ldl'] = _run_ldl(args)
    return result


def _run_ldl(args) -> dict:
    from mmengine.config import Config

    import ferda.methods  # noqa: F401  (registers LDLModel)

    r = bench_ldl(Config.fromfile(args.ldl_config), args.iters, args.batch_size,
                  args.img_size, args.ldl_k)
    print(f'LDL training step (K={r["k"]}, batch {r["batch_size"]}, {r["img_size"]}px, '
          f'{args.iters} steps): online {r["online_s_per_step"]:.3f} s, bank '
          f'{r["bank_s_per_step"]:.3f} s, ratio online/bank = {r["step_ratio"]:.2f}x; bank '
          f'refresh {1000 * r["refresh_s_per_image"]:.2f} ms/image')
    return r
