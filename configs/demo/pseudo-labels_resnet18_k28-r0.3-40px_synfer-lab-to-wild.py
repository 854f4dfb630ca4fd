# The fast demo's CluP pseudo-labels (`ferda demo --fast`): the SynFER lab -> wild pseudo-label
# config (K = 28, r = 0.3) on the 40 px source model of the fast demo, at 40 px.
_base_ = ['../clup/pseudo-labels_resnet18_k28-r0.3_synfer-lab-to-wild.py']
test_dataloader = dict(dataset=dict(
    pipeline=[dict(type='TVResize', size=(40, 40), antialias=True)]))
