"""ferda: facial expression recognition on top of the basicda engine."""
__version__ = '0.1.0'
