"""A relationship whose Target names one part to the upload's checks and another to python-calamine, which takes it
as written and compares names in either case (spreadsheets/workbook_part.py), is refused as damaged through the
upload page, and nothing is written; the Targets programs really write still import, and a part calamine finds by
another spelling is the part measured."""
import io
from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from imports.models import ImportBatch
from imports.reading.scanned_read import open_checked
from imports.reading.workbook import load_sheet, open_workbook
from spreadsheets.guard import UnsafeWorkbook, check_workbook
from tests import hostile_files as hostile
from tests.imports import other_programs as op, workbooks as wbk
from tests.imports.conftest import snapshot, table_counts

ROWS = [[f"C{i:03d}", "Alpha group", None, date(2026, 2, 2), None, None, None] for i in range(50)]
SMALL, LARGE = wbk.roster(ROWS[:1]), wbk.roster(ROWS)  # 2 and 51 rows with the header


def _sheet(target, kind="worksheet"):
    return lambda: hostile.sheet_read_as_written(SMALL, LARGE, target, kind)


def _target(old, new, data=SMALL):
    return lambda: hostile.relationship_target(data, old, new)


# name -> (the file: the small roster where the checks look, the large one where calamine reads, if anywhere;
#          what calamine makes of its first sheet: its rows, or the error it raises)
REFUSED = {
    "worksheets/./big": (_sheet("worksheets/./big"), 51),
    "./worksheets/big": (_sheet("./worksheets/big"), 51),
    "worksheets//big": (_sheet("worksheets//big"), 51),
    "x/../worksheets/big": (_sheet("x/../worksheets/big"), 51),
    "a second leading /": (_sheet("//xl/worksheets/big"), 51),
    "a .. out of xl/": (_sheet("../big"), 51),
    "a backslash": (_sheet("worksheets\\big"), 51),
    "a chartsheet's ./": (_sheet("chartsheets/./big", "chartsheet"), 51),
    "the workbook part at xl/./": (lambda: hostile.workbook_read_as_written(SMALL, LARGE), 51),
    "the workbook part at //xl/": (lambda: hostile.workbook_read_as_written(SMALL, LARGE, "//xl/workbook.xml"), 51),
    "a second workbook part": (lambda: hostile.workbook_read_as_written(SMALL, LARGE, "y/workbook.xml", True), 51),
    "a sheet beside its name in capitals": (lambda: hostile.part_alike(SMALL, LARGE), 51),
    "a sheet beside its name with backslashes": (
        lambda: hostile.part_alike(SMALL, LARGE, "xl\\worksheets\\sheet1.xml"), 51),
    "a sheet's part missing": (_target("/xl/worksheets/sheet1.xml", "worksheets/none.xml"), "WorksheetNotFound"),
    # calamine reads xl/styles.xml and xl/sharedStrings.xml by name: refused all the same, as every kind it reads
    "styles at ./styles.xml": (_target("styles.xml", "./styles.xml"), 2),
    "shared strings at x/../": (_target("sharedStrings.xml", "x/../sharedStrings.xml",
                                        op.excel({"Roster": [wbk.ROSTER_HEADER, *ROWS[:1]]})), 2),
}
# name -> the file: the large roster where calamine finds it by another spelling than the Target's, or of a type
# other than worksheet, or by a Target no program writes that means one part to every reader
MEASURED = {
    "a Target in capitals": lambda: hostile.relationship_target(_sheet("sheets/big.xml")(), "sheets/big.xml",
                                                                "SHEETS/BIG.xml"),
    "a member named with backslashes": lambda: hostile.relationship_target(  # calamine reads \ as /
        _sheet("worksheets\\big.xml")(), "worksheets\\big.xml", "worksheets/big.xml"),
    "a chartsheet holding cells": _sheet("chartsheets/big.xml", "chartsheet"),
    "a %2e kept as written": _sheet("worksheets/big%2exml"),
}


