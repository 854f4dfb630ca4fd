"""Dataset readers: annotation files -> sorted lists of SampleRecord (datasets.md §2-3)."""
from .affectnet import AffectNetReader, affectnet_val_holdout
from .afe import AfeReader
from .base import BaseReader, read_text_lines
from .casme3 import Casme3Reader, check_casme3_lists
from .ckplus import CkPlusReader
from .expw import ExpwReader
from .fer2013 import Fer2013CsvReader
from .fer2013_folders import Fer2013FolderReader
from .ferplus import FerPlusReader
from .image_folder import ImageFolderReader
from .jaffe import JaffeReader
from .kdef import KdefReader
from .ldl_csv import LdlCsvReader
from .list_file import ListFileReader
from .oulu_casia import OuluCasiaReader
from .rafdb import RafDbReader
from .sfew import SfewReader

#: Every reader class, in the order of datasets.md section 3.
READERS = (RafDbReader, AffectNetReader, LdlCsvReader, Fer2013CsvReader, Fer2013FolderReader,
           FerPlusReader, ExpwReader, AfeReader, CkPlusReader, JaffeReader, SfewReader,
           KdefReader, OuluCasiaReader, ListFileReader, ImageFolderReader, Casme3Reader)

__all__ = ['BaseReader', 'read_text_lines', 'READERS', 'affectnet_val_holdout',
           'check_casme3_lists'
           ] + [r.__name__ for r in READERS]
