"""Byte-exact fixture files for the reader tests (datasets.md §5), quirks included.

Each ``write_*`` writes one dataset layout under ``root`` with 8x8 images in the dataset's
container format (JPEG; FER2013 pixels inline) and returns the annotation file's path.
"""
import os
import os.path as osp

import cv2
import numpy as np

# RAF-DB: double space and CRLF on line 2, a trailing blank line.
RAFDB_LABELS = b'train_00001.jpg 1\ntrain_00002.jpg  7\r\ntest_0001.jpg 4\n\n'
# ExpW: the example line of docs/datasets.md §3, a second face in the same image, 4 more rows,
# then the two quirks of the real file.
EXPW_LABELS = (b'angry_actor_104.jpg 0 28 113 226 141 22.9362 0\n'
               b'angry_actor_104.jpg 1 30 10 60 70 15.5 5\n'
               b'happy_girl_2.jpg 0 5 6 40 45 30.1 3\n'
               b'sad_man_7.jpg 0 1 2 30 33 12.25 4\n'
               b'neutral_face_9.jpg 0 0 0 20 20 40.0 6\n'
               b'fear_kid_11.jpg 0 3 4 25 26 18.0 2\n'
               # as in the real label.lst: an exact duplicate line and a degenerate box
               # (right <= left)
               b'happy_girl_2.jpg 0 5 6 40 45 30.1 3\n'
               b'fear_kid_11.jpg 1 10 30 30 20 5.5 2\n')
EXPW_IMAGES = ('angry_actor_104.jpg', 'happy_girl_2.jpg', 'sad_man_7.jpg', 'neutral_face_9.jpg',
               'fear_kid_11.jpg')
EXPW_SPLIT = (b'image_name,face_id,split\n'
              b'angry_actor_104.jpg,0,train\nangry_actor_104.jpg,1,train\n'
              b'fear_kid_11.jpg,0,val\nhappy_girl_2.jpg,0,train\n'
              b'neutral_face_9.jpg,0,test\nsad_man_7.jpg,0,test\n')


def write_bytes(path: str, data: bytes) -> str:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)
    return path


def write_jpeg(path: str, value: int = 128, grey: bool = False) -> str:
    """An 8x8 JPEG filled with ``value`` (3-channel unless ``grey``)."""
    img = np.full((8, 8) if grey else (8, 8, 3), value, np.uint8)
    ok, buf = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok  # a broken OpenCV is a test-environment fault, not user input
    return write_bytes(path, buf.tobytes())


# RAF-DB manual annotation (`basic/Annotation/manual/<stem>_manu_attri.txt`): 5 tab-separated
# `x y` landmark lines (left eye, right eye, nose, left and right mouth corner), then the
# gender, race and age-group codes, one per line.
RAFDB_MANUAL = b'30.5\t40.25\n70.0\t41.0\n50.0\t60.0\n35.0\t80.0\n66.0\t81.5\n1\n2\n3\n'


def write_rafdb(root: str, labels: bytes = RAFDB_LABELS, variant: str = 'aligned',
                boxes: dict = None, box_naming: str = 'official', manual: dict = None) -> str:
    """RAF-DB basic: the label file and one 8x8 JPEG per listed name.

    ``boxes`` (variant 'original') maps a stem to the bytes of its box file, named
    ``<stem>_boundingbox.txt`` as distributed (``box_naming='cdfer'``: CD-FER's ``<stem>.txt``).
    ``manual`` maps a stem to the bytes of its ``<stem>_manu_attri.txt``.
    """
    label_path = write_bytes(osp.join(root, 'basic', 'EmoLabel', 'list_patition_label.txt'),
                             labels)
    names = {line.split()[0] for line in labels.decode('utf-8-sig').splitlines() if line.strip()}
    for name in sorted(names):
        stem = osp.splitext(name)[0]
        if variant == 'aligned':
            write_jpeg(osp.join(root, 'basic', 'Image', 'aligned', f'{stem}_aligned.jpg'))
        else:
            write_jpeg(osp.join(root, 'basic', 'Image', 'original', name))
    suffix = '_boundingbox.txt' if box_naming == 'official' else '.txt'
    for stem, data in (boxes or {}).items():
        write_bytes(osp.join(root, 'basic', 'Annotation', 'boundingbox', stem + suffix), data)
    for stem, data in (manual or {}).items():
        write_bytes(osp.join(root, 'basic', 'Annotation', 'manual', f'{stem}_manu_attri.txt'),
                    data)
    return label_path


