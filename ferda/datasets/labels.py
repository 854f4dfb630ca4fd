"""Canonical expression label space and the native -> canonical maps of each dataset.

The canonical order is RAF-DB's (its codes 1..7 minus one), which is also the order of
CD-FER-Benchmark and CluP, so confusion matrices are comparable with theirs (datasets.md §1):

====  ========  ====  =======  =========  =======  =====  =======  ==========
id    0         1     2        3          4        5      6        (7)
name  Surprise  Fear  Disgust  Happiness  Sadness  Anger  Neutral  (Contempt)
====  ========  ====  =======  =========  =======  =====  =======  ==========

Each dataset declares its native order as ``NATIVE_<DATASET>`` (pairs of native code or name
and the dataset's own class name) and maps it with ``TO_CANONICAL_<DATASET>``. Configs never
renumber classes by hand. The names in ``NATIVE_*`` resolve through :data:`SYNONYMS`, and a
unit test checks that this agrees with every ``TO_CANONICAL_*`` table.

Example:
    >>> TO_CANONICAL_FER2013[0], CANONICAL_7[TO_CANONICAL_FER2013[0]]
    (5, 'Anger')
    >>> canonical_from_name(' Happy ')
    3
"""

CANONICAL_7 = ('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral')
CANONICAL_8 = CANONICAL_7 + ('Contempt', )

# RAF-DB basic: `list_patition_label.txt` codes 1..7 are the canonical order shifted by one.
NATIVE_RAFDB = ((1, 'Surprise'), (2, 'Fear'), (3, 'Disgust'), (4, 'Happiness'), (5, 'Sadness'),
                (6, 'Anger'), (7, 'Neutral'))
TO_CANONICAL_RAFDB = {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6}

# FER2013 CSV `emotion` column. Some third-party READMEs give an alphabetical order
# (4 Neutral, 5 Sad, 6 Surprise); that order is wrong and a fixture test guards against it.
NATIVE_FER2013 = ((0, 'Angry'), (1, 'Disgust'), (2, 'Fear'), (3, 'Happy'), (4, 'Sad'),
                  (5, 'Surprise'), (6, 'Neutral'))
TO_CANONICAL_FER2013 = {0: 5, 1: 2, 2: 1, 3: 3, 4: 4, 5: 0, 6: 6}

# ExpW `label.lst` expression codes: the same table as the FER2013 CSV.
NATIVE_EXPW = NATIVE_FER2013
TO_CANONICAL_EXPW = dict(TO_CANONICAL_FER2013)

# FER2013 folder release (`train/<class>/`, `test/<class>/`): mapped by folder name.
NATIVE_FER2013_FOLDERS = (('angry', 'Angry'), ('disgust', 'Disgust'), ('fear', 'Fear'),
                          ('happy', 'Happy'), ('neutral', 'Neutral'), ('sad', 'Sad'),
                          ('surprise', 'Surprise'))
TO_CANONICAL_FER2013_FOLDERS = {
    'angry': 5, 'disgust': 2, 'fear': 1, 'happy': 3, 'neutral': 6, 'sad': 4, 'surprise': 0
}

# Lower-case spellings (full words, adjectives, and the two-letter codes used in file names by
# JAFFE/KDEF/RAF-DB papers) -> canonical name.
SYNONYMS = {
    'surprise': 'Surprise', 'surprised': 'Surprise', 'su': 'Surprise',
    'fear': 'Fear', 'fearful': 'Fear', 'afraid': 'Fear', 'scared': 'Fear', 'fe': 'Fear',
    'af': 'Fear',
    'disgust': 'Disgust', 'disgusted': 'Disgust', 'di': 'Disgust',
    'happiness': 'Happiness', 'happy': 'Happiness', 'joy': 'Happiness', 'ha': 'Happiness',
    'sadness': 'Sadness', 'sad': 'Sadness', 'sa': 'Sadness',
    'anger': 'Anger', 'angry': 'Anger', 'an': 'Anger',
    'neutral': 'Neutral', 'ne': 'Neutral',
    'contempt': 'Contempt', 'co': 'Contempt',
}


