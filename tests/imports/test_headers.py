"""Headers people actually write are matched; a column that holds data and matches nothing is shown, with samples."""
from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from imports.kinds.declarations import KINDS
from imports.models import ImportProblem
from imports.reading.workbook import header_key, header_lookup
from models import Attendance, Participant
from tests.imports import workbooks as wbk

# How many synonyms each kind had before issue 12 asked for ten more per kind.
SYNONYMS_BEFORE = {"roster": 37, "sessions": 37, "attendance_grid": 18, "fidelity_history": 81}


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_header_names_two_columns_of_a_kind(kind):
    owner = {}
    for column in KINDS[kind].columns:
        for name in (column.key, column.label, *column.synonyms):
            key = header_key(name)
            assert key, f"{name!r} of {column.key} has no letters or digits"
            assert owner.setdefault(key, column.key) == column.key, \
                f"{name!r} means both {owner[key]} and {column.key} in {kind}"


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_knows_at_least_ten_more_headers(kind):
    assert sum(len(c.synonyms) for c in KINDS[kind].columns) >= SYNONYMS_BEFORE.get(kind, 0) + 10  # kinds added later start at 0


@pytest.mark.parametrize("kind, header, key", [
    ("roster", "Client #", "client_code"), ("roster", "CLIENT_ID", "client_code"), ("roster", "MRN", "client_code"),
    ("roster", "Date of Referral", "referral_date"), ("roster", "Date Referred", "referral_date"),
    ("roster", "DOR", "referral_date"), ("roster", "date-of-referral", "referral_date"),
    ("roster", "Admit Date", "start_date"), ("roster", "D/C date", "end_date"),
    ("roster", "Group/Individual", "format"), ("roster", "Group / individual?", "format"),
    ("roster", "Reason for Discharge", "end_reason"),
    ("sessions", "DOS", "session_date"), ("sessions", "Date of Service", "session_date"),
    ("sessions", "Module #", "module"), ("sessions", "Attended (Y/N)", "attended"),
    ("sessions", "Duration (min.)", "minutes"), ("sessions", "Group Leader", "facilitator"),
    ("attendance_grid", "IMR Group", "team"), ("attendance_grid", "Client No.", "client_code"),
    ("fidelity_history", "Date of Review", "visit_date"), ("fidelity_history", "Item #3", "item_3"),
    ("fidelity_history", "Q12", "item_12"), ("fidelity_history", "Fidelity Instrument", "scale"),
])
def test_headers_match_whatever_their_case_spacing_and_punctuation(kind, header, key):
    assert header_lookup(KINDS[kind].columns)[header_key(header)].key == key


def test_session_number_is_not_a_session_date():
    """'#' reads 'number': "Session #" is not "Session" (a session date), so it is not read as dates."""
    assert header_key("Session #") not in header_lookup(KINDS["sessions"].columns)


def test_roster_with_headers_as_agencies_write_them_is_imported(app, world, run_import):
    header = ["Client #", "Team Name", "Date of Referral", "Admit Date", "D/C Date", "Reason for discharge",
              "Group/Individual"]
    data = wbk.roster([["C-1", "Alpha group", date(2026, 1, 2), date(2026, 1, 12), date(2026, 5, 1), "Moved away",
                        "individual"]], header=header)
    batch = run_import(data, "roster", world.agency_a)
    assert batch.status == "committed", [p.message for p in batch.problems]
    person = db.session.scalar(select(Participant).where(Participant.client_code == "C-1"))
    assert (person.referral_date, person.start_date, person.end_date, person.end_reason, person.format) == \
        (date(2026, 1, 2), date(2026, 1, 12), date(2026, 5, 1), "Moved away", "individual")
    assert batch.warnings == 0


def test_sessions_with_headers_from_an_ehr_export_are_imported(app, world, run_import):
    header = ["IMR Group", "Date of Service", "Module #", "Client ID", "Attended (Y/N)", "Duration (min)",
              "Topic covered", "Group Leader"]
    data = wbk.sessions([["Alpha group", date(2026, 2, 9), 2, "A000", "Y", 60, "Stress", "A. Rivera"],
                         ["Alpha group", date(2026, 2, 9), 2, "A001", "N", 60, "Stress", "A. Rivera"]], header=header)
    batch = run_import(data, "sessions", world.agency_a)
    assert batch.status == "committed", [p.message for p in batch.problems]
    assert batch.counts["new"] == 2
    assert sorted(db.session.scalars(select(Attendance.status))) == ["absent", "attended"]


def test_unmatched_columns_with_data_are_listed_with_samples(app, world, run_import):
    header = ["Client code", "Team", "Start date", "Notes", "Spare", None]
    rows = [["A100", "Alpha group", date(2026, 1, 12), "likes tea", None, 7],
            ["A101", "Alpha group", date(2026, 1, 12), "likes tea", None, 8],
            ["A102", "Alpha group", date(2026, 1, 12), "new in town", None, None],
            ["A103", "Alpha group", date(2026, 1, 12), "prefers mornings", None, 9],
            ["A104", "Alpha group", date(2026, 1, 12), "quiet", None, 10]]
    batch = run_import(wbk.roster(rows, header=header), "roster", world.agency_a, commit=False)
    assert batch.status == "checked"  # a warning: committing asks the clerk to confirm (the pages do that)
    assert batch.counts["unmatched_columns"] == [
        {"sheet": "Roster", "column": "D", "header": "Notes", "samples": ["likes tea", "new in town",
                                                                           "prefers mornings"]},
        {"sheet": "Roster", "column": "F", "header": "", "samples": ["7", "8", "9"]}]
    warnings = db.session.scalars(select(ImportProblem).where(ImportProblem.batch_id == batch.id)
                                  .order_by(ImportProblem.id)).all()
    assert [(p.severity, p.sheet_row, p.sheet_column, p.rule) for p in warnings] == [
        ("warning", 1, "D (Notes)", "header.extra"), ("warning", 1, "F", "header.extra")]
    assert "likes tea" in warnings[0].message and "will not be imported" in warnings[0].message
    assert "no header" in warnings[1].message


def test_a_file_whose_columns_all_match_lists_none(app, world, run_import):
    batch = run_import(wbk.roster([["A100", "Alpha group", None, date(2026, 1, 12), None, None, None]]), "roster",
                       world.agency_a, commit=False)
    assert "unmatched_columns" not in batch.counts


def test_a_missing_column_names_the_headers_not_recognised(sqlite_world, run_import_sqlite):
    data = wbk.roster([["A100", "Alpha group", date(2026, 1, 12)]], header=["Client code", "Team", "Date Begun"])
    batch = run_import_sqlite(data, "roster", sqlite_world.agency_a)
    assert [(p.rule, p.sheet_row) for p in batch.problems] == [("header.missing", 1)]
    assert "'Start date' is missing" in batch.problems[0].message and "'Date Begun'" in batch.problems[0].message