def write_expw(root: str, labels: bytes = EXPW_LABELS, split: bytes = EXPW_SPLIT) -> str:
    """ExpW: ``label/label.lst``, 8x8 scene JPEGs and ``splits/expw_seed0.csv``."""
    label_path = write_bytes(osp.join(root, 'label', 'label.lst'), labels)
    for name in EXPW_IMAGES:
        write_jpeg(osp.join(root, 'image', 'origin', name))
    if split is not None:
        write_bytes(osp.join(root, 'splits', 'expw_seed0.csv'), split)
    return label_path


def fer_pixels(seed: int, count: int = 2304) -> str:
    """``count`` space-separated pixel values, seeded."""
    values = np.random.Generator(np.random.PCG64(seed)).integers(0, 256, count)
    return ' '.join(str(v) for v in values)


def write_fer2013(root: str, rows, header: bytes = b'emotion,pixels,Usage',
                  newline: bytes = b'\n') -> str:
    """``fer2013.csv`` from ``(emotion text, pixel text, usage)`` rows."""
    lines = [header] + [f'{e},{p},{u}'.encode() for e, p, u in rows]
    return write_bytes(osp.join(root, 'fer2013.csv'), newline.join(lines) + newline)


# ---------------------------------------------------------------------------------------------
# Fixtures of the readers of datasets.md §3 beyond RAF-DB, ExpW and the FER2013 CSV.

def write_image(path: str, value: int = 128, grey: bool = False) -> str:
    """An 8x8 image in the container format of ``path``'s extension (JPEG, PNG or TIFF)."""
    ext = osp.splitext(path)[1].lower()
    img = np.full((8, 8) if grey else (8, 8, 3), value, np.uint8)
    ok, buf = cv2.imencode('.tiff' if ext == '.tif' else ext, img)
    assert ok  # a broken OpenCV is a test-environment fault, not user input
    return write_bytes(path, buf.tobytes())


AFFECTNET_HEADER = (b'subDirectory_filePath,face_x,face_y,face_width,face_height,'
                    b'facial_landmarks,expression,valence,arousal')


def affectnet_landmarks(count: int = 136) -> str:
    """``count`` ``;``-joined landmark numbers: x = 0.5 * i, y = 0.5 * i + 0.25 for point i."""
    return ';'.join(f'{0.5 * (i // 2) + 0.25 * (i % 2):g}' for i in range(count))


# AffectNet: codes 0, 3, 7, 8, 10, 6 (file order = sample-id order); VA -2 on the code-10 row.
AFFECTNET_TRAIN_ROWS = [
    ('1/a.jpg', '10', '20', '30', '40', affectnet_landmarks(), '0', '0.1', '-0.2'),
    ('1/b.jpg', '1', '2', '3', '4', affectnet_landmarks(), '3', '0.5', '0.6'),
    ('1/c.jpg', '0', '0', '8', '8', affectnet_landmarks(), '7', '-0.3', '0.3'),
    ('1/d.jpg', '0', '0', '8', '8', affectnet_landmarks(), '8', '0.0', '0.0'),
    ('1/e.jpg', '0', '0', '8', '8', affectnet_landmarks(), '10', '-2', '-2'),
    ('1/f.jpg', '5', '6', '7', '8', affectnet_landmarks(), '6', '-0.9', '0.9'),
]
AFFECTNET_VAL_ROWS = [('2/g.jpg', '1', '1', '5', '5', affectnet_landmarks(), '1', '0.2', '0.2')]


