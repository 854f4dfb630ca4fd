"""EERCL: AaD neighbourhood consistency + class-relationship contrast (specs/eercl.md)."""
