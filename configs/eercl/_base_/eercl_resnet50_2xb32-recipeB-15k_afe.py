# EERCL on real data from the AFE source model: the source stage (recipe B, configs/eercl/
# source_resnet50-bottleneck_1xb128-recipeB-20k_afe.py) and, evaluated beside the target's
# splits, the AFE test list (labels used for reporting only). A target config inherits
# its dataset base and this file.
_base_ = ['./eercl_resnet50_2xb32-recipeB-15k.py']
pipeline = [dict(name='source', config='configs/eercl/source_resnet50-bottleneck_1xb128-'
                 'recipeB-20k_afe.py', checkpoint='best', into='model.source_checkpoint')]
_eercl_source_test = dict(afe_test=dict(_base_._eercl_test_loader, dataset=dict(
    _base_._eercl_test_loader.dataset,
    reader=dict(type='AfeReader', data_root='data/afe', release='clup',
                val_split_file='data/splits/afe_val_seed0.txt', split='test'))))
