"""basicda.engine.dist.exit_worker: a finished distributed worker ends with os._exit
(no interpreter finalisation, see its docstring), but only after its log file and its
standard streams are flushed, and with the status asked for."""
import subprocess
import sys
import textwrap

from tests.conftest import REPO


def test_exit_worker_flushes_then_exits_with_the_status(tmp_path):
    log = tmp_path / 'train.log'
    script = textwrap.dedent(f"""
        import atexit, logging, sys
        from basicda.engine.dist import exit_worker
        handler = logging.FileHandler({str(log)!r})
        logger = logging.getLogger('worker')
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.info('last log line')
        atexit.register(lambda: print('finalisation ran'))
        sys.stdout.write('buffered stdout, no newline')
        sys.stderr.write('buffered stderr')
        exit_worker(3)
        print('after exit_worker')
    """)
    proc = subprocess.run([sys.executable, '-c', script], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 3
    assert proc.stdout == 'buffered stdout, no newline'  # flushed; atexit never ran
    assert proc.stderr.endswith('buffered stderr')
    assert log.read_text() == 'last log line\n'
