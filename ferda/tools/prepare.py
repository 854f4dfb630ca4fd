"""``ferda prepare DATASET --root RAW --out DIR``: decode, crop and resize a dataset into a
cache that ``CachedFaceDataset`` reads (datasets.md §4).

    ferda prepare rafdb --root data/raw/rafdb --out data/cache/rafdb_112
    ferda prepare rafdb --root data/raw/rafdb --out data/cache/rafdb_orig_112 --crop box \\
        --reader-options variant=original
    ferda prepare expw --root data/raw/expw --out data/cache/expw_112 --crop box --seed 0
    ferda prepare kdef --root data/raw/KDEF --out data/cache/kdef_112 --crop detect

``--crop detect`` (for full frames without boxes: CK+, JAFFE, KDEF, Oulu-CASIA, image folders)
finds the face with dlib (``pip install -e ".[align]"``), estimates 5 landmarks and aligns like
``--crop landmarks5``; ``--detector``, ``--choose`` and ``--no-face`` tune it, and the images
without a face are counted and named in ``meta.json``.

DATASET is a reader's short name (its ``name`` attribute). ``--reader-options k=v`` are passed
to the reader; values are Python literals (``num_classes=8``, ``angles="('S','HL')"``), and
anything else is a string (``variant=original``). For ExpW without ``split_file=...``, the
seeded group split is made first and written to ``DIR/splits/expw_seed{S}.csv``.

Re-running with the same arguments skips every file whose checksum still matches. A folder
that holds the cache of another dataset (or the same reader with other options) is refused
unless ``--overwrite`` is given.
"""
import argparse
import ast
import os
import os.path as osp
import sys

DEFAULT_RATIOS = (0.8, 0.1, 0.1)
# Short names people type that differ from a reader's ``name``.
ALIASES = {'oulu': 'oulu_casia', 'fer2013_csv': 'fer2013', 'ldl': 'ldl_csv'}


def reader_names() -> dict:
    """``{short name: reader class}`` from each reader's ``name`` attribute (plus aliases)."""
    from ferda.datasets.readers import READERS
    names = {cls.name: cls for cls in READERS}
    names.update({alias: names[target] for alias, target in ALIASES.items()})
    return dict(sorted(names.items()))


def parse_reader_options(items) -> dict:
    """``['k=v', ...]`` -> ``{k: literal or string}``."""
    options = {}
    for item in items or ():
        key, sep, text = item.partition('=')
        if not sep or not key:
            raise ValueError(f'--reader-options takes key=value pairs, got {item!r}')
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        options[key] = value
    return options


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='ferda prepare', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('dataset', help='reader short name: ' + ', '.join(reader_names()))
    p.add_argument('--root', required=True, help="the raw dataset folder (reader's data_root)")
    p.add_argument('--out', required=True, help='the cache folder to write')
    p.add_argument('--size', type=int, default=112, help='side S of the stored faces')
    p.add_argument('--crop', choices=('none', 'box', 'landmarks5', 'detect'), default='none')
    p.add_argument('--detector', choices=('hog', 'cnn'), default='hog',
                   help='with --crop detect: dlib HOG (fast) or CNN face detector')
    p.add_argument('--choose', choices=('largest', 'central'), default='largest',
                   help='with --crop detect: which face to keep when several are found')
    p.add_argument('--no-face', choices=('skip', 'centre'), default='skip',
                   help='with --crop detect: drop an image without a face, or centre-crop it')
    p.add_argument('--enlarge', type=float, default=0.2,
                   help="with --crop box, grow each box side by this fraction (default 0.2)")
    p.add_argument('--reader-options', nargs='+', metavar='K=V', default=[])
    p.add_argument('--seed', type=int, default=0, help='seed of a generated ExpW split')
    p.add_argument('--ratios', type=float, nargs=3, default=DEFAULT_RATIOS,
                   metavar=('TRAIN', 'VAL', 'TEST'), help='fractions of a generated ExpW split')
    p.add_argument('--max-shard-bytes', type=int, default=None,
                   help='size limit of one shard (default 2 GiB)')
    p.add_argument('--verify', action='store_true',
                   help='after preparing, rehash every file against meta.json')
    p.add_argument('--overwrite', action='store_true',
                   help='replace the cache of another dataset in --out (refused without it)')
    p.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    names = reader_names()
    if args.dataset not in names:
        parser.error(f'unknown dataset {args.dataset!r}; known: {", ".join(names)}')
    if args.size < 1:
        parser.error(f'--size must be >= 1, got {args.size}')
    if args.enlarge < 0:
        parser.error(f'--enlarge must be >= 0, got {args.enlarge}')
    try:
        options = parse_reader_options(args.reader_options)
    except ValueError as err:
        parser.error(str(err))
    for key in ('type', 'data_root'):
        if key in options:
            parser.error(f'--reader-options cannot set {key!r}; use DATASET and --root')

    import ferda.datasets  # noqa: F401  (registers the readers)
    from ferda.datasets.cached_dataset import check_cache
    from ferda.datasets.cache_format import MAX_SHARD_BYTES
    from ferda.datasets.prepare import check_out_dir, make_expw_split, prepare_cache

    reader_cls = names[args.dataset]
    reader = dict(type=reader_cls.__name__, data_root=args.root, **options)
    extra_meta = {}
    made = []  # files this run created before prepare_cache checked the reader options
    try:
        # before anything is written (the ExpW split goes into the folder)
        check_out_dir(args.out, reader_cls.name, overwrite=args.overwrite)
        if reader_cls.name == 'expw' and 'split_file' not in options:
            planned = osp.join(args.out, 'splits', f'expw_seed{args.seed}.csv')
            made = [p for p in (planned, planned + '.sha256') if not osp.exists(p)]
            reader['split_file'] = make_expw_split(reader, args.out, args.seed, args.ratios)
            extra_meta['expw_split'] = dict(file=f'<cache>/splits/expw_seed{args.seed}.csv',
                                            seed=args.seed, ratios=list(args.ratios),
                                            made_by='ferda.datasets.splits.make_group_split')
        summary = prepare_cache(reader, args.out, size=args.size, crop=args.crop,
                                enlarge=args.enlarge,
                                max_shard_bytes=args.max_shard_bytes or MAX_SHARD_BYTES,
                                extra_meta=extra_meta or None,
                                progress=not args.no_progress, overwrite=args.overwrite,
                                detect=dict(model=args.detector, choose=args.choose,
                                            no_face=args.no_face)
                                if args.crop == 'detect' else None)
        if args.verify:
            check_cache(args.out, verify=True)
    # each names the file or folder, or the fix
    except (ValueError, FileNotFoundError, FileExistsError, ImportError) as err:
        if isinstance(err, FileExistsError):  # leave the other cache as it was
            for path in made:
                if osp.exists(path):
                    os.remove(path)
        print(f'ferda prepare: error: {err}', file=sys.stderr)
        return 1
    print(f'ferda prepare: {args.out}: wrote {len(summary["written"])} file(s), skipped '
          f'{len(summary["skipped"])} already complete'
          + (', all checksums verified' if args.verify else ''))
    for name, reason in summary['skipped'].items():
        print(f'  skipped {name}: {reason}')
    for name, reason in summary['redone'].items():
        print(f'  rewrote {name}: {reason}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
