# Oulu-CASIA as CD-FER-Benchmark ships it: Oulu-CASIA/list/list.txt, whose labels are canonical
# already (0 Surprise ... 5 Anger; datasets.md §3), so no label map: OuluCasiaReader(layout='cdfer')
# reads them as they are (the MMI table `cdfer_6class` would swap four of the six classes). Six
# classes, no Neutral. CD-FER uses the whole list as the target and as its test set, so train,
# val and test are all of it: selecting the checkpoint on it uses test labels (an oracle choice,
# source-only.md §2.7). data_root is the copy's Oulu-CASIA/ folder.
_base_ = ['./recipeA_160px.py']
_data_root = 'data/oulu_casia_cdfer'
_reader = dict(type='OuluCasiaReader', data_root=_data_root, layout='cdfer', split='all')

train_dataloader = dict(dataset=dict(reader=_reader))
val_dataloader = dict(dataset=dict(reader=_reader))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='oulu_casia_cdfer_val')
test_evaluator = val_evaluator
_test = dict(_base_.val_dataloader,
             dataset=dict(_base_.val_dataloader.dataset, reader=_reader))
val_cfg = dict(extra_dataloaders=dict(oulu_casia_cdfer_test=_test))
test_cfg = val_cfg
