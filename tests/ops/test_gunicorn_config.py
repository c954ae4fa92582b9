"""deploy/gunicorn.conf.py: a gunicorn worker with the production settings file still serves pages, signs in and
answers /healthz, and froze what it built at start (its full garbage collections no longer walk the app)."""
import os
import re
import shutil
import subprocess
import sys
import urllib.request

from tests.imports.worker_process import ROOT, wait_for
from tests.ops.test_run_script import _free_port


def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except OSError:
        return None


def test_a_worker_with_the_settings_file_serves_and_froze_the_app(sqlite_template, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copyfile(sqlite_template.path, instance / "imr.sqlite3")
    port = _free_port()
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    out = open(tmp_path / "web.log", "wb")
    proc = subprocess.Popen([gunicorn, "--config", "deploy/gunicorn.conf.py", "--workers", "1", "--bind",
                             f"127.0.0.1:{port}", "app:create_app()"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                            env={**os.environ, "IMR_ENV": "development", "IMR_INSTANCE_PATH": str(instance)})
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _status(f"{base}/healthz") == 200, 120, what="the worker to answer")
        for _ in range(3):  # pages after the freeze, as before it
            assert _status(f"{base}/sign-in") == 200
            assert _status(f"{base}/healthz") == 200
    finally:
        proc.terminate()
        proc.wait(30)
        out.close()
    log = (tmp_path / "web.log").read_text()
    frozen = re.search(r"froze (\d+) objects built at start", log)
    assert frozen and int(frozen.group(1)) > 10_000, log  # the app's objects, not an empty freeze
    assert "Traceback" not in log, log
