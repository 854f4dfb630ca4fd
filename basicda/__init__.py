"""basicda: a generic domain-adaptation engine on mmengine (nothing FER-specific)."""
__version__ = '0.1.0'
