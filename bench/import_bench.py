"""Import a large attendance workbook and print rows/s, peak memory, the ratio to a bare read and, on
PostgreSQL, how long dashboards waited while the import wrote.

    .venv/bin/python bench/import_bench.py [--rows 500000] [--backend sqlite|postgresql|both] [--repeat 3]
        [--problems-workbook all|refused|none] [--readers people|hammer|both] [--phases]

The workbook is written the way Excel saves it (text in the shared-strings table, dates as serial numbers
with a date format) and cached under /tmp. Each measurement runs in its own process so that its peak
memory (ru_maxrss) is its own: the import (check and commit) into a fresh database, a re-import of the
same file (all unchanged), and around each a bare read of every row with python-calamine (the fastest
reader here), whose mean is the ratio's baseline. All of it is repeated on fresh databases (--repeat) and
the medians are printed last, since this machine's speed drifts by a third within a minute.
On PostgreSQL people read dashboards meanwhile (bench/busy_dashboards.py): 20 managers and trainers
reading a page for ~5 s each ("people"), and on a fresh database of its own the worst case, one thread per
page requesting without pause ("hammer"); --readers picks. The bench prints the longest request that
overlapped the write beside the 1 s target, how many took over 1 s, the longest a dashboard query waited
for a lock and how many 20 ms samples found one waiting, each page's longest outside the write, and the
load average.
The import is one call (import_file) and takes the worker path: a child process with the memory and time
limits (imports/running/supervisor.py), as `flask import` and `flask worker` run it; the peak printed is the child's.
The child is started before the clock and waited for until it has loaded the app, as the worker keeps its
next child ready while it waits for work; how long that took is printed beside the import (`flask import`
spends it while it stores the upload). Its time runs from storing the upload to the child's end.
--phases prints, under each import, where its time went: wall and CPU seconds of each phase inside the child
(imports/running/timings.py), and what was outside it (storing the upload, handing it over, the child's exit, settling).
Last, the problems workbooks of the file (a problem every 50th row) and of a refused far-cell file are
built (bench/problems_workbook_bench.py) and their peak memory printed; the first takes minutes.
Targets (issues 4 and 11): 10 s on SQLite, 20 s on PostgreSQL, under 400 MiB, at most 4x the bare read,
no dashboard request over 1 s during the PostgreSQL write; problems workbooks under 400 MiB (refused: 200).
PostgreSQL defaults to a throwaway server (tests/pgserver.py, fsync off); BENCH_POSTGRES_URL names another,
on which the bench may create databases.
"""
import argparse
import json
import os
os.environ.setdefault("IMR_ENV", "development")  # main refuses to start without it; a bench is not production
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, timedelta
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("IMR_ENV", "development")  # the app refuses to start without one; a bench is a development run
# The import's child runs at the bare read's priority: niced (IMPORT_NICENESS), it would yield to every other
# process on a shared machine and the ratio would measure them (on a quiet machine nice changes nothing).
os.environ.setdefault("IMPORT_NICENESS", "0")
sys.path.insert(0, ROOT)

from bench.busy_dashboards import MANAGER, PASSWORD, TARGET, TRAINER, busy_dashboards  # noqa: E402

HEADER = ["Team", "Session date", "Module", "Client code", "Attended", "Minutes", "Topic", "Facilitator"]
TEAMS, PER_TEAM = 50, 40  # 2,000 participants; 500k rows = 250 weekly sessions per team
# Programs of 5 teams (200 people), as an agency's IMR program runs a few (bench/dashboard_bench.py: 4 of 50):
# the dashboard readers read one. A program of all 50 teams made its own page cost ~1 s of CPU alone.
TEAMS_PER_PROGRAM = 5
FIRST_DAY = date(2020, 1, 6)
EXCEL_EPOCH = date(1899, 12, 30)


