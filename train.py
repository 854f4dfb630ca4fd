"""Train a FERDA config: ``python train.py CONFIG [--work-dir DIR] [--resume [PATH]]
[--amp] [--cfg-options k=v ...] [--launcher {none,pytorch,slurm}] [--seed N]
[--deterministic]``. See ``python train.py --help`` and the README."""
from ferda.tools.train import cli

if __name__ == '__main__':
    cli()