def canonical_from_name(name: str) -> int:
    """Canonical id of a class name, through :data:`SYNONYMS`.

    Matching ignores case and surrounding whitespace. Contempt gives 7, which only 8-class
    label spaces (:data:`CANONICAL_8`) contain.

    Args:
        name: a class name such as ``'Angry'``, ``'happiness'`` or ``'SU'``.

    Returns:
        int: the index of the name in :data:`CANONICAL_8`.

    Raises:
        ValueError: if the name is not in the synonyms table; the message lists the known names.

    Example:
        >>> canonical_from_name('Surprised'), canonical_from_name('contempt')
        (0, 7)
    """
    if not isinstance(name, str):
        raise TypeError(f'name must be a str, got {type(name).__name__}: {name!r}')
    key = name.strip().lower()
    if key not in SYNONYMS:
        raise ValueError(f'unknown expression name {name!r}; known names (case-insensitive): '
                         f'{sorted(SYNONYMS)}')
    return CANONICAL_8.index(SYNONYMS[key])


# ---------------------------------------------------------------------------------------------
# Tables of the readers added with datasets.md §3 (AffectNet ... generic lists). Each map
# covers exactly the codes its dataset declares; codes a reader skips are listed apart.

# AffectNet `expression` column (training.csv / validation.csv). Contempt (7) exists only in
# 8-class label spaces; 8 None, 9 Uncertain and 10 Non-Face are skipped and counted.
NATIVE_AFFECTNET = ((0, 'Neutral'), (1, 'Happy'), (2, 'Sad'), (3, 'Surprise'), (4, 'Fear'),
                    (5, 'Disgust'), (6, 'Anger'), (7, 'Contempt'))
TO_CANONICAL_AFFECTNET = {0: 6, 1: 3, 2: 4, 3: 0, 4: 1, 5: 2, 6: 5, 7: 7}
AFFECTNET_SKIPPED_CODES = {8: 'None', 9: 'Uncertain', 10: 'Non-Face'}

# LDL CSVs (label-distribution-learning-fer reference): AffectNet order, 7 classes.
NATIVE_LDL = NATIVE_AFFECTNET[:7]
TO_CANONICAL_LDL = {code: TO_CANONICAL_AFFECTNET[code] for code, _ in NATIVE_LDL}

# FER+ `fer2013new.csv`: the 8 emotion vote columns in file order (then `unknown`, `NF`).
NATIVE_FERPLUS = (('neutral', 'Neutral'), ('happiness', 'Happiness'), ('surprise', 'Surprise'),
                  ('sadness', 'Sadness'), ('anger', 'Anger'), ('disgust', 'Disgust'),
                  ('fear', 'Fear'), ('contempt', 'Contempt'))
TO_CANONICAL_FERPLUS = {
    'neutral': 6, 'happiness': 3, 'surprise': 0, 'sadness': 4, 'anger': 5, 'disgust': 2,
    'fear': 1, 'contempt': 7
}
FERPLUS_NON_EMOTION_COLUMNS = ('unknown', 'NF')

# AFE (Asian Facial Expression), CluP release: `annos/TrainTest/{Train,Test}.csv` last column.
NATIVE_AFE_CLUP = ((0, 'Anger'), (1, 'Disgust'), (2, 'Fear'), (3, 'Happiness'), (4, 'Neutral'),
                   (5, 'Sadness'), (6, 'Surprise'))
TO_CANONICAL_AFE_CLUP = {0: 5, 1: 2, 2: 1, 3: 3, 4: 6, 5: 4, 6: 0}

# AFE, CD-FER release (`list/{train,val}_list.txt` last column); other codes are skipped.
NATIVE_AFE_CDFER = ((3, 'Surprise'), (6, 'Fear'), (5, 'Disgust'), (1, 'Happiness'),
                    (4, 'Sadness'), (9, 'Anger'), (0, 'Neutral'))
TO_CANONICAL_AFE_CDFER = {3: 0, 6: 1, 5: 2, 1: 3, 4: 4, 9: 5, 0: 6}

# CK+ `Emotion/.../*_emotion.txt` codes. Contempt (2) exists only in 8-class label spaces.
NATIVE_CKPLUS = ((0, 'Neutral'), (1, 'Anger'), (2, 'Contempt'), (3, 'Disgust'), (4, 'Fear'),
                 (5, 'Happy'), (6, 'Sadness'), (7, 'Surprise'))
