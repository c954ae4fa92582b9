"""Signed-in people reading dashboards while something else runs; how long their requests waited.

    with busy_dashboards(url, program_id, team_id, readers="people") as watch:
        ...  # the import
    watch.summary(start, end)  # longest request overlapping [start, end], how many took over 1 s

The app is served by werkzeug's threaded server in a process of its own on 127.0.0.1 (a free port), on the
same database; the clients run in another process. Two kinds of readers:
- "people" (what a server sees): PEOPLE signed-in people, managers on the program and team dashboards and the
  engagement API and trainers on the state overview, each reading a page for 0.5-1.5x THINK seconds before
  the next and arriving spread over one think time (as bench/load_bench.py's people do);
- "hammer" (the worst case): one thread per page requesting in a loop without pause, so the server always
  has four requests at once and each waits for the others' CPU as well as for the import's.
Used by bench/import_bench.py (see its docstring); run as `python bench/busy_dashboards.py serve URL PORT` or
`... load PORT PATHS-JSON READERS`.
"""
import http.cookiejar
import json
import os
import random
os.environ.setdefault("IMR_ENV", "development")  # main refuses to start without it; a bench is not production
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("IMR_ENV", "development")  # the app refuses to start without one; a bench is a development run
MANAGER, TRAINER, PASSWORD = "manager@bench.example", "trainer@bench.example", "bench-password-1"
APP_NAME = "imr-bench-dashboards"  # the server's connections, told apart in pg_stat_activity
WINDOW = "from=2023-10-01&to=2024-09-30"  # a year inside the bench workbook's sessions (2020-2024)
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


PEOPLE, THINK = 20, 5.0  # 20 people reading a page for ~5 s: about 4 requests a second
TARGET = 1.0  # issue 11: no page or API request waits more than 1 s while an import commits


def pages(program_id, team_id):
    """[(who, path)]: a hammer thread each; people pick among their role's pages."""
    return [(MANAGER, f"/dashboards/programs/{program_id}?{WINDOW}"),
            (MANAGER, f"/dashboards/teams/{team_id}?{WINDOW}"),
            (MANAGER, f"/api/v1/programs/{program_id}/engagement?{WINDOW}"),
            (TRAINER, f"/dashboards/state?{WINDOW}")]