def write_affectnet(root: str, train_rows=AFFECTNET_TRAIN_ROWS, val_rows=AFFECTNET_VAL_ROWS,
                    header: bytes = AFFECTNET_HEADER,
                    list_dir: str = 'Manually_Annotated_file_lists', empty_images=()) -> str:
    """``training.csv``, ``validation.csv`` and an 8x8 JPEG per row; returns training.csv.

    As unpacked, the two csv files sit in ``Manually_Annotated_file_lists/`` (``list_dir=''``
    puts them at the root); the images of ``empty_images`` are written as zero-byte files, as
    one image listed in the real ``validation.csv`` is.
    """
    paths = []
    for name, rows in (('training.csv', train_rows), ('validation.csv', val_rows)):
        lines = [header] + [','.join(row).encode() for row in rows]
        paths.append(write_bytes(osp.join(root, list_dir, name), b'\n'.join(lines) + b'\n'))
        for row in rows:
            if row[0] in empty_images:
                write_bytes(osp.join(root, 'Manually_Annotated_Images', row[0]), b'')
            else:
                write_jpeg(osp.join(root, 'Manually_Annotated_Images', row[0]))
    return paths[0]


def write_affectnet_npy(root: str, sets: dict) -> None:
    """The newer AffectNet release: ``<set>/images/<n>.jpg`` and
    ``<set>/annotations/<n>_{exp,val,aro,lnd}.npy`` (``exp`` a numpy string such as ``'3'``,
    ``val``/``aro`` numpy string floats, ``lnd`` 136 floats); ``sets`` maps a set folder
    (``'train_set'``) to ``{n: (exp, val, aro)}``."""
    for set_name, items in sets.items():
        for n, (exp, val, aro) in items.items():
            write_jpeg(osp.join(root, set_name, 'images', f'{n}.jpg'))
            ann = osp.join(root, set_name, 'annotations')
            os.makedirs(ann, exist_ok=True)
            np.save(osp.join(ann, f'{n}_exp.npy'), np.array(str(exp)))
            np.save(osp.join(ann, f'{n}_val.npy'), np.array(str(val)))
            np.save(osp.join(ann, f'{n}_aro.npy'), np.array(str(aro)))
            np.save(osp.join(ann, f'{n}_lnd.npy'),
                    np.array([float(v) for v in affectnet_landmarks().split(';')]))


# LDL train CSV (AffectNet order): the knn column holds row positions.
LDL_TRAIN = (b'subDirectory_filePath,expression,valence,arousal,knn\n'
             b'img/z.jpg,0,0.0,0.0,1;2\n'
             b'img/y.jpg,3,0.1,0.0,0;2\n'
             b'img/x.jpg,6,0.3,0.0,1;0\n'
             b'img/w.jpg,1,1.0,1.0,2;1\n')
LDL_TEST = b'subDirectory_filePath,expression\nimg/t.jpg,2\n'


# The same train rows as written by pandas ``DataFrame.to_csv`` (the reference code reads its
# CSVs with pandas, by column name): an unnamed index column first, the columns in another order
# and an extra column.
LDL_TRAIN_PANDAS = (b',expression,knn,subDirectory_filePath,arousal,valence,source\n'
                    b'0,0,1;2,img/z.jpg,0.0,0.0,a\n'
                    b'1,3,0;2,img/y.jpg,0.0,0.1,a\n'
                    b'2,6,1;0,img/x.jpg,0.0,0.3,b\n'
                    b'3,1,2;1,img/w.jpg,1.0,1.0,b\n')


def write_ldl(root: str, data: bytes = LDL_TRAIN, name: str = 'train.csv') -> str:
    """An LDL CSV under ``root`` and an 8x8 JPEG per listed path (found by column name)."""
    path = write_bytes(osp.join(root, name), data)
    lines = data.decode('utf-8-sig').splitlines()
    column = [c.strip() for c in lines[0].split(',')].index('subDirectory_filePath')
    for line in lines[1:]:
        if line.strip():
            write_jpeg(osp.join(root, line.split(',')[column].strip()))
    return path


