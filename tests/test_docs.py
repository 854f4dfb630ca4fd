"""The repository documents itself: every path the README, docs/ and the experiment scripts
name exists, no file cites the design specs outside the repository, and every
``docs/<page>.md §N`` citation in code, configs and tests names a section that exists."""
import fnmatch
import glob
import itertools
import os
import os.path as osp
import re

import pytest

from tests.conftest import REPO

#: top-level folders whose paths the documents may name
PATH_ROOTS = ('configs', 'docs', 'ferda', 'basicda', 'experiments', 'tests')
#: folders never scanned (generated data, run folders, environments, caches; hidden folders too)
SKIP_DIRS = {'runs', 'work_dirs', 'build', 'dist', '__pycache__', 'venv', 'env', 'node_modules',
             'site-packages'}
SKIP_PATHS = {osp.join('data', 'synfer'), osp.join('data', 'cache')}
TEXT_SUFFIXES = ('.py', '.md', '.sh', '.txt', '.cfg', '.toml', '.ini', '.yml', '.yaml')
# built in two pieces so that this file does not cite what it forbids
SPECS = re.compile(r'\bspec' + r's/')
PATH = re.compile(r'(?<![\w./-])((?:%s)/[\w./*{},<>-]*)' % '|'.join(PATH_ROOTS))
BARE_PY = re.compile(r'`([\w.*{},-]+\.py)`')
LINK = re.compile(r'\]\(([^)\s#]+)(?:#[^)]*)?\)')
DOC_NAME = re.compile(r'(?:docs/)?\b([a-z][a-z0-9-]*)\.md\b')
SECTION = re.compile(r'(?:§\s*|section\s+)(\d+(?:\.\d+)*)(?:\s*-\s*(\d+(?:\.\d+)*))?')
HEADING = re.compile(r'^#{2,6}\s+(\d+(?:\.\d+)*)\.?\s')


def _text_files():
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith('.')
                         and not d.endswith('.egg-info')
                         and osp.relpath(osp.join(folder, d), REPO) not in SKIP_PATHS)
        for name in sorted(files):
            if name.endswith(TEXT_SUFFIXES):
                yield osp.join(folder, name)


def _documents():
    """README.md, docs/*.md and experiments/*.sh: the files a user reads to find paths."""
    return ([osp.join(REPO, 'README.md')] + sorted(glob.glob(osp.join(REPO, 'docs', '*.md'))) +
            sorted(glob.glob(osp.join(REPO, 'experiments', '*.sh'))))


def _expand_braces(pattern):
    """``a_{x,y}.py`` -> ``['a_x.py', 'a_y.py']`` (every brace group)."""
    parts = re.split(r'\{([^{}]*)\}', pattern)
    fixed, choices = parts[0::2], [p.split(',') for p in parts[1::2]]
    out = []
    for combo in itertools.product(*choices):
        out.append(''.join(f + c for f, c in zip(fixed, list(combo) + [''])))
    return out


def _is_template(name):
    """``{method}_{backbone}.py``: a naming rule (brace groups without a comma), not a path."""
    return any(',' not in group for group in re.findall(r'\{([^{}]*)\}', name))


def _missing_path(path):
    """None if ``path`` (repository-relative, maybe with braces, ``*`` or a ``<placeholder>``
    / ``...`` tail) names something that exists, else the part that does not."""
    path = path.rstrip('.,:;)')
    if _is_template(path):
        return None
    for marker in ('<', '...'):
        if marker in path:  # a placeholder: the folder before it must exist
            path = path[:path.index(marker)]
            path = path[:path.rfind('/') + 1] if not path.endswith('/') else path
    for candidate in _expand_braces(path):
        if not glob.glob(osp.join(REPO, candidate)):
            return candidate
    return None


def _repo_basenames():
    names = set()
    for path in _text_files():
        names.add(osp.basename(path))
    return names


def _sections(page):
    with open(osp.join(REPO, 'docs', page + '.md'), encoding='utf-8') as f:
        return {m.group(1) for m in map(HEADING.match, f) if m}


def _docs_pages():
    return sorted(osp.splitext(osp.basename(p))[0]
                  for p in glob.glob(osp.join(REPO, 'docs', '*.md')))


