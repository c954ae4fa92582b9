"""First chart page of a session: how long a browser with an empty cache waits for the charts, and the same page
cached, for the program, team and state dashboards and a fidelity report and history.

    IMR_ENV=development .venv/bin/python bench/first_load_bench.py [--runs 5] [--workers 2]
        [--against CHECKOUT] [--pages program,report]

Builds the demo state in a throwaway SQLite file, serves it with gunicorn in production mode on 127.0.0.1 (as
README's "Running in production"), and drives Debian's headless Chromium (Playwright, as tests/browser): each
run opens a fresh browser context (empty cache), signs in, opens the dashboard (first load), then opens it again
(cached). Times come from the page itself (tests/browser/load_timing.py), in ms from the navigation's start.
--against serves another checkout of the project (e.g. a worktree of an older commit) on the same data beside
this one and measures both alternately, so a busy machine slows both alike; it prints their ratio.
Target (issue 16): the first chart page under 400 ms on loopback, the charts in view drawn ("visible"). Each
page says how many of its charts were in view at 1280x800: a page with none in view (the team and state
dashboards) is "visible" once Plotly has started; the program dashboard's first chart starts 36 px above the
fold, so its first load also waits for that chart's (cold) drawing. --pages times only the pages named.
"""
import argparse
import os
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.load_timing import INIT_JS, PHASES, load, phases  # noqa: E402

TARGET_MS = 400
WORKER_READY_JS = ("navigator.serviceWorker && navigator.serviceWorker.getRegistration()"
                   ".then(r => r && navigator.serviceWorker.ready.then(() => true))")
USER, PASSWORD = "trainer@demo.example", "imr-demo-2026"  # demo/plan.py; a trainer sees every dashboard
# The pages timed, by name; demo_database fills in the ids of the demo state's
PAGES = {"program": "/dashboards/programs/{program}", "team": "/dashboards/teams/{team}",
         "state": "/dashboards/state", "report": "/fidelity/assessments/{visit}/report",
         "history": "/fidelity/programs/{visited}/history"}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_database(workdir):
    """A SQLite file with the demo state (built by this checkout) and the pages to time: (path, {name: path})."""
    path = os.path.join(workdir, "imr.sqlite3")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "IMR_ENV": "development"}  # demo-data refuses production
    for command in (["init-db"], ["demo-data"]):
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", *command], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with sqlite3.connect(path) as conn:  # the program with most teams, and its first team
        program, = conn.execute("SELECT program_id FROM team GROUP BY program_id ORDER BY count(*) DESC, "
                                "program_id LIMIT 1").fetchone()
        team, = conn.execute("SELECT min(id) FROM team WHERE program_id = ?", (program,)).fetchone()
        visit, visited = conn.execute("SELECT id, program_id FROM assessment WHERE status = 'final' "
                                      "ORDER BY visit_date DESC, id LIMIT 1").fetchone()
    ids = {"program": program, "team": team, "visit": visit, "visited": visited}
    return path, {name: page.format(**ids) for name, page in PAGES.items()}


def start_server(checkout, database, workdir, workers):
    """gunicorn serving `checkout` on its own copy of `database` in production mode: (base URL, stop)."""
    name = os.path.basename(os.path.normpath(checkout))
    copy = os.path.join(workdir, f"{name}.sqlite3")
    shutil.copy(database, copy)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{copy}", "IMR_ENV": "production",
           "SECRET_KEY": secrets.token_hex(32), "IMR_INSTANCE_PATH": os.path.join(workdir, f"{name}-instance"),
           "REQUIRE_2FA": "false"}  # the trainer signs in without a second factor: it costs sign-in, not the page
    port = _free_port()
    log = open(os.path.join(workdir, f"{name}.log"), "w")
    web = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--workers", str(workers),
                            "--bind", f"127.0.0.1:{port}", "app:create_app()"], cwd=checkout, env=env, stdout=log,
                           stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/sign-in", timeout=5).close()
            break
        except OSError:
            time.sleep(0.2)

    def stop():
        web.terminate()
        web.wait(timeout=20)
        log.close()
    return base, stop


