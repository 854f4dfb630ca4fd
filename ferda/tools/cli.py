"""The ``ferda`` command.

    ferda train CONFIG [train.py flags]      train (same as python train.py)
    ferda test CONFIG CHECKPOINT [--data ..] evaluate a checkpoint, write a table
    ferda adabn CONFIG CHECKPOINT            AdaBN baseline on every target domain
    ferda synth [--out data/synfer] [...]    generate the SynFER benchmark
    ferda demo                               SynFER + source-only + results table
    ferda bench [...]                        framework vs bare-PyTorch throughput
    ferda pipeline EXP CONFIG [GPUS] [...]   a method and its stages (experiments/<method>.sh)
    ferda benchmark CONFIG [--dry-run]       a matrix of pipelines, ending with ferda results
    ferda results RUN_DIR... [--group-by ..] tables of finished runs, mean +- std over seeds
    ferda al-plot RUN_DIR... [--out PNG]     overlay active-learning curves (mean +- std)
    ferda noise --ann F --format .. --rate R --seed S --out O   seeded noisy label file
    ferda trust CONFIG CHECKPOINT [--flips F] [--blend [CSV]]   LDL trust per sample, AUROC, KL
    ferda occlusion CONFIG CHECKPOINT [...]  lower-face occlusion grid -> occlusion.csv
    ferda dvscl-select --list-root R --intensity au.csv --threshold T --out O
                                             DVSCL pool lists filtered by AU intensity
"""
import sys

COMMANDS = {
    'train': ('ferda.tools.train', 'train a config'),
    'test': ('ferda.tools.test', 'evaluate a checkpoint on the config\'s datasets'),
    'adabn': ('ferda.tools.adabn', 'AdaBN baseline: re-estimate BN statistics on each target'),
    'synth': ('ferda.datasets.synfer.cli', 'generate the SynFER benchmark'),
    'demo': ('ferda.tools.demo', 'run the demo on SynFER and write runs/demo/results.md'),
    'bench': ('ferda.tools.bench', 'measure training-loop overhead and data loading speed'),
    'pipeline': ('ferda.tools.pipeline', 'a method with its upstream stages (source, SwAV, ...)'),
    'prepare': ('ferda.tools.prepare', 'decode, crop and resize a dataset into a checked cache'),
    'benchmark': ('ferda.tools.benchmark', 'methods x transfers x seeds, then ferda results'),
    'results': ('ferda.tools.results', 'tables and plots of finished runs (mean ± std)'),
    'al-plot': ('ferda.tools.al_plot', 'overlay active-learning runs by strategy and init'),
    'noise': ('ferda.tools.noise', 'a seeded noisy copy of a label file (exact flip count)'),
    'trust': ('ferda.tools.trust', 'LDL trust per sample; AUROC for finding flipped labels; '
              'KL of targets to SynFER blend weights'),
    'occlusion': ('ferda.tools.occlusion', 'lower-face occlusion grid of a checkpoint'),
    'dvscl-select': ('ferda.tools.dvscl_select',
                     'DVSCL: the pre-training lists filtered by AU intensity'),
}


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__)
        for name, (_, text) in COMMANDS.items():
            print(f'  {name:<6} {text}')
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f'ferda: unknown command {name!r}; commands: {", ".join(COMMANDS)}',
              file=sys.stderr)
        return 2
    import importlib
    module = importlib.import_module(COMMANDS[name][0])
    result = module.main(rest)
    return result if isinstance(result, int) else 0


if __name__ == '__main__':
    sys.exit(main())
