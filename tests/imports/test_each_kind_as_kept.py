"""Every kind, as a clerk keeps it (values with invisible characters, apostrophes and quotes, a note under the
rows), through the upload page and the CLI: accepted with exactly its rows, or refused naming the cell."""
import io
from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from imports.kinds.declarations import KINDS
from imports.models import ImportBatch
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot

DAY, ZW, NBSP = date(2026, 3, 2), "\u200b", "\u00a0"
NOTE = ["Note: exported from the EHR, one row per line"]
HISTORY = ["Program", "Team", "Scale", "Format", "Visit date", *[f"Item {n}" for n in range(1, 14)]]
# kind -> (a file as kept, the rows it holds, a copy with one bad cell, where that cell is)
FILES = {
    "roster": (wbk.roster([[f"'A010{ZW}", f"Alpha group{NBSP}", "'2026-02-01", "20260302", None, None,
                            "\u201cGroup\u201d"],
                           ["A011\t", "Alpha group", None, "46083", None, None, "'individual"], NOTE]),
               2, wbk.roster([["A010", "Alpha group", None, "2026-02-30", None, None, None], NOTE]),
               ("Roster", 2, "D (Start date)", "2026-02-30")),
    "sessions": (wbk.sessions([["Alpha group", DAY, "M3", "A000", "\u201cY\u201d", "1:00", None, None],
                               ["Alpha group", DAY, "'3", f"A001{ZW}", "\uff2e", "60 min", None, None], NOTE]),
                 2, wbk.sessions([["Alpha group", DAY, "M3", "A000", "Y", 0.5, None, None], NOTE]),
                 ("Sessions", 2, "F (Minutes)", "0.5")),
    "attendance_grid": (wbk.grid("Alpha group", [DAY], ["Module 3"], [["A000", "'Y"], ["A001", "\uff4e"], NOTE]),
                        2, wbk.grid("Alpha group", [DAY], ["M13"], [["A000", "Y"]]),
                        ("Grid", 2, "B (2026-03-02)", "M13")),
    "fidelity_history": (wbk.xlsx({"Ratings": [HISTORY, ["Alpha IMR", None, "imr_fidelity", "\u2018group\u2019",
                                                         "20250610", *["'4"] * 12, f"3{NBSP}"], NOTE]}),
                         1, wbk.xlsx({"Ratings": [HISTORY, ["Alpha IMR", None, "imr_fidelity", "group", "20250610",
                                                            *[4] * 12, "'four"]]}),
                         ("Ratings", 2, "R (Item 13)", "'four")),
    "goals": (wbk.xlsx({"Goals": [["Client code", "Goal reference", "Level", "Part of", "Date set"],
                                  ["A000", "LT1", "Long-term goal", None, "'2026-02-02"],
                                  ["A000", "ST1", "\u201cshort-term goal\u201d", "lt1", "20260209"], NOTE]}),
              2, wbk.xlsx({"Goals": [["Client code", "Goal reference", "Level", "Part of", "Date set"],
                                     ["A000", "ST1", "short-term goal", "LT9", "2026-02-09"]]}),
              ("Goals", 2, "D (Part of)", "LT9")),
}


def test_every_kind_is_here():
    assert set(FILES) == set(KINDS)


@pytest.mark.parametrize("kind", list(FILES))
def test_a_kept_file_of_each_kind_is_accepted_on_the_page_and_committed(sqlite_app, sqlite_world, sqlite_client,
                                                                       sqlite_auth, kind):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["admin"])
    data, rows, _, _ = FILES[kind]
    response = sqlite_auth.post("/imports/upload", {"kind": kind, "agency": "AAA",
                                                    "file": (io.BytesIO(data), f"{kind}.xlsx")},
                                content_type="multipart/form-data")
    assert response.status_code == 303
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
    problems = [(p.severity, p.sheet_row, p.sheet_column, p.value, p.rule) for p in batch.problems]
    assert batch.status == "checked", problems
    assert (batch.counts["new"], batch.counts["rejected"]) == (rows, 0)
    assert [p.rule for p in batch.problems] == ["row.note"]
    assert sqlite_auth.post(f"/imports/{batch.id}/commit").status_code == 303
    db.session.refresh(batch)
    assert batch.status == "committed", batch.message


@pytest.mark.parametrize("kind", list(FILES))
def test_each_kind_through_the_cli_dry_run_says_its_rows_or_the_bad_cell(sqlite_world, sqlite_app, tmp_path, kind):
    good, rows, bad, (sheet, row, column, value) = FILES[kind]
    before = snapshot()
    for data, name in ((good, "good"), (bad, "bad")):
        (tmp_path / f"{name}.xlsx").write_bytes(data)
    args = ["--kind", kind, "--agency", "AAA", "--dry-run"]
    result = sqlite_app.test_cli_runner().invoke(args=["import", str(tmp_path / "good.xlsx"), *args])
    assert result.exit_code == 0, result.output
    assert f"{rows} new, 0 changed, 0 unchanged, 0 rejected" in result.output
    result = sqlite_app.test_cli_runner().invoke(args=["import", str(tmp_path / "bad.xlsx"), *args])
    assert result.exit_code == 1, result.output
    assert f"error: sheet '{sheet}', row {row}, column {column}: value '{value}'" in result.output
    assert snapshot() == before