def layout(rows):
    sessions = max(rows // (TEAMS * PER_TEAM), 1)
    return sessions, [f"Team {t + 1:02d}" for t in range(TEAMS)], \
        [[f"C{t + 1:02d}{p:03d}" for p in range(PER_TEAM)] for t in range(TEAMS)]


def _col(i):
    return chr(65 + i)


def write_workbook(path, rows):
    """An .xlsx with shared strings and date-formatted serials, written directly (openpyxl takes minutes)."""
    sessions, teams, codes = layout(rows)
    strings, index = [], {}

    def sid(text):
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    def cell(r, c, value, kind):
        if kind == "s":
            return f'<c r="{_col(c)}{r}" t="s"><v>{sid(value)}</v></c>'
        style = ' s="1"' if kind == "d" else ""  # style 1: the yyyy-mm-dd date format
        return f'<c r="{_col(c)}{r}"{style}><v>{value}</v></c>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
                    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            f.write(("<row r=\"1\">" + "".join(cell(1, j, h, "s") for j, h in enumerate(HEADER)) + "</row>").encode())
            r, buffer = 1, []
            for t, team in enumerate(teams):
                for s in range(sessions):
                    day = FIRST_DAY + timedelta(days=7 * s)
                    module = s % 11 + 1
                    for p, code in enumerate(codes[t]):
                        r += 1
                        mark = "Y" if (s * 7 + p * 13 + t) % 10 < 6 else "N"
                        buffer.append(f'<row r="{r}">' + cell(r, 0, team, "s") +
                                      cell(r, 1, (day - EXCEL_EPOCH).days, "d") + cell(r, 2, module, "n") +
                                      cell(r, 3, code, "s") + cell(r, 4, mark, "s") + cell(r, 5, 60, "n") +
                                      cell(r, 6, f"Module {module} session", "s") +
                                      cell(r, 7, f"Facilitator {t % 7 + 1}", "s") + "</row>")
                        if len(buffer) >= 5000:
                            f.write("".join(buffer).encode())
                            buffer.clear()
            f.write(("".join(buffer) + "</sheetData></worksheet>").encode())
        ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {ns} '
                   f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns='
                   '"http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
                   'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.'
                   f'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
                   f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/><Override '
                   f'PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.'
                   f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/'
                   f'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<workbook {ns} xmlns:r="{rel}">'
                   '<sheets><sheet name="Attendance" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns='
                   f'"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                   f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
                   f'Type="{rel}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" '
                   f'Type="{rel}/styles" Target="styles.xml"/></Relationships>')
        z.writestr("xl/styles.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<styleSheet {ns}><numFmts count="1">'
                   '<numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts><fonts count="1"><font><sz val="11"/>'
                   '<name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill>'
                   '</fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
                   'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" '
                   'borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
                   'applyNumberFormat="1"/></cellXfs></styleSheet>')
    return r - 1


def cached_workbook(rows):
    """The path of the bench workbook of `rows` rows, written once under the temp folder and reused.

    It is written to a .part file and renamed, so a run killed while writing never leaves half a workbook.
    """
    cache = os.path.join(tempfile.gettempdir(), "imr-import-bench")
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, f"attendance-{rows}.xlsx")
    if not os.path.exists(path):
        started = time.perf_counter()
        written = write_workbook(path + ".part", rows)
        os.replace(path + ".part", path)
        print(f"wrote {written:,} rows to {path} in {time.perf_counter() - started:.1f} s")
    return path


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the measurements, each in a child process -----------------------------------------------------------
def child_read(path):
    import python_calamine
    started, cpu = time.perf_counter(), time.process_time()
    sheet = python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    rows = sum(1 for _ in sheet.iter_rows()) - 1
    return {"rows": rows, "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
            "peak_mib": peak_mib()}


