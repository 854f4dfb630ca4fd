import pytest

from ferda.datasets import labels as L

# (native table, map, the row of docs/datasets.md §1 written out)
TABLES = {
    'rafdb': (L.NATIVE_RAFDB, L.TO_CANONICAL_RAFDB, {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6}),
    'fer2013': (L.NATIVE_FER2013, L.TO_CANONICAL_FER2013,
                {0: 5, 1: 2, 2: 1, 3: 3, 4: 4, 5: 0, 6: 6}),
    'expw': (L.NATIVE_EXPW, L.TO_CANONICAL_EXPW, {0: 5, 1: 2, 2: 1, 3: 3, 4: 4, 5: 0, 6: 6}),
    'fer2013_folders': (L.NATIVE_FER2013_FOLDERS, L.TO_CANONICAL_FER2013_FOLDERS,
                        {'angry': 5, 'disgust': 2, 'fear': 1, 'happy': 3, 'neutral': 6,
                         'sad': 4, 'surprise': 0}),
}


def test_canonical_order():
    assert L.CANONICAL_7 == ('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger',
                             'Neutral')
    assert L.CANONICAL_8 == L.CANONICAL_7 + ('Contempt', )


@pytest.mark.parametrize('name', sorted(TABLES))
def test_map_pinned_to_spec(name):
    _, to_canonical, spec = TABLES[name]
    assert to_canonical == spec


@pytest.mark.parametrize('name', sorted(TABLES))
def test_map_injective_and_covers_its_classes(name):
    native, to_canonical, _ = TABLES[name]
    assert set(to_canonical) == {code for code, _ in native}
    assert len(set(to_canonical.values())) == len(to_canonical)
    assert sorted(to_canonical.values()) == list(range(7))


@pytest.mark.parametrize('name', sorted(TABLES))
def test_map_agrees_with_synonyms(name):
    native, to_canonical, _ = TABLES[name]
    for code, class_name in native:
        assert L.canonical_from_name(class_name) == to_canonical[code], (code, class_name)


def test_fer2013_is_not_alphabetical():
    # The wrong README order would make 4 Neutral, 5 Sad, 6 Surprise.
    names = [L.CANONICAL_7[L.TO_CANONICAL_FER2013[c]] for c in (4, 5, 6)]
    assert names == ['Sadness', 'Surprise', 'Neutral']


def test_synonyms_point_at_canonical_names():
    assert set(L.SYNONYMS.values()) == set(L.CANONICAL_8)
    for key in L.SYNONYMS:
        assert key == key.lower().strip()
    for i, name in enumerate(L.CANONICAL_8):
        assert L.canonical_from_name(name) == i


def test_canonical_from_name_examples():
    assert L.canonical_from_name('Angry') == 5
    assert L.canonical_from_name('  happy\n') == 3
    assert L.canonical_from_name('SURPRISED') == 0
    assert L.canonical_from_name('af') == 1
    assert L.canonical_from_name('Contempt') == 7


def test_canonical_from_name_errors():
    with pytest.raises(ValueError, match=r"unknown expression name 'Bored'.*'anger'"):
        L.canonical_from_name('Bored')
    with pytest.raises(TypeError, match='must be a str'):
        L.canonical_from_name(3)