def _relative(path):
    return osp.relpath(path, REPO)


def test_no_file_cites_the_specs_outside_the_repository():
    found = []
    for path in _text_files():
        with open(path, encoding='utf-8', errors='replace') as f:
            for number, line in enumerate(f, 1):
                if SPECS.search(line):
                    found.append(f'{_relative(path)}:{number}: {line.strip()}')
    assert not found, 'cite docs/<page>.md instead of the specs outside the repository:\n' + \
        '\n'.join(found)


@pytest.mark.parametrize('document', _documents(), ids=_relative)
def test_every_named_repository_path_exists(document):
    names = _repo_basenames()
    problems = []
    with open(document, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            for path in PATH.findall(line):
                missing = _missing_path(path)
                if missing is not None:
                    problems.append(f'{number}: {path} ({missing} does not exist)')
            for name in BARE_PY.findall(line):
                if not _is_template(name) and not any(fnmatch.filter(names, n) for n in _expand_braces(name)):
                    problems.append(f'{number}: {name} (no such file in the repository)')
            if document.endswith('.md'):
                for link in LINK.findall(line):
                    if '://' in link or link.startswith('mailto:'):
                        continue
                    if not osp.exists(osp.join(osp.dirname(document), link)):
                        problems.append(f'{number}: link {link} does not exist')
    assert not problems, f'{_relative(document)} names paths that do not exist:\n' + \
        '\n'.join(problems)


def _citation_problems(line, sections):
    """The ``<page>.md §N`` citations of one line that name no section of ``docs/<page>.md``
    (``sections``: page -> set of section numbers), and ``docs/<page>.md`` names of pages that
    do not exist."""
    problems = []
    names = list(DOC_NAME.finditer(line))
    for i, name in enumerate(names):
        page = name.group(1)
        if page not in sections:
            if f'docs/{page}.md' in line:
                problems.append(f'docs/{page}.md does not exist')
            continue
        end = names[i + 1].start() if i + 1 < len(names) else len(line)
        for first, last in SECTION.findall(line[name.end():end]):
            for cited in filter(None, (first, last)):
                if cited not in sections[page]:
                    problems.append(f'{page}.md §{cited} is not a section of docs/{page}.md')
    return problems


def test_every_docs_section_citation_exists():
    sections = {page: _sections(page) for page in _docs_pages()}
    problems = []
    for path in _text_files():
        with open(path, encoding='utf-8', errors='replace') as f:
            for number, line in enumerate(f, 1):
                problems += [f'{_relative(path)}:{number}: {p}'
                             for p in _citation_problems(line, sections)]
    assert not problems, '\n'.join(problems)


def test_the_checks_catch_what_they_are_for(tmp_path):
    # the path check rejects a name that does not exist and accepts globs, braces, placeholders
    assert _missing_path('configs/clup/no_such_config.py') == 'configs/clup/no_such_config.py'
    assert _missing_path('configs/clup/swav_*.py') is None
    assert _missing_path('basicda/losses/{aad,relation}.py') is None
    assert _missing_path('basicda/losses/{aad,nothing}.py') == 'basicda/losses/nothing.py'
    assert _missing_path('configs/source_only/...') is None
    assert _missing_path('experiments/<method>.sh') is None
    # sections are read from the headings
    assert {'1', '2.6', '2.7', '4'} <= _sections('source-only')
    assert SECTION.findall('docs/clup.md §2.2-2.7 and §5') == [('2.2', '2.7'), ('5', '')]
    # the citation check names a section or page that does not exist, and only those
    sections = {'clup': {'2.2', '2.7', '5'}, 'eercl': {'6'}}
    assert _citation_problems('see ``docs/clup.md`` §2.2-2.7 and §5; eercl.md section 6',
                              sections) == []
    missing = 'no' + 'such'  # not spelt out, or this file would cite a missing page
    assert _citation_problems(f'docs/clup.md §2.8, docs/eercl.md §6 and docs/{missing}.md §1',
                              sections) == ['clup.md §2.8 is not a section of docs/clup.md',
                                            f'docs/{missing}.md does not exist']
    assert _is_template('{method}_{backbone}.py') and not _is_template('a_{x,y}.py')