def seed(rows):
    """An agency with the teams and participants the workbook names, written through Core."""
    from sqlalchemy import insert
    from extensions import db
    from models import Agency, Participant, Program, Team, User
    _, teams, codes = layout(rows)
    agency_id = db.session.execute(insert(Agency).returning(Agency.id), [dict(code="BENCH", name="Bench agency")]
                                   ).scalar_one()
    for t, team in enumerate(teams):
        if t % TEAMS_PER_PROGRAM == 0:
            program_id = db.session.execute(insert(Program).returning(Program.id), [dict(
                agency_id=agency_id, name=f"Bench IMR {t // TEAMS_PER_PROGRAM + 1}")]).scalar_one()
        team_id = db.session.execute(insert(Team).returning(Team.id), [dict(program_id=program_id, name=team)]
                                     ).scalar_one()
        db.session.execute(insert(Participant), [dict(agency_id=agency_id, team_id=team_id, client_code=code,
                                                      start_date=FIRST_DAY, format="group") for code in codes[t]])
    for email, role, agency in ((MANAGER, "manager", agency_id), (TRAINER, "trainer", None)):
        user = User(email=email, role=role, agency_id=agency)
        user.set_password(PASSWORD)
        db.session.add(user)
    db.session.commit()


def child_prepare(url, rows):
    from app import create_app
    from models.cli import upgrade_database
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade_database()
        seed(rows)
    return {}


def import_file(agency, path, child):
    """Check and commit one workbook through the worker path (`child`, a child process started ahead with the
    memory and time limits, as the worker keeps one); returns (batch, wall-clock time the write began)."""
    from flask import current_app

    from extensions import db
    from imports import operations
    from imports.models import ImportBatch
    from imports.running import batch_queue, supervisor
    began = {}

    def note(phase, percent):
        if phase == "writing":
            began.setdefault("write", time.time())
    app = current_app._get_current_object()
    me = batch_queue.claimer("bench")  # claimed at once, as the CLI does: no worker takes it
    with open(path, "rb") as handle:
        batch = operations.create_batch(agency, "sessions", os.path.basename(path), handle.read(), claimed_by=me)
    batch_id = batch.id
    db.session.commit()
    ended = supervisor.run_in_child(app, db.engine, batch_id, True, me, echo=note, child=child)
    with db.engine.begin() as conn:
        supervisor.settle(conn, batch_id, me, ended, app.config, True)
    db.session.expire_all()
    return db.session.get(ImportBatch, batch_id), began.get("write")


def child_import(path, url, phases="0"):
    from app import create_app
    from extensions import db
    from imports.running import timings
    from models import Agency
    table = None
    if phases == "1":  # the import's child appends its phase table here (imports/running/timings.py)
        table = tempfile.NamedTemporaryFile(prefix="imr-phases-", suffix=".jsonl", delete=False).name
        os.environ[timings.ENV] = table
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        agency = db.session.query(Agency).filter_by(code="BENCH").one()
        baseline = peak_mib()
        # The worker starts its next child while it waits for work (imports/running/worker.py), so an upload finds one
        # ready: started here before the clock, its start is printed apart.
        from imports.running import supervisor
        child_started = time.perf_counter()
        child = supervisor.start_child(app)
        if not supervisor.wait_ready(child):
            sys.exit(f"the import's child did not start: {child.stderr.read().decode(errors='replace')}")
        child_seconds, child_cpu = time.perf_counter() - child_started, _process_cpu(child.pid)
        started, cpu = time.perf_counter(), _cpu_seconds()
        batch, write_began = import_file(agency, path, child)
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        # The import ran in a child of this process (the worker path): its peak is the children's.
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        runs = []
        if table:
            with open(table) as handle:
                runs = [json.loads(line) for line in handle if line.strip()]
            os.unlink(table)
        return {"phases": runs, "status": batch.status, "message": batch.message, "counts": batch.counts, "seconds": seconds,
                "cpu": cpu - child_cpu, "peak_mib": children, "baseline_mib": baseline, "write_began": write_began,
                "write_ended": time.time(), "child_start": child_seconds}


def _process_cpu(pid):
    """CPU seconds a running process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _cpu_seconds():
    """CPU time of this process and its ended children: on a shared machine, the part that is the import's own."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_child(*args):
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"child {args[0]} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def database_servers(backends):
    """(backend, server URL, throwaway server or None) for each backend."""
    for backend in backends:
        if backend == "sqlite":
            yield backend, None, None
        else:
            url = os.environ.get("BENCH_POSTGRES_URL")
            server = None
            if not url:
                from tests import pgserver
                server = pgserver.start()
                url = server.url
            yield backend, url, server


