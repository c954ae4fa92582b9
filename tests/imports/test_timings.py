"""The import bench's phase table (--phases): an import asked for it writes where its time went, phase by
phase, within its whole run."""
import json
import time

from imports.running import timings
from tests.imports.worker_process import FILE


def test_an_import_asked_for_its_phases_writes_them_in_order(app, world, run_import, tmp_path, monkeypatch):
    table = tmp_path / "phases.jsonl"
    monkeypatch.setenv(timings.ENV, str(table))
    started = time.perf_counter()
    batch = run_import(FILE, "sessions", world.agency_a)
    took = time.perf_counter() - started
    assert batch.status == "committed"
    [phases] = [json.loads(line) for line in table.read_text().splitlines()]
    names = [name for name, _, _ in phases]
    assert names == ["status commit, spool the upload", "open, guard, extent scan (beside the parse)",
                     "lookups, code book", "parse the sheet (what is left of it)", "read and check rows",
                     "drop the sheet, give memory back", "compare with what is recorded",
                     "write facilitators, sessions", "write attendance (and its index)",
                     "refresh summaries (dashboards/summaries.py)", "outcome, audit row, problems, commit"]
    assert all(wall >= 0 and cpu >= 0 for _, wall, cpu in phases)
    assert sum(wall for _, wall, _ in phases) <= took

