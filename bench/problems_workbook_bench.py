"""Build problems workbooks and print their peak memory and seconds; time the extent scan and a preview download.

Both are written by spreadsheets/xlsx_stream.py (XlsxWriter, constant memory). The 500k-row upload is past
calamine's share (imports/showing/problems_workbook.CALAMINE_MAX_CELLS), so it is read by openpyxl read-only, which
sets most of that build's time. Measured 2026-11-30 at load average 4-6 on 2 cores: 500k rows 279 s, peak
210 MiB (openpyxl write-only before: ~15 min; calamine forced: 153 s but 418 MiB); preview of 500k lines
89 s (the hand-written XML writer before: 15 s).

    .venv/bin/python bench/problems_workbook_bench.py [--rows 500000]

Uses the attendance workbook of bench/import_bench.py (written once, cached under /tmp). Each measurement
runs in its own process so its peak memory (ru_maxrss) is its own, on a fresh SQLite database:
- the extent scan of that workbook (spreadsheets/extent.py), which every import now runs first;
- its problems workbook with a problem on every 50th row (10,000, the most a batch keeps): target < 400 MiB;
- the problems workbook of a refused far-cell file (one value at Z1048576): target < 200 MiB;
- a preview download (imports/showing/preview.workbook's writer) of as many change lines as the file has rows.
"""
import argparse
import json
import os
os.environ.setdefault("IMR_ENV", "development")  # main refuses to start without it; a bench is not production
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("IMR_ENV", "development")  # the app refuses to start without one; a bench is a development run
sys.path.insert(0, ROOT)


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_scan(path):
    from spreadsheets.extent import check_extents
    started, cpu = time.perf_counter(), time.process_time()
    found = check_extents(path)
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "peak_mib": peak_mib(),
            "extents": [(e.sheet, e.rows, e.columns, e.exact) for e in found]}


def child_build(path, url, every):
    from sqlalchemy import insert
    from app import create_app
    from extensions import db
    from imports import operations
    from imports.models import ImportBatch, ImportProblem
    from imports.showing import problems_workbook
    from models import Agency
    from models.cli import upgrade_database
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade_database()
        db.session.execute(insert(Agency), [dict(code="BENCH", name="Bench agency")])
        db.session.commit()
        agency = db.session.query(Agency).one()
        with open(path, "rb") as handle:
            batch = operations.create_batch(agency, "sessions", os.path.basename(path), handle.read())
        batch_id, sheet = batch.id, "Attendance"
        if every:  # one problem every `every` rows, as the import would store them (at most 10,000 kept)
            rows = range(2, 2 + 10_000 * every, every)
            db.session.execute(insert(ImportProblem), [
                dict(batch_id=batch_id, severity="error", sheet=sheet, sheet_row=r, sheet_column="D (Client code)",
                     value=f"C{r}", rule="client.unknown", message=f"No participant with client code 'C{r}'.")
                for r in rows])
        else:  # refused before reading, as the import's check leaves it
            from spreadsheets.guard import UnsafeWorkbook, check_workbook
            try:
                check_workbook(path)
                message = "not refused?"
            except UnsafeWorkbook as error:
                message = str(error)
            db.session.execute(insert(ImportProblem), [dict(batch_id=batch_id, severity="error", sheet=None,
                                                            sheet_row=None, sheet_column=None, value=None,
                                                            rule="file.unsafe", message=message)])
        db.session.execute(ImportBatch.__table__.update().values(status="rejected"))
        db.session.commit()
        db.session.expunge_all()
        baseline = peak_mib()
        started = time.perf_counter()
        data = problems_workbook.build(batch_id)
        return {"seconds": time.perf_counter() - started, "peak_mib": peak_mib(), "baseline_mib": baseline,
                "bytes": len(data)}


def child_preview(lines):
    """Time the preview's writer alone on change lines like an attendance import's."""
    from imports.showing.preview import CHANGE_COLUMNS, PROBLEM_COLUMNS
    from spreadsheets.xlsx_stream import write_xlsx
    rows = (("Changed", "attendance", f"C{i:06} at the session of 2026-02-09", "Minutes", "45", str(i % 90),
             "Attendance", i + 2) for i in range(lines))
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        write_xlsx(out, [("Import", None, [("File", "attendance.xlsx"), ("Lines", lines)]),
                         ("Changes", CHANGE_COLUMNS, rows), ("Problems", PROBLEM_COLUMNS, [])])
        size = out.tell()
    return {"seconds": time.perf_counter() - started, "peak_mib": peak_mib(), "bytes": size}


def run_child(*args):
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"child {args[0]} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def problems_workbooks(path, rows, large=True):
    """Build the problems workbooks (of `path`, `rows` rows, when `large`; of a refused far-cell file) each in a
    process of its own; yields a line for each with its time and peak memory against its target."""
    from tests import hostile_files
    with tempfile.TemporaryDirectory() as workdir:
        far = os.path.join(workdir, "far-cell.xlsx")
        with open(far, "wb") as handle:
            handle.write(hostile_files.far_cell())
        cases = ((f"{rows:,} rows, a problem every 50th row", path, 50, 400),) if large else ()
        for label, source, every, target in (*cases, ("refused far-cell file (Z1048576)", far, 0, 200)):
            result = run_child("build", source, f"sqlite:///{workdir}/bench-{every}.sqlite3", str(every))
            verdict = "ok" if result["peak_mib"] < target else "OVER"
            yield (f"problems workbook, {label}: {result['seconds']:.1f} s, peak {result['peak_mib']:.0f} MiB "
                   f"(app before {result['baseline_mib']:.0f}; target < {target}: {verdict}), "
                   f"{result['bytes'] / 2**20:.1f} MiB written")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = (child_scan(*rest) if kind == "scan" else child_preview(int(rest[0])) if kind == "preview"
                  else child_build(rest[0], rest[1], int(rest[2])))
        print(json.dumps(result))
        return
    from bench.import_bench import cached_workbook
    path = cached_workbook(args.rows)
    scan = run_child("scan", path)
    print(f"extent scan of {os.path.basename(path)}: {scan['seconds']:.2f} s ({scan['cpu']:.2f} s CPU), "
          f"peak {scan['peak_mib']:.0f} MiB, {scan['extents']}")
    for line in problems_workbooks(path, args.rows):
        print(line)
    preview = run_child("preview", str(args.rows))
    print(f"preview download of {args.rows:,} change lines: {preview['seconds']:.1f} s, "
          f"peak {preview['peak_mib']:.0f} MiB, {preview['bytes'] / 2**20:.1f} MiB written")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
