# The ResNet-18 SynFER benchmark matrix (docs/results.md §5; the tabled one, on the fast
# demo's slim network, is synfer.py): source-free methods x {lab -> wild,
# lab -> lowres} x 3 SynFER generator seeds, one training seed each, on CPU-sized configs.
#     ferda benchmark configs/benchmarks/synfer_resnet18.py
# Not a run config: `ferda benchmark` reads it and runs `ferda pipeline` per cell. The source
# models of each (data seed, seed) are trained once and shared (EERCL's bottleneck source by
# the EERCL cells, the source-only model by the CluP cells); they are tabled too.
data_seeds = [0, 7, 13]
seeds = [0]
synth = dict(per_class=400, subjects=60)
methods = dict(
    eercl=dict(
        wild='configs/eercl/eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py',
        lowres='configs/eercl/eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-lowres.py'),
    clup=dict(
        wild='configs/clup/clup_resnet18_1xb32-source-init-30e_synfer-lab-to-wild.py'),
)
flags = []
stage_options = {}
results = dict(group_by='method,source,target,dataset', metrics='accuracy,mca,macro_f1',
               datasets='wild_test,lowres_test', selection=True)
