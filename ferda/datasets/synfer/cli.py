"""Command line of the SynFER generator (``python -m ferda.datasets.synfer``, ``ferda synth``).

Example::

    python -m ferda.datasets.synfer --out data/synfer --domains lab,wild --per-class 400 --preview
"""
import argparse
import json

from .generator import DEFAULT_DOMAINS, DOMAINS, generate_synfer


def default_out(seed: int) -> str:
    """Where a seed's data goes by default: one folder per generator seed.

    >>> default_out(0), default_out(7)
    ('data/synfer', 'data/synfer-seed7')
    """
    return 'data/synfer' if seed == 0 else f'data/synfer-seed{seed}'


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='ferda synth', description='Generate the SynFER benchmark (synfer.md).')
    parser.add_argument('--out', default=None,
                        help='output folder (default: data/synfer for seed 0, '
                        'data/synfer-seed<S> for another seed)')
    parser.add_argument('--domains', default=','.join(DEFAULT_DOMAINS),
                        help='comma-separated domains (default: %(default)s)')
    parser.add_argument('--per-class', type=int, default=400,
                        help='images per class and domain, 1/4 of them test (default: %(default)s)')
    parser.add_argument('--subjects', type=int, default=60,
                        help='identities per domain (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0, help='seed (default: %(default)s)')
    parser.add_argument('--preview', action='store_true', help='also write OUT/preview.png')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace existing SynFER domain folders')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    return parser


def main(argv=None) -> dict:
    """Parse ``argv`` (default ``sys.argv[1:]``), generate, print the summary as JSON."""
    parser = build_parser()
    args = parser.parse_args(argv)
    domains = tuple(d.strip() for d in args.domains.split(',') if d.strip())
    unknown = [d for d in domains if d not in DOMAINS]
    if unknown:
        parser.error(f'--domains: unknown domain(s) {unknown}; choose from {list(DOMAINS)}')
    try:
        summary = generate_synfer(args.out or default_out(args.seed), domains=domains, per_class=args.per_class,
                                  subjects=args.subjects, seed=args.seed, preview=args.preview,
                                  progress=not args.no_progress, overwrite=args.overwrite)
    except ValueError as err:
        parser.error(str(err))
    print(json.dumps(summary, indent=2))  # a CLI's output, not library logging
    return summary