def empty_database(backend, server_url, workdir, n):
    """The URL of an empty database for repeat n: a new SQLite file, or a new database on the server."""
    if backend == "sqlite":
        return f"sqlite:///{workdir}/bench-{n}.sqlite3"
    from sqlalchemy import create_engine, text
    name = f"imr_import_bench_{n}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


def bench_ids(url):
    """(program id, first team id) of the bench agency's first program."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        ids = conn.execute(text("SELECT p.id, min(t.id) FROM program p JOIN agency a ON a.id = p.agency_id "
                                "JOIN team t ON t.program_id = p.id WHERE a.code = 'BENCH' GROUP BY p.id "
                                "ORDER BY p.id LIMIT 1")).one()
    engine.dispose()
    return ids


def print_phases(result):
    """Where the import's time went: each phase inside the child, and what was outside the child's run."""
    inside = 0.0
    for n, table in enumerate(result["phases"]):
        if len(result["phases"]) > 1:
            print(f"{'':12} run {n + 1} of the child:")
        for name, wall, cpu in table:
            inside += wall
            print(f"{'':12} {name:60} {wall:6.2f} s  CPU {cpu:5.2f} s  {wall / result['seconds']:4.0%}")
    outside = result["seconds"] - inside
    outside_name = "outside the run: store the upload, hand it over, exit, settle"
    print(f"{'':12} {outside_name:60} {outside:6.2f} s"
          f"{'':13}{outside / result['seconds']:4.0%}")


def measure_once(backend, label, path, url, rows, fresh, readers="people", phases=False):
    """One import between two bare reads; prints it and returns (seconds, ratio, peak MiB, longest wait,
    longest lock wait)."""
    # The bare read is timed just before and just after each import and averaged: a shared machine's
    # speed drifts by a third within a minute here, and the ratio should not.
    if fresh:
        run_child("prepare", url, str(rows))
    before = run_child("read", path)
    if backend == "postgresql":  # people read dashboards meanwhile: how long did they wait during the write?
        with busy_dashboards(url, *bench_ids(url), readers) as watch:
            result = run_child("import", path, url, str(int(phases)))
        load = os.getloadavg()[0]
    else:
        result, watch = run_child("import", path, url, str(int(phases))), None
    after = run_child("read", path)
    bare = (before["seconds"] + after["seconds"]) / 2
    counts = result["counts"] or {}
    total = counts.get("total", 0)
    ratio = result["seconds"] / bare
    print(f"{backend:10} {label:22} {result['status']:9} {result['seconds']:6.2f} s  "
          f"{total / result['seconds']:9,.0f} rows/s  peak {result['peak_mib']:4.0f} MiB "
          f"(bench process before import {result['baseline_mib']:.0f})  ratio to bare read {ratio:.1f}x")
    print(f"{'':10} {result['message']}")
    print(f"{'':10} the child, started ahead as the worker keeps one, loaded the app in {result['child_start']:.2f} s "
          f"before the clock started (flask import spends it while it stores the upload)")
    print(f"{'':10} bare read (python-calamine, every row) {before['seconds']:.2f} s before, "
          f"{after['seconds']:.2f} s after, peak {max(before['peak_mib'], after['peak_mib']):.0f} MiB")
    bare_cpu = (before["cpu"] + after["cpu"]) / 2
    print(f"{'':10} CPU time (not the database server's): import {result['cpu']:.2f} s, bare read {bare_cpu:.2f} s "
          f"({result['cpu'] / bare_cpu:.1f}x); load average {os.getloadavg()[0]:.1f}")
    if phases:
        print_phases(result)
    longest = locked = None
    if watch:
        write = result["write_ended"] - result["write_began"]
        longest, slow, during, errors = watch.summary(result["write_began"], result["write_ended"])
        whole = max((r[1] for r in watch.requests), default=0.0)
        locked = watch.longest_lock_wait(result["write_began"], result["write_ended"])
        waiting, samples = watch.lock_wait_samples(result["write_began"], result["write_ended"])
        print(f"{'':10} dashboards ({readers}) during the {write:.1f} s write: {during} requests, longest "
              f"{longest:.2f} s (target {TARGET:.0f} s), {slow} over {TARGET:.0f} s; lock waits: longest "
              f"{locked:.2f} s, {waiting} of {samples} samples found one ({len(watch.requests)} requests in all, "
              f"longest {whole:.2f} s, {errors} not 200); load average {load:.1f}")
        median, outside = watch.medians(result["write_began"], result["write_ended"])
        print(f"{'':12} median request {median:.2f} s during the write, {outside:.2f} s otherwise "
              f"({median / outside if outside else 0:.1f}x)")
        for page, (during, other) in watch.by_page(result["write_began"], result["write_ended"]).items():
            print(f"{'':12} {page:40} longest {during:5.2f} s during the write, {other:5.2f} s otherwise")
    return result["seconds"], ratio, result["peak_mib"], longest, locked


def _steps(backend, readers, n):
    """[(database number, [(label, fresh, readers)])] of repeat n: an import and a re-import into one fresh
    database, and on PostgreSQL with readers "both" an import under the hammer into another."""
    if backend != "postgresql":
        return [(n, [("import", True, None), ("re-import (unchanged)", False, None)])]
    first = "hammer" if readers == "hammer" else "people"
    steps = [(n, [(f"import, {first}", True, first), (f"re-import, {first}", False, first)])]
    return steps + [(100 + n, [("import, hammer", True, "hammer")])] if readers == "both" else steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=3, help="fresh databases per backend; medians are printed")
    parser.add_argument("--problems-workbook", choices=("all", "refused", "none"), default="all",
                        help="build the problems workbooks of the file and of a refused file (all; the first takes "
                             "minutes), of the refused file only, or none")
    parser.add_argument("--readers", choices=("people", "hammer", "both"), default="both",
                        help="PostgreSQL: who reads dashboards during the import (both: the hammer on a fresh "
                             "database of its own)")
    parser.add_argument("--phases", action="store_true", help="print where each import's time went, phase by phase")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, *rest = args.child
        children = {"read": child_read, "prepare": lambda u, r: child_prepare(u, int(r)), "import": child_import}
        result = children[what](*rest)
        print(json.dumps(result))
        return
    path = cached_workbook(args.rows)
    print(f"workbook: {path}, {os.path.getsize(path) / 2**20:.1f} MiB")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    summary = []
    with tempfile.TemporaryDirectory() as workdir:
        for backend, server_url, server in database_servers(backends):
            try:
                runs = {}
                for n in range(args.repeat):
                    for number, steps in _steps(backend, args.readers, n):
                        url = empty_database(backend, server_url, workdir, number)
                        for label, fresh, readers in steps:
                            runs.setdefault(label, []).append(
                                measure_once(backend, label, path, url, args.rows, fresh, readers, args.phases))
                for label, results in runs.items():
                    seconds, ratios, peaks, waits, locks = zip(*results)
                    waited = "" if None in waits else (f"  longest dashboard wait {max(waits):.2f} s (target "
                                                       f"{TARGET:.0f} s), lock wait {max(locks):.2f} s")
                    summary.append(f"{backend:10} {label:22} median of {len(results)}: "
                                   f"{statistics.median(seconds):6.2f} s  ratio {statistics.median(ratios):.1f}x  "
                                   f"highest peak {max(peaks):.0f} MiB{waited}")
            finally:
                if server:
                    server.stop()
    if args.problems_workbook != "none":  # the import's own problems workbook (issue 11): peak memory
        from bench.problems_workbook_bench import problems_workbooks
        summary += problems_workbooks(path, args.rows, large=args.problems_workbook == "all")
    print("\n".join(["", "targets: 10 s on SQLite, 20 s on PostgreSQL, ratio at most 4x, peak under 400 MiB, "
                          "no dashboard request over 1 s during the PostgreSQL write; problems workbook under "
                          "400 MiB (under 200 MiB for a refused file)",
                      *summary, f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"]))


if __name__ == "__main__":
    main()
