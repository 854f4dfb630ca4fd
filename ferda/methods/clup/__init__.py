"""CluP: SwAV target pre-training + cluster-level pseudo-labels + mixup (specs/clup.md)."""