def write_image_tree(root: str, rel_paths, grey: bool = False) -> list:
    """8x8 images at ``root/<rel path>`` (format from the extension); non-image names get
    a few bytes of text. Returns the written paths."""
    out = []
    for rel in rel_paths:
        path = osp.join(root, *rel.split('/'))
        if osp.splitext(rel)[1].lower() in ('.jpg', '.jpeg', '.png', '.tif', '.tiff', '.bmp'):
            out.append(write_image(path, grey=grey))
        else:
            out.append(write_bytes(path, b'not an image\n'))
    return out


# FER2013 folder release: grey JPEGs, plus a macOS .DS_Store.
FER2013_FOLDER_FILES = ('train/angry/im0.jpg', 'train/surprise/im1.jpg', 'test/neutral/im2.jpg',
                        'train/angry/.DS_Store')


FERPLUS_HEADER = (b'Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,'
                  b'contempt,unknown,NF')
# FER+ as distributed (microsoft/FERPlus fer2013new.csv): the `Image name` column is a running
# counter that skips dropped rows, so after the nameless data row 1 the row index (2) and the
# name (fer0000001) differ. Rows: a happiness majority, a dropped row (no name, NF votes), an NF
# majority named fer0000001.png.
FERPLUS_ROWS = (b'Training,fer0000000.png,1,7,0,0,0,0,0,0,0,2\n'
                b'Training,,0,0,0,0,0,0,0,0,0,10\n'
                b'Training,fer0000001.png,0,0,0,0,0,0,0,0,1,9\n')


def write_ferplus(root: str, rows: bytes = FERPLUS_ROWS, header: bytes = FERPLUS_HEADER) -> str:
    """``fer2013new.csv`` and an 8x8 grey PNG per named row, in the folder of its Usage."""
    path = write_bytes(osp.join(root, 'fer2013new.csv'), header + b'\n' + rows)
    folders = {'Training': 'FER2013Train', 'PublicTest': 'FER2013Valid',
               'PrivateTest': 'FER2013Test'}
    for line in rows.decode().splitlines():
        fields = line.split(',')
        if len(fields) > 1 and fields[1] and fields[0] in folders:
            write_image(osp.join(root, folders[fields[0]], fields[1]), grey=True)
    return path


AFE_CLUP_TRAIN = b'img/a.jpg 1 2 50 60 6\n'
AFE_CDFER_TRAIN = b'a.jpg 1 2 50 60 0.98 9\nb.jpg 3 4 40 50 0.5 8\n'


def write_afe(root: str, release: str, train: bytes, test: bytes = b'') -> str:
    """AFE in one release's layout; returns the train list path."""
    if release == 'clup':
        lists = (osp.join(root, 'annos', 'TrainTest', 'Train.csv'),
                 osp.join(root, 'annos', 'TrainTest', 'Test.csv'))
        image_dir = osp.join(root, 'src', 'image')
    else:
        base = osp.join(root, 'Asian_Facial_Expression', 'AsianMovie_0725_0730')
        lists = (osp.join(base, 'list', 'train_list.txt'), osp.join(base, 'list',
                                                                     'val_list.txt'))
        image_dir = osp.join(base, 'images')
    for path, data in zip(lists, (train, test)):
        write_bytes(path, data)
        for line in data.decode().splitlines():
            if line.strip():
                write_jpeg(osp.join(image_dir, line.split()[0]))
    return lists[0]


def write_ckplus(root: str, sequences: dict, num_frames: int = 12) -> dict:
    """CK+ official layout: ``{(subject, sequence): emotion file bytes}``, each sequence with
    ``num_frames`` grey PNGs numbered 1..num_frames; the last frame is the peak. Returns
    ``{(subject, sequence): emotion file path}``."""
    paths = {}
    for (subject, sequence), data in sequences.items():
        for i in range(1, num_frames + 1):
            write_image(osp.join(root, 'cohn-kanade-images', subject, sequence,
                                 f'{subject}_{sequence}_{i:08d}.png'), grey=True)
        paths[subject, sequence] = write_bytes(
            osp.join(root, 'Emotion', subject, sequence,
                     f'{subject}_{sequence}_{num_frames:08d}_emotion.txt'), data)
    return paths


