"""The native -> canonical tables of the readers of docs/datasets.md §3, pinned to the table
of docs/datasets.md §1 written out by hand (the RAF-DB, FER2013 and ExpW tables are pinned in
test_labels.py)."""
import pytest

from ferda.datasets import labels as L

# name: (native table, map, the row of docs/datasets.md §1 written out, canonical ids it covers)
SEVEN = list(range(7))
TABLES = {
    'affectnet': (L.NATIVE_AFFECTNET, L.TO_CANONICAL_AFFECTNET,
                  {0: 6, 1: 3, 2: 4, 3: 0, 4: 1, 5: 2, 6: 5, 7: 7}, list(range(8))),
    'ldl': (L.NATIVE_LDL, L.TO_CANONICAL_LDL, {0: 6, 1: 3, 2: 4, 3: 0, 4: 1, 5: 2, 6: 5}, SEVEN),
    'ferplus': (L.NATIVE_FERPLUS, L.TO_CANONICAL_FERPLUS,
                {'neutral': 6, 'happiness': 3, 'surprise': 0, 'sadness': 4, 'anger': 5,
                 'disgust': 2, 'fear': 1, 'contempt': 7}, list(range(8))),
    'afe_clup': (L.NATIVE_AFE_CLUP, L.TO_CANONICAL_AFE_CLUP,
                 {0: 5, 1: 2, 2: 1, 3: 3, 4: 6, 5: 4, 6: 0}, SEVEN),
    'afe_cdfer': (L.NATIVE_AFE_CDFER, L.TO_CANONICAL_AFE_CDFER,
                  {3: 0, 6: 1, 5: 2, 1: 3, 4: 4, 9: 5, 0: 6}, SEVEN),
    'ckplus': (L.NATIVE_CKPLUS, L.TO_CANONICAL_CKPLUS,
               {0: 6, 1: 5, 2: 7, 3: 2, 4: 1, 5: 3, 6: 4, 7: 0}, list(range(8))),
    'ckplus_cdfer': (L.NATIVE_CKPLUS_CDFER, L.TO_CANONICAL_CKPLUS_CDFER,
                     {'Surprised': 0, 'Fear': 1, 'Disgust': 2, 'Happy': 3, 'Sad': 4,
                      'Anger': 5, 'Neutral': 6}, SEVEN),
    'jaffe': (L.NATIVE_JAFFE, L.TO_CANONICAL_JAFFE,
              {'SU': 0, 'FE': 1, 'DI': 2, 'HA': 3, 'SA': 4, 'AN': 5, 'NE': 6}, SEVEN),
    'kdef': (L.NATIVE_KDEF, L.TO_CANONICAL_KDEF,
             {'SU': 0, 'AF': 1, 'DI': 2, 'HA': 3, 'SA': 4, 'AN': 5, 'NE': 6}, SEVEN),
    'cdfer_6class': (L.NATIVE_CDFER_6CLASS, L.TO_CANONICAL_CDFER_6CLASS,
                     {0: 5, 1: 2, 2: 1, 3: 3, 4: 4, 5: 0}, list(range(6))),
    'oulu_casia': (L.NATIVE_OULU_CASIA, L.TO_CANONICAL_OULU_CASIA,
                   {'Anger': 5, 'Disgust': 2, 'Fear': 1, 'Happiness': 3, 'Sadness': 4,
                    'Surprise': 0}, list(range(6))),
    'sfew': (L.NATIVE_SFEW, L.TO_CANONICAL_SFEW,
             {'Angry': 5, 'Disgust': 2, 'Fear': 1, 'Happy': 3, 'Neutral': 6, 'Sad': 4,
              'Surprise': 0}, SEVEN),
}


@pytest.mark.parametrize('name', sorted(TABLES))
def test_map_pinned_to_spec(name):
    _, to_canonical, spec, _ = TABLES[name]
    assert to_canonical == spec


@pytest.mark.parametrize('name', sorted(TABLES))
def test_map_injective_and_covers_exactly_its_classes(name):
    native, to_canonical, _, covered = TABLES[name]
    assert [code for code, _ in native] == list(to_canonical)  # same codes, same order
    assert len(set(to_canonical.values())) == len(to_canonical)
    assert sorted(to_canonical.values()) == covered


@pytest.mark.parametrize('name', sorted(TABLES))
def test_map_agrees_with_synonyms(name):
    native, to_canonical, _, _ = TABLES[name]
    for code, class_name in native:
        assert L.canonical_from_name(class_name) == to_canonical[code], (code, class_name)


def test_skipped_codes_are_outside_the_maps():
    assert L.AFFECTNET_SKIPPED_CODES == {8: 'None', 9: 'Uncertain', 10: 'Non-Face'}
    assert not set(L.AFFECTNET_SKIPPED_CODES) & set(L.TO_CANONICAL_AFFECTNET)
    assert L.FERPLUS_NON_EMOTION_COLUMNS == ('unknown', 'NF')


def test_six_class_tables_have_no_neutral():
    for table in (L.TO_CANONICAL_CDFER_6CLASS, L.TO_CANONICAL_OULU_CASIA):
        assert 6 not in table.values()
        assert [L.CANONICAL_7[i] for i in sorted(table.values())] == [
            'Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger']


def test_label_table_by_name():
    assert L.label_table('CDFER_6class') == {0: 5, 1: 2, 2: 1, 3: 3, 4: 4, 5: 0}
    table = L.label_table('rafdb')
    table[1] = 99  # a copy: the module's table is untouched
    assert L.TO_CANONICAL_RAFDB[1] == 0
    with pytest.raises(ValueError, match=r"unknown label table 'mmi'; known tables: .*'sfew'"):
        L.label_table('mmi')
