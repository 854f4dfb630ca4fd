# EERCL on real data from the RAF-DB source model: the source stage (recipe B, configs/eercl/
# source_resnet50-bottleneck_1xb128-recipeB-20k_rafdb.py) and, evaluated beside the target's
# splits, the RAF-DB test list (labels used for reporting only). A target config inherits
# its dataset base and this file.
_base_ = ['./eercl_resnet50_2xb32-recipeB-15k.py']
pipeline = [dict(name='source', config='configs/eercl/source_resnet50-bottleneck_1xb128-'
                 'recipeB-20k_rafdb.py', checkpoint='best', into='model.source_checkpoint')]
_eercl_source_test = dict(rafdb_test=dict(_base_._eercl_test_loader, dataset=dict(
    _base_._eercl_test_loader.dataset,
    reader=dict(type='RafDbReader', data_root='data/rafdb',
                val_split_file='data/splits/rafdb_val_seed0.txt', split='test'))))
