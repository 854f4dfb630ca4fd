# The SynFER benchmark matrix (docs/results.md §5): source-free methods x {lab -> wild,
# lab -> lowres} x 3 SynFER generator seeds, one training seed each, on the fast demo's
# slim network (configs/_base_/models/resnet10-half.py; the recipes of the ResNet-18 demo):
#     ferda benchmark configs/benchmarks/synfer.py
# Not a run config: `ferda benchmark` reads it and runs `ferda pipeline` per cell. Every
# cell starts from the same slim source-only model of its (data seed, seed), trained once
# and shared, and tabled as its own row. The ResNet-18 matrix is synfer_resnet18.py.
data_seeds = [0, 7, 13]
seeds = [0]
synth = dict(per_class=400, subjects=60)
methods = dict(
    eercl=dict(
        wild='configs/demo/eercl_resnet10-half-linear-wn_1xb16-200it_synfer-lab-to-wild.py',
        lowres='configs/demo/eercl_resnet10-half-linear-wn_1xb16-200it_synfer-lab-to-lowres.py'),
    clup=dict(
        wild='configs/demo/clup_resnet10-half_1xb32-source-init-20e_synfer-lab-to-wild.py',
        lowres='configs/demo/clup_resnet10-half_1xb32-source-init-20e_synfer-lab-to-lowres.py'),
)
flags = []
stage_options = {}
results = dict(group_by='method,source,target,dataset', metrics='accuracy',
               datasets='wild_test,lowres_test', selection=True)
