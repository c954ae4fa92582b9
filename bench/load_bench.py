"""50 signed-in people using the production stack at once: requests/s, p50/p95/p99 per route group, errors.

    .venv/bin/python bench/load_bench.py [--seconds 60] [--users 50] [--think 5] [--warmup 20]
                                                     [--with-import]

It starts what production runs (bench/load_stack.py; README, "Running in production"): a throwaway
PostgreSQL (tests/pgserver.py; BENCH_POSTGRES_URL names another server, on which it creates a database),
gunicorn with 4 workers in production mode on 127.0.0.1, the import worker and the scheduler; loads the
demo state, adds 50 accounts
(20 managers on program/team dashboards and the engagement API, 15 trainers on the state overview and
fidelity reports and history, 15 clerks on program pages and import history) and signs each in once.
They click for --warmup seconds unmeasured (each worker's first pages compile templates and import
Plotly, as after a deploy), then for --seconds, each reading a page for 0.5-1.5x --think seconds (5 by
default: a dashboard or a report is read, not skimmed; 50 such people ask about 10 pages a second;
--think 1 finds the ceiling). With --with-import a clerk then uploads a 500,000-row attendance workbook
(bench/import_bench.py's cached_workbook) through the API with commit=true while the same people go on;
the figures cover the requests that overlapped the import, and its write phase is given apart.

The client is a small asyncio one (aiohttp, one thread): on this 2-core machine the load generator shares
the cores with the server it measures, and 50 Python threads (or Locust's gevent users with `requests`)
cost several times more CPU per request than one event loop with aiohttp's C parser; the bench prints the
share of a core the client used and the load average beside every figure.
Targets (issue 17): 0 errors, p95 <= 500 ms at 50 users, the same during the import, no request over 1 s.
"""
import argparse
import asyncio
import json
import os
import random
import re
import resource
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.load_stack import IMPORT_CLERK, IMPORT_ROWS, PASSWORD, SERVER_PIDS, start_stack  # noqa: E402

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --- the people ------------------------------------------------------------------------------------------
async def sign_in(session, base, email):
    async with session.get(f"{base}/sign-in") as page:
        token = _TOKEN.search(await page.text()).group(1)
    async with session.post(f"{base}/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token},
                            allow_redirects=False) as answer:
        assert answer.status == 302, f"{email} could not sign in ({answer.status})"
    async with session.get(f"{base}/") as home:
        return _TOKEN.search(await home.text()).group(1)


async def person(session, base, pages, until, think, record):
    # People arrive spread over one think time, as they would: 50 first clicks in the same instant are a
    # herd no real population makes (it put every request over 1 s into the first 5 s of each phase).
    await asyncio.sleep(think * random.uniform(0, 1))
    while time.time() < until():
        group, path = random.choice(pages)
        began, clock = time.time(), time.perf_counter()
        try:
            async with session.get(base + path, allow_redirects=False) as answer:
                await answer.read()
                status = answer.status
        except Exception as e:  # a refused or dropped connection is an error the people saw
            status = type(e).__name__
        record.append((began, time.perf_counter() - clock, group, status))
        await asyncio.sleep(think * random.uniform(0.5, 1.5))


def _session(aiohttp, base):
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[base])  # production cookies are Secure
    return aiohttp.ClientSession(cookie_jar=jar, connector=aiohttp.TCPConnector(limit=1))


async def run(base, plan, args):
    import aiohttp
    sessions = {email: _session(aiohttp, base) for email in plan}
    started = time.perf_counter()
    for batch in range(0, len(plan), 10):  # 10 at a time: scrypt on 4 workers is the cost of a sign-in
        emails = list(plan)[batch:batch + 10]
        await asyncio.gather(*(sign_in(sessions[e], base, e) for e in emails))
    print(f"signed in {len(plan)} people in {time.perf_counter() - started:.1f} s")
    try:
        # Each gunicorn worker's first pages are slow (templates compiled, Plotly imported): as after a
        # deploy, not all day. They are clicked through before measuring.
        await _phase(sessions, base, plan, args, [], lambda w=time.time() + args.warmup: w)
        record, cpu = [], _cpu()
        end = time.time() + args.seconds
        await _phase(sessions, base, plan, args, record, lambda: end)
        report(f"{len(plan)} people for {args.seconds} s", record, end - args.seconds, end, cpu)
        if args.with_import:
            await _with_import(aiohttp, sessions, base, plan, args)
    finally:
        await asyncio.gather(*(s.close() for s in sessions.values()))


async def _phase(sessions, base, plan, args, record, until):
    await asyncio.gather(*(person(sessions[e], base, plan[e], until, args.think, record) for e in plan))