# CK+: a Disgust sequence and a Contempt one (the byte layout of the official files).
CKPLUS_SEQUENCES = {('S005', '001'): b'   3.0000000e+00\n', ('S010', '002'): b'   2.0000000e+00\n'}

JAFFE_FILES = ('KA.AN1.39.tiff', 'KM.SU3.16.tiff')
SFEW_FILES = ('Train/Angry/a.png', 'Val/Surprise/b.jpg')
SFEW_BOXES = {'Train/Angry/a': b'1 2 7 8\n', 'Val/Surprise/b': b'0.5 1.5 6.5 7.5\n'}


def write_sfew(root: str, files=SFEW_FILES, boxes=SFEW_BOXES, layout: str = 'cdfer') -> str:
    """SFEW 2.0 as distributed; returns the folder to give the reader as ``data_root``.

    ``layout='cdfer'`` (CD-FER-Benchmark's copy): ``SFEW/<Split>/imgs/<class>/<file>`` with
    per-split boxes ``SFEW/<Split>/Annotations/Bboxs/<class>/<stem>.txt``; ``files`` are
    ``'<Split>/<class>/<file>'`` and ``boxes`` maps ``'<Split>/<class>/<stem>'`` to the box file
    bytes. ``layout='official'``: ``<Split>/<Split>_Aligned_Faces/<class>/<file>``, no boxes.
    """
    for rel in files:
        split, rest = rel.split('/', 1)
        folder = (osp.join('SFEW', split, 'imgs') if layout == 'cdfer'
                  else osp.join(split, f'{split}_Aligned_Faces'))
        write_image_tree(root, [osp.join(folder, rest)])
    if layout == 'cdfer':
        for key, data in boxes.items():
            split, cls, stem = key.split('/')
            write_bytes(osp.join(root, 'SFEW', split, 'Annotations', 'Bboxs', cls,
                                 f'{stem}.txt'), data)
    return root


KDEF_FILES = ('AF01/AF01ANS.JPG', 'AF01/AF01SUHL.JPG', 'BM35/BM35NES.JPG')
# The two misnamed files of the official KDEF release (no expression code in the name).
KDEF_MISNAMED = ('AF31/AF31V.JPG', 'AM31/AM31H.JPG')
OULU_FILES = tuple(f'VL/Strong/P001/Happiness/{i:03d}.jpeg' for i in range(6))
# CD-FER-Benchmark's Oulu-CASIA list (`Oulu-CASIA/list/list.txt`, `name label`): its labels are
# canonical already (0 Surprise ... 5 Anger; the CD-FER loaders use them unmapped).
OULU_CDFER_LIST = (b'P001/Surprise/029.jpeg 0\n'
                   b'P001/Anger/021.jpeg 5\n'
                   b'P002/Happiness/017.jpeg 3\n')


def write_oulu_cdfer(root: str, data: bytes = OULU_CDFER_LIST) -> str:
    """CD-FER's Oulu-CASIA copy: ``list/list.txt``, images under ``images/`` and one
    ``annos/landmark_5/VL_Acropped/Strong/<stem>.txt`` (for the first image); returns the list."""
    names = [line.split()[0] for line in data.decode().splitlines() if line.strip()]
    write_image_tree(osp.join(root, 'images'), names)
    write_bytes(osp.join(root, 'annos', 'landmark_5', 'VL_Acropped', 'Strong',
                         osp.splitext(names[0])[0] + '.txt'), b'1 2\n3 4\n5 6\n7 8\n9 10\n')
    return write_bytes(osp.join(root, 'list', 'list.txt'), data)
