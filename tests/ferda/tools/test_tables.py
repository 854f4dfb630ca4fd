from ferda.tools.demo import results_rows, write_table
from ferda.tools.test import metrics_table


def test_metrics_table_in_percent():
    table = metrics_table({'wild_test': {'accuracy': 0.5, 'mca': 0.25, 'macro_f1': 0.125}})
    assert '| wild_test | 50.00 | 25.00 | 12.50 |' in table


def test_demo_table_keeps_label_free_and_oracle_apart(tmp_path):
    runs = {'source-only': {'metrics': {'lab_test': {'accuracy': 0.95},
                                        'wild_test': {'accuracy': 0.6},
                                        'lowres_test': {'accuracy': 0.4}},
                            'oracle': {'wild_test': {'accuracy': 0.7}}}}
    text = write_table(results_rows(runs), str(tmp_path / 'r.md'))
    assert '| source-only | 95.0 | 60.0 | 40.0 | 70.0 | - |' in text
    assert 'wild_test (oracle)' in text
    assert (tmp_path / 'r.md').read_text() == text