def _calamine(data):
    """The rows calamine reads of the first sheet, or the name of the error it raises."""
    try:
        return len(open_workbook(data).get_sheet_by_index(0).to_python())
    except Exception as error:  # what calamine raises is what is asserted
        return next((word for word in str(error).split() if word.endswith("NotFound")), type(error).__name__)


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_target_read_two_ways_is_refused_as_damaged_where_calamine_reads_another_part(name):
    make, read = REFUSED[name]
    data = make()
    assert _calamine(data) == read
    with pytest.raises(UnsafeWorkbook, match="damaged"):
        check_workbook(data)


def test_each_such_upload_says_the_workbook_is_damaged_and_writes_nothing(sqlite_app, sqlite_world, sqlite_client,
                                                                          sqlite_auth):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False  # run inside the request: a crash would show here
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    counts, before, differ = table_counts(), snapshot(), {}
    for name, (make, _) in REFUSED.items():
        response = sqlite_auth.post("/imports/upload", {"kind": "roster", "file": (io.BytesIO(make()), "r.xlsx")},
                                    content_type="multipart/form-data")
        batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
        page = sqlite_client.get(response.headers["Location"]).get_data(as_text=True)
        outcome = (response.status_code, batch.status, [p.rule for p in batch.problems],
                   "The workbook is damaged" in batch.problems[0].message, "nothing was changed" in page)
        if outcome != (303, "rejected", ["file.unsafe"], True, True):
            differ[name] = outcome
    assert differ == {}
    assert table_counts() == counts and snapshot() == before


@pytest.mark.parametrize("name", list(MEASURED))
def test_a_part_calamine_finds_by_another_spelling_is_the_part_measured(tmp_path, name):
    """Refused past 10 cells naming the sheet, read whole within the limits: the 51 rows calamine reads. The cell
    named is in row 51 (the large part): its column is that of the last cell the quick listing is sure of (spreadsheets/
    reach.py), D for the dates openpyxl writes as numbers, where the header's shared strings reach G."""
    path = tmp_path / "spelled.xlsx"
    path.write_bytes(MEASURED[name]())
    with pytest.raises(UnsafeWorkbook, match=r"reaches cell [A-G]51\b"):
        open_checked(path, 10, 10)
    workbook, _ = open_checked(path, 1000, 10)
    assert len(list(load_sheet(workbook, 0).iter_rows())) == 51


def test_a_stale_workbook_part_named_in_capitals_is_left_out_of_the_copy_calamine_reads(tmp_path):
    """The workbook part at xl/book.xml is read from a copy where it is xl/workbook.xml; a stale xl/WORKBOOK.XML
    was copied beside it, and calamine read the 51 rows it names, not the 2 rows measured."""
    path = tmp_path / "stale.xlsx"
    path.write_bytes(hostile.stale_workbook_part(SMALL, LARGE))
    workbook, _ = open_checked(path, 100, 10)
    assert len(list(load_sheet(workbook, 0).iter_rows())) == 2


@pytest.mark.parametrize("written", [
    pytest.param(wbk.roster, id="openpyxl: /xl/worksheets/sheet1.xml"),
    pytest.param(lambda rows: op.custom_xml(op.excel({"Roster": [wbk.ROSTER_HEADER, *rows]})),
                 id="Excel: worksheets/sheet1.xml, ../customXml/item1.xml"),
])
def test_the_targets_programs_write_still_import(app, client, auth, world, written):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    auth.login(world.users["clerk_a"])
    response = auth.post("/imports/upload", {"kind": "roster", "file": (io.BytesIO(written(ROWS[:3])), "r.xlsx")},
                         content_type="multipart/form-data")
    assert "Ready to import: 3 new" in client.get(response.headers["Location"]).get_data(as_text=True)
    before = len(snapshot()["participant"])
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
    auth.post(f"/imports/{batch.id}/commit")
    assert len(snapshot()["participant"]) == before + 3