TO_CANONICAL_CKPLUS = {0: 6, 1: 5, 2: 7, 3: 2, 4: 1, 5: 3, 6: 4, 7: 0}

# CK+, CD-FER layout: class folders of `CK+_Emotion/{Train,Val}/...`, through SYNONYMS.
NATIVE_CKPLUS_CDFER = (('Surprised', 'Surprised'), ('Fear', 'Fear'), ('Disgust', 'Disgust'),
                       ('Happy', 'Happy'), ('Sad', 'Sad'), ('Anger', 'Anger'),
                       ('Neutral', 'Neutral'))
TO_CANONICAL_CKPLUS_CDFER = {
    'Surprised': 0, 'Fear': 1, 'Disgust': 2, 'Happy': 3, 'Sad': 4, 'Anger': 5, 'Neutral': 6
}

# JAFFE file names `KA.AN1.39.tiff`: the two-letter expression code.
NATIVE_JAFFE = (('SU', 'Surprise'), ('FE', 'Fear'), ('DI', 'Disgust'), ('HA', 'Happiness'),
                ('SA', 'Sadness'), ('AN', 'Anger'), ('NE', 'Neutral'))
TO_CANONICAL_JAFFE = {'SU': 0, 'FE': 1, 'DI': 2, 'HA': 3, 'SA': 4, 'AN': 5, 'NE': 6}

# KDEF file names `AF01ANS.JPG`: the expression code (AF = afraid, where JAFFE has FE).
NATIVE_KDEF = (('SU', 'Surprise'), ('AF', 'Fear'), ('DI', 'Disgust'), ('HA', 'Happiness'),
               ('SA', 'Sadness'), ('AN', 'Anger'), ('NE', 'Neutral'))
TO_CANONICAL_KDEF = {'SU': 0, 'AF': 1, 'DI': 2, 'HA': 3, 'SA': 4, 'AN': 5, 'NE': 6}

# CD-FER's MMI list (its MMItoLabel): no Neutral. NOT for CD-FER's Oulu-CASIA list, whose labels
# are canonical already (0 Surprise ... 5 Anger; OuluCasiaReader(layout='cdfer')).
NATIVE_CDFER_6CLASS = ((0, 'Anger'), (1, 'Disgust'), (2, 'Fear'), (3, 'Happiness'),
                       (4, 'Sadness'), (5, 'Surprise'))
TO_CANONICAL_CDFER_6CLASS = {0: 5, 1: 2, 2: 1, 3: 3, 4: 4, 5: 0}

# Oulu-CASIA expression folders (to confirm), through SYNONYMS; six classes, no Neutral.
NATIVE_OULU_CASIA = (('Anger', 'Anger'), ('Disgust', 'Disgust'), ('Fear', 'Fear'),
                     ('Happiness', 'Happiness'), ('Sadness', 'Sadness'), ('Surprise', 'Surprise'))
TO_CANONICAL_OULU_CASIA = {
    'Anger': 5, 'Disgust': 2, 'Fear': 1, 'Happiness': 3, 'Sadness': 4, 'Surprise': 0
}

# SFEW 2.0 class folders (official names; CD-FER's spellings resolve through SYNONYMS).
NATIVE_SFEW = (('Angry', 'Angry'), ('Disgust', 'Disgust'), ('Fear', 'Fear'), ('Happy', 'Happy'),
               ('Neutral', 'Neutral'), ('Sad', 'Sad'), ('Surprise', 'Surprise'))
TO_CANONICAL_SFEW = {
    'Angry': 5, 'Disgust': 2, 'Fear': 1, 'Happy': 3, 'Neutral': 6, 'Sad': 4, 'Surprise': 0
}


def label_table(name: str) -> dict:
    """The ``TO_CANONICAL_<NAME>`` map of this module, by name (case-insensitive).

    Lets configs name a table (``label_map='cdfer_6class'``) instead of renumbering by hand.

    Raises:
        ValueError: if no such table exists; the message lists the known names.

    Example:
        >>> label_table('cdfer_6class')[0]
        5
    """
    tables = {key[len('TO_CANONICAL_'):].lower(): value for key, value in globals().items()
              if key.startswith('TO_CANONICAL_')}
    key = str(name).strip().lower()
    if key not in tables:
        raise ValueError(f'unknown label table {name!r}; known tables: {sorted(tables)}')
    return dict(tables[key])