async def _with_import(aiohttp, sessions, base, plan, args):
    from bench.import_bench import cached_workbook
    path = cached_workbook(IMPORT_ROWS)
    clerk = _session(aiohttp, base)
    token = await sign_in(clerk, base, IMPORT_CLERK)
    state = {"done": False, "write": [None, None]}
    record = []
    people = asyncio.ensure_future(_phase(sessions, base, plan, args, record, lambda: 0 if state["done"] else 1e12))
    await asyncio.sleep(2 * args.think)  # the people are clicking before the file arrives
    began, cpu = time.time(), _cpu()
    form = aiohttp.FormData({"kind": "sessions", "commit": "true"})
    form.add_field("file", open(path, "rb"), filename=os.path.basename(path))
    async with clerk.post(f"{base}/api/v1/imports", data=form, headers={"X-CSRFToken": token}) as answer:
        assert answer.status in (201, 202), f"upload refused: {answer.status} {await answer.text()}"
        location = answer.headers["Location"]
    while True:  # the clerk's page polls the batch, as the import page does
        await asyncio.sleep(0.5)
        async with clerk.get(base + location) as answer:
            batch = (await answer.json())["imports"]
        if batch.get("phase") == "writing" and state["write"][0] is None:
            state["write"][0] = time.time()
        if not batch["running"]:
            state["write"][1] = time.time()
            break
    ended = time.time()
    state["done"] = True
    await people
    await clerk.close()
    print(f"\nimport of {IMPORT_ROWS:,} rows: {batch['status']} in {ended - began:.1f} s ({batch.get('message')})")
    report("during the import", record, began, ended, cpu)
    if state["write"][0]:
        w0, w1 = state["write"]
        during = [r for r in record if r[0] <= w1 and r[0] + r[1] >= w0]
        print(f"  during its {w1 - w0:.1f} s write phase: {len(during)} requests, longest "
              f"{max((r[1] for r in during), default=0):.3f} s, {sum(r[1] > 1 for r in during)} over 1 s")


# --- figures ---------------------------------------------------------------------------------------------
def _pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0.0


def _process_cpu():
    """{pid: (parent pid, CPU seconds)} of every process, from /proc."""
    found, tick = {}, os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(pid)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return found


def _cpu():
    """CPU seconds used so far by this client, gunicorn (master and workers) and the bench's PostgreSQL."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = {"client": usage.ru_utime + usage.ru_stime}
    table = _process_cpu()
    for name, root in SERVER_PIDS.items():
        used[name] = sum(cpu for pid, (parent, cpu) in table.items() if root in (pid, parent))
    return used


def report(title, record, start, end, cpu_start):
    during = [r for r in record if r[0] <= end and r[0] + r[1] >= start]
    seconds = max(end - start, 1e-9)
    cpu = {name: used - cpu_start.get(name, 0.0) for name, used in _cpu().items()}
    per_request = ", ".join(f"{name} {cpu[name] / max(len(during), 1) * 1000:.0f} ms" for name in SERVER_PIDS)
    print(f"\n{title}: {len(during)} requests, {len(during) / seconds:.1f} requests/s; load average "
          f"{os.getloadavg()[0]:.1f}; this client used {cpu['client'] / seconds:.0%} of a core; server CPU per "
          f"request: {per_request} (2 cores / their sum = the ceiling on an idle machine)")
    print(f"  {'route group':28} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    groups = sorted({r[2] for r in during})
    for group in groups + ["all"]:
        times = [r[1] * 1000 for r in during if group in ("all", r[2])]
        print(f"  {group:28} {len(times):6} {_pct(times, 50):8.0f} {_pct(times, 95):8.0f} {_pct(times, 99):8.0f} "
              f"{max(times, default=0):8.0f}")
    errors = {}
    for r in during:
        if r[3] != 200:
            errors[str(r[3])] = errors.get(str(r[3]), 0) + 1
    print(f"  errors by status: {errors or 'none'}; longest request {max((r[1] for r in during), default=0):.3f} s, "
          f"{sum(r[1] > 1 for r in during)} over 1 s")
    slow = [0] * (int(seconds // 5) + 1)
    for r in during:
        if r[1] > 1:
            slow[max(0, int((r[0] - start) // 5))] += 1
    if any(slow):  # a stall shows as a cluster, a slow page as a spread
        print(f"  requests over 1 s by when they began (5 s steps): {slow}")


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=5.0,
                        help="mean seconds a person reads a page before the next (lower it to find the ceiling)")
    parser.add_argument("--warmup", type=int, default=20, help="seconds of clicking before measuring")
    parser.add_argument("--with-import", action="store_true")
    ARGS = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="imr-load-bench-") as workdir:
        started = time.perf_counter()
        base, plan, stop = start_stack(workdir, ARGS.users, ARGS.with_import)
        try:
            print(f"stack up in {time.perf_counter() - started:.0f} s: gunicorn (4 workers) on {base}, import worker, "
                  f"scheduler, PostgreSQL; {len(plan)} people")
            asyncio.run(run(base, plan, ARGS))
        finally:
            stop()
            for name in ("web", "worker", "scheduler"):
                with open(os.path.join(workdir, f"{name}.log")) as log:
                    tracebacks = log.read().count("Traceback")
                if tracebacks:
                    print(f"{name} log: {tracebacks} tracebacks")


ARGS = None

if __name__ == "__main__":
    main()