class Watch:
    def __init__(self):
        self.requests = []  # (wall-clock start, seconds, path, HTTP status)
        self.lock_waits = []  # (wall-clock time sampled, seconds the longest-waiting dashboard query had been
        #                          running while it waited for a lock, or None: none waited)

    def summary(self, start, end):
        """(longest request overlapping [start, end], how many of those took over TARGET, how many, errors)."""
        during = [r for r in self.requests if r[0] <= end and r[0] + r[1] >= start]
        longest = max((r[1] for r in during), default=0.0)
        return longest, sum(r[1] > TARGET for r in during), len(during), sum(r[3] != 200 for r in self.requests)

    def medians(self, start, end):
        """(median request overlapping [start, end], median of the others): on a shared machine, the ratio of
        the two says what the write costs the readers when absolute times say mostly how busy the machine is."""
        during = sorted(r[1] for r in self.requests if r[0] <= end and r[0] + r[1] >= start)
        other = sorted(r[1] for r in self.requests if not (r[0] <= end and r[0] + r[1] >= start))
        return tuple(times[len(times) // 2] if times else 0.0 for times in (during, other))

    def by_page(self, start, end):
        """{path without query: (longest overlapping [start, end], longest of the others)}: what is slow anyway."""
        pages = {}
        for began, seconds, path, _ in self.requests:
            during, other = pages.setdefault(path.split("?")[0], (0.0, 0.0))
            overlaps = began <= end and began + seconds >= start
            pages[path.split("?")[0]] = (max(during, seconds), other) if overlaps else (during, max(other, seconds))
        return pages

    def longest_lock_wait(self, start, end):
        """Longest a dashboard query was seen waiting for a lock in [start, end] (sampled every 20 ms)."""
        return max((waited or 0.0 for seen, waited in self.lock_waits if start <= seen <= end), default=0.0)

    def lock_wait_samples(self, start, end):
        """(samples in [start, end] that found a dashboard query waiting for a lock, samples taken)."""
        return (sum(start <= seen <= end and waited is not None for seen, waited in self.lock_waits),
                sum(start <= seen <= end for seen, _ in self.lock_waits))


def _watch_locks(url, watch, stop):
    """Sample the server's queries waiting on a lock: CPU contention slows requests too, this is the locks."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        while not stop.wait(0.02):
            waited = conn.execute(text(
                "SELECT extract(epoch FROM max(clock_timestamp() - state_change)) FROM pg_stat_activity "
                "WHERE application_name = :name AND wait_event_type = 'Lock'"), {"name": APP_NAME}).scalar()
            conn.rollback()
            watch.lock_waits.append((time.time(), None if waited is None else float(waited)))
    engine.dispose()


@contextmanager
def busy_dashboards(url, program_id, team_id, readers="people"):
    """Serve the app on `url` and keep the readers ("people" or "hammer") reading until the block ends; yields
    a Watch."""
    port = _free_port()
    script = os.path.abspath(__file__)
    server = subprocess.Popen([sys.executable, script, "serve", url, str(port)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    watch, load, stop = Watch(), None, threading.Event()
    sampler = threading.Thread(target=_watch_locks, args=(url, watch, stop))
    try:
        assert server.stdout.readline().startswith("SERVING"), "the bench server did not start"
        load = subprocess.Popen([sys.executable, script, "load", str(port), json.dumps(pages(program_id, team_id)),
                                 readers],
                                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert load.stdout.readline().startswith("READING"), "the bench clients could not sign in"
        sampler.start()
        yield watch
        load.stdin.close()  # the clients finish their requests and report them
        watch.requests = json.loads(load.stdout.read())
    finally:
        stop.set()
        if sampler.is_alive():
            sampler.join()
        for process in (load, server):
            if process and process.poll() is None:
                process.terminate()
                process.wait(30)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url, port):
    from werkzeug.serving import make_server
    from app import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "SQLALCHEMY_ENGINE_OPTIONS": {
        "pool_size": 8, "connect_args": {"application_name": APP_NAME}}})
    server = make_server("127.0.0.1", int(port), app, threaded=True)
    print("SERVING", flush=True)
    server.serve_forever()


def _signed_in(base, email):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    token = _TOKEN.search(opener.open(f"{base}/sign-in").read().decode()).group(1)
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
    if opener.open(f"{base}/sign-in", data).geturl().endswith("/sign-in"):
        raise SystemExit(f"{email} could not sign in")
    return opener


def load(port, paths, readers="people"):
    """Read the (who, path) pages as `readers` until stdin closes; prints the timings."""
    base, stop, results = f"http://127.0.0.1:{port}", threading.Event(), []

    def get(opener, path, kept=results):
        began, started = time.time(), time.perf_counter()
        try:
            with opener.open(base + path, timeout=120) as response:
                response.read()
                status = response.status if response.geturl() == base + path else "redirected"
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError as error:  # a refused or dropped connection counts, and the reader goes on
            status = type(error).__name__
        kept.append((began, time.perf_counter() - started, path, status))

    def hammer(opener, path):
        while not stop.is_set():
            get(opener, path)

    def person(opener, choices):
        if not stop.wait(THINK * random.uniform(0, 1)):  # people arrive spread over one think time
            while True:
                get(opener, random.choice(choices))
                if stop.wait(THINK * random.uniform(0.5, 1.5)):
                    break
    paths = json.loads(paths)
    openers = {who: _signed_in(base, who) for who in {who for who, _ in paths}}  # each role's people share one
    for who, path in paths:  # warm up, unmeasured: a server's first pages compile templates and import Plotly
        get(openers[who], path, [])
    if readers == "hammer":
        threads = [threading.Thread(target=hammer, args=(openers[who], path)) for who, path in paths]
    else:
        by_role = {who: [path for w, path in paths if w == who] for who in openers}
        roles = [who for who, _ in paths]  # people per role in proportion to its pages: 3 managers to a trainer
        threads = [threading.Thread(target=person, args=(openers[who], by_role[who]))
                   for who in (roles[n % len(roles)] for n in range(PEOPLE))]
    for thread in threads:
        thread.start()
    print("READING", flush=True)
    sys.stdin.read()
    stop.set()
    for thread in threads:
        thread.join()
    print(json.dumps(results))


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    {"serve": serve, "load": load}[sys.argv[1]](*sys.argv[2:])
