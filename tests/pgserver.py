"""A throwaway PostgreSQL server on loopback for one test run (initdb refuses root: run as postgres)."""
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass


@dataclass
class Server:
    url: str
    data_dir: str
    pg_ctl: list

    def stop(self):
        subprocess.run(self.pg_ctl + ["-D", self.data_dir, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(os.path.dirname(self.data_dir), ignore_errors=True)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start() -> Server:
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        raise RuntimeError("PostgreSQL is not installed: run `make test`, which installs it, "
                           "or set TEST_POSTGRES_URL to a server you own.")
    pgbin = bins[-1]
    base = tempfile.mkdtemp(prefix="imr-pg-")
    as_user = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(base, "data")
    subprocess.run(as_user + [f"{pgbin}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"],
                   check=True, capture_output=True)
    port = _free_port()
    # Durability is pointless for a throwaway server; turning it off makes the suite much faster.
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off -c synchronous_commit=off "
               f"-c full_page_writes=off -c max_connections=200")
    pg_ctl = as_user + [f"{pgbin}/pg_ctl"]
    subprocess.run(pg_ctl + ["-D", data, "-o", options, "-l", os.path.join(base, "log"), "-w", "start"],
                   check=True, capture_output=True)
    return Server(url=f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", data_dir=data, pg_ctl=pg_ctl)