def measure(browser, base, path):
    """(first load, cached load) timings of one page in a fresh context: empty cache, a new sign-in."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(INIT_JS)
    try:
        page = context.new_page()
        page.goto(base + "/sign-in")
        page.fill("#email", USER)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        # A person opens a chart page seconds after signing in: by then the service worker the sign-in page
        # installed (static/js/plotly-worker.js) holds Plotly compiled; a checkout without one waits for nothing.
        page.evaluate(WORKER_READY_JS)
        return load(page, base + path), load(page, base + path)
    finally:
        context.close()


def run(browser, servers, pages, runs, workers):
    """{(server, page, load): [phases]}, the servers and pages taken in turn so drift hits all alike."""
    for _ in range(2 * workers):  # every worker has built its pages and the bundle once: a session, not a restart
        for base in servers.values():
            for path in pages.values():
                measure(browser, base, path)
    results, charts = {}, {}
    for _ in range(runs):
        for name, path in pages.items():
            for label, base in servers.items():
                first, cached = measure(browser, base, path)
                results.setdefault((label, name, "first"), []).append(phases(first))
                results.setdefault((label, name, "cached"), []).append(phases(cached))
                charts[name] = first["in_view"], first["charts"]
                if first["bundle_url"] and ("bundle", label) not in charts:
                    charts["bundle", label] = wire_size(first["bundle_url"])
    return results, charts


def wire_size(url):
    """The bundle's bytes as the server sends it to Chromium (a worker's copy reports its decoded size)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return len(response.read())


def servers_of(results):
    """The checkouts measured, in order."""
    return list(dict.fromkeys(label for label, _, _ in results))


def report(results, charts, args):
    print(f"first chart page of a session, medians of {args.runs} runs in ms from the navigation's start; gunicorn "
          f"{args.workers} workers, SQLite demo state, headless Chromium 1280x800, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("html: document received; paint: first contentful paint; bundle: Plotly's transfer; evaluate: Plotly "
          "starting (from the later of its arrival and its request); draw: Plotly ready to every chart drawn; "
          "visible: the charts in view drawn; total: every chart drawn")
    print(f"{'checkout':10} {'page':8} {'load':6} " + " ".join(f"{c:>8}" for c in PHASES) + "  target")
    medians = {key: {c: statistics.median(r[c] for r in rows) for c in PHASES} for key, rows in results.items()}
    for label in servers_of(results):
        size = charts.get(("bundle", label))
        print(f"{label}: Plotly bundle on the wire {size / 1000:.0f} kB" if size else f"{label}: bundle size unknown")
    for (label, name, load_kind), m in medians.items():
        verdict = "({} of {} charts in view)".format(*charts[name])
        if load_kind == "first":
            verdict = f"visible < {TARGET_MS} ms: {'met' if m['visible'] < TARGET_MS else 'NOT met'} " + verdict
        print(f"{label:10} {name:8} {load_kind:6} " + " ".join(f"{m[c]:8.0f}" for c in PHASES) + "  " + verdict)
    if args.against:
        print(f"ratio this checkout / {args.against} (visible, total):")
        for (label, name, load_kind), m in medians.items():
            if label == "this":
                other = medians["against", name, load_kind]
                print(f"  {name:8} {load_kind:6} visible {m['visible'] / other['visible']:.2f}  "
                      f"total {m['total'] / other['total']:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--against", help="another checkout of the project to measure alternately")
    parser.add_argument("--pages", help="the pages to time, comma-separated (default: all): " + ", ".join(PAGES))
    args = parser.parse_args()
    chosen = args.pages.split(",") if args.pages else list(PAGES)
    if set(chosen) - set(PAGES):
        parser.error(f"--pages: unknown {', '.join(sorted(set(chosen) - set(PAGES)))}")
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory(prefix="first-load-") as workdir:
        database, pages = demo_database(workdir)
        pages = {name: pages[name] for name in chosen}
        stops, servers = [], {}
        try:
            for label, checkout in (("this", ROOT), ("against", args.against)):
                if checkout:
                    base, stop = start_server(checkout, database, workdir, args.workers)
                    servers[label] = base
                    stops.append(stop)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                results, charts = run(browser, servers, pages, args.runs, args.workers)
                browser.close()
        finally:
            for stop in stops:
                stop()
    report(results, charts, args)


if __name__ == "__main__":
    main()
