"""`make run` (scripts/run.sh): three processes in one terminal, lines prefixed by process, Ctrl-C stops all."""
import os
import shutil
import signal
import subprocess
import sys
import urllib.request

from tests.factories import make_agency
from tests.imports.worker_process import ROOT, wait_for
from extensions import db
from tests.conftest import make_app

PREFIXES = ("web       | ", "worker    | ", "scheduler | ")


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_prefixes_each_process_and_ctrl_c_stops_all_three(sqlite_template, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copyfile(sqlite_template.path, instance / "imr.sqlite3")
    app = make_app(f"sqlite:///{instance / 'imr.sqlite3'}")
    with app.app_context():  # not empty, so the script skips loading the demo state
        make_agency("RUN")
        db.session.commit()
        db.engine.dispose()
    port = _free_port()
    venv = os.path.dirname(os.path.dirname(sys.executable))
    out = open(tmp_path / "run.log", "wb")
    # A session of its own, so that the Ctrl-C below reaches the script's whole process group as a terminal's
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True,
                            env={**os.environ, "VENV": venv, "IMR_INSTANCE_PATH": str(instance), "PORT": str(port),
                                 "HEARTBEAT_SECONDS": "0.5"})
    log = lambda: (tmp_path / "run.log").read_text()  # noqa: E731
    try:
        wait_for(lambda: all(p in log() for p in PREFIXES) and "Running on" in log(), 60,
                 what="the three processes to start")

        def healthy():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    return response.status == 200
            except OSError:
                return False
        assert wait_for(healthy, 30, what="the web server to answer")
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
        proc.wait(30)

        def still_running():
            listed = subprocess.run(["ps", "-o", "stat=,args=", "-s", str(proc.pid)], capture_output=True, text=True)
            return [line for line in listed.stdout.splitlines() if not line.lstrip().startswith("Z")]  # not reaped yet
        # The output prefixers end when their pipes close, a moment after the script: allow them a few seconds.
        try:
            wait_for(lambda: not still_running(), 10, what="every process of `make run` to end")
        except AssertionError:
            assert still_running() == [], log()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        out.close()
    text = log()
    assert "worker    | Import worker stopped." in text and "scheduler | Scheduler stopped." in text, text
    assert "web       | " in text and "GET /healthz 200" in text
