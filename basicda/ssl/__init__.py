"""Self-supervised pre-training algorithms (SwAV)."""
