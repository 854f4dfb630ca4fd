import pytest
import torch
from torch import nn
from torch.testing import assert_close

from basicda.models.class_permutation import class_permutation, permute_head
from basicda.models.heads import BottleneckWNHead, LinearClsHead, MLPClsHead

ALPHABETICAL = ['Anger', 'Disgust', 'Fear', 'Happiness', 'Neutral', 'Sadness', 'Surprise']
CANONICAL = ['Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral']


def test_alphabetical_to_canonical_spec_value():
    perm = class_permutation(ALPHABETICAL, CANONICAL)
    assert perm.dtype == torch.long
    assert_close(perm, torch.tensor([6, 2, 1, 3, 5, 0, 4]))
    # canonical row k is alphabetical row perm[k]
    assert [ALPHABETICAL[i] for i in perm] == CANONICAL


def test_identity_and_inverse():
    assert_close(class_permutation(CANONICAL, CANONICAL), torch.arange(7))
    forward = class_permutation(ALPHABETICAL, CANONICAL)
    backward = class_permutation(CANONICAL, ALPHABETICAL)
    assert_close(forward[backward], torch.arange(7))


def test_class_permutation_errors():
    with pytest.raises(ValueError, match=r"only in src: \['Contempt'\]"):
        class_permutation(ALPHABETICAL + ['Contempt'], CANONICAL)
    with pytest.raises(ValueError, match=r"duplicate class names \['Fear'\]"):
        class_permutation(['Fear', 'Fear'], ['Fear', 'Fear'])


@pytest.mark.parametrize('make_head', [lambda: LinearClsHead(16, 7),
                                       lambda: LinearClsHead(16, 7, weight_norm=True),
                                       lambda: BottleneckWNHead(16, 7, bottleneck_dim=8),
                                       lambda: MLPClsHead(16, 7, hidden_dim=8)])
def test_permuted_head_gives_permuted_logits(make_head):
    torch.manual_seed(0)
    model = nn.Module()
    model.head = make_head()
    with torch.no_grad():
        model.head.fc.bias.normal_()
    model.eval()
    feats = torch.randn(5, 16)
    alphabetical_logits = model.head(feats)  # (5, 7), columns in alphabetical order

    perm = class_permutation(ALPHABETICAL, CANONICAL)
    state = model.state_dict()
    permuted = permute_head(state, perm)
    assert_close(state['head.fc.bias'], model.head.fc.bias)  # input untouched
    model.load_state_dict(permuted)
    assert_close(model.head(feats), alphabetical_logits[:, perm])


def test_permute_head_custom_keys_and_errors():
    state = {'classifier.weight': torch.arange(6.).view(3, 2), 'classifier.bias': torch.arange(3.),
             'other': torch.ones(3)}
    out = permute_head(state, torch.tensor([2, 0, 1]),
                       keys=('classifier.weight', 'classifier.bias'))
    assert_close(out['classifier.bias'], torch.tensor([2., 0., 1.]))
    assert_close(out['classifier.weight'], torch.tensor([[4., 5.], [0., 1.], [2., 3.]]))
    assert out['other'] is state['other']
    with pytest.raises(ValueError, match=r'\[0, 0, 1\]'):
        permute_head(state, torch.tensor([0, 0, 1]), keys=('classifier.bias', ))
    with pytest.raises(ValueError, match='none of the classifier keys'):
        permute_head(state, torch.tensor([2, 0, 1]))
    with pytest.raises(ValueError, match=r'classifier.weight has shape \(3, 2\)'):
        permute_head(state, torch.tensor([1, 0]), keys=('classifier.weight', ))
