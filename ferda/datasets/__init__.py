"""FER datasets: canonical labels, one reader per format, the face dataset and
the SynFER benchmark. Readers are registered in ``DATASETS`` so configs name them
(``reader=dict(type='RafDbReader', data_root=..., split='train')``)."""
from ferda.registry import DATASETS

from .cached_dataset import CachedFaceDataset
from .face_dataset import FaceDataset, crop_box
from .labels import CANONICAL_7, CANONICAL_8
from .readers import READERS, ExpwReader, Fer2013CsvReader, RafDbReader
from .readers.extras_csv import ExtrasCsvReader  # registers itself: wraps any reader
from .records import DatasetFormatError, SampleRecord

for _reader in READERS:
    DATASETS.register_module(module=_reader)

__all__ = [
    'FaceDataset', 'crop_box', 'READERS', 'CANONICAL_7', 'CANONICAL_8', 'RafDbReader', 'ExpwReader',
    'Fer2013CsvReader', 'DatasetFormatError', 'SampleRecord', 'CachedFaceDataset',
    'ExtrasCsvReader'
]
