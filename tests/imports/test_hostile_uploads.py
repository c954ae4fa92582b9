"""Hostile workbooks uploaded through the pages end as refused batches with a plain message, change nothing,
and leave the web app answering."""
import functools
import io

import pytest
from sqlalchemy import select

from extensions import db
from imports.models import ImportBatch, ImportProblem
from tests import hostile_files as hostile
from tests.imports.conftest import snapshot, table_counts


@functools.cache
def _file(name):
    """Each hostile file once per test run (the million-row one takes seconds to write)."""
    return hostile.HOSTILE[name][0]()


def _upload(auth, data, kind="roster", name="hostile.xlsx"):
    form = {"kind": kind, "file": (io.BytesIO(data), name)}
    return auth.post("/imports/upload", form, content_type="multipart/form-data")


@pytest.mark.parametrize("name", list(hostile.HOSTILE))
def test_a_hostile_upload_is_refused_with_its_reason_and_changes_nothing(app, client, auth, world, name):
    app.config["IMPORTS_IN_BACKGROUND"] = False  # run inside the request: a crash would show here
    auth.login(world.users["clerk_a"])
    counts, rows = table_counts(), snapshot()
    response = _upload(auth, _file(name))
    assert response.status_code == 303
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
    assert batch.status == "rejected"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count("nothing was changed") >= 1
    message = db.session.scalar(select(ImportProblem.message).where(ImportProblem.batch_id == batch.id))
    for word in hostile.HOSTILE[name][1]:
        assert word in message
    assert table_counts() == counts and snapshot() == rows
    assert client.get("/imports/").status_code == 200  # the web app keeps answering
    download = client.get(f"/imports/{batch.id}/problems.xlsx")
    assert download.status_code == 200 and download.data[:2] == b"PK"


def test_the_limits_are_settings(app, client, auth, world):
    app.config.update(IMPORTS_IN_BACKGROUND=False, IMPORT_MAX_SHEET_CELLS=20, IMPORT_MAX_SHEET_COLUMNS=5)
    auth.login(world.users["clerk_a"])
    from tests.imports import workbooks as wbk
    _upload(auth, wbk.roster([["A001", "Alpha group", None, None, None, None, None]]))
    problem = db.session.scalar(select(ImportProblem.message))
    assert "Sheet 'Roster' reaches cell G2" in problem and "more than the 5 columns" in problem
    app.config["IMPORT_MAX_SHEET_COLUMNS"] = 200
    _upload(auth, wbk.roster([["A001", "Alpha group", None, None, None, None, None]] * 2))
    problem = db.session.scalar(select(ImportProblem.message).order_by(ImportProblem.id.desc()).limit(1))
    assert "G3: 3 rows x 7 columns = 21 cells, more than the 20" in problem


def test_a_border_applied_down_the_sheet_is_not_data(app, client, auth, world):
    """An agency's roster with one formatted, empty cell at XFD1048576 (a fill or border applied down the sheet) is
    checked like the roster alone: the reader ignores the cell, and so does the extent limit."""
    app.config["IMPORTS_IN_BACKGROUND"] = False
    auth.login(world.users["clerk_a"])
    outcomes = []
    for far in ("", '<row r="1048576" s="2" customFormat="1"><c r="XFD1048576" s="2"/></row>'):
        assert _upload(auth, hostile.roster_with(far)).status_code == 303
        batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
        outcomes.append((batch.status, db.session.scalars(select(ImportProblem.message)
                                                          .where(ImportProblem.batch_id == batch.id)).all()))
    assert outcomes[1] == outcomes[0]
    assert not any("reaches cell" in message for message in outcomes[1][1])


def _roster():
    from tests.imports import workbooks as wbk
    return wbk.roster([["A010", "Alpha group", None, "2026-01-05", None, None, None]])


def _damaged_ods():
    from tests.imports import workbooks as wbk
    return hostile.broken_deflate(wbk.pack({"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                                            "content.xml": "<office:document-content/>"}), "mimetype")


DAMAGED = {  # name: (the upload, words the refusal must contain)
    "a part whose deflate stream is broken": (lambda: hostile.broken_deflate(_roster()), "damaged"),
    "a zip version no reader knows": (lambda: hostile.needs_zip_version(_roster()), "damaged"),
    "a damaged zip that is no workbook": (_damaged_ods, "damaged zip"),
    "parts placed before the file's start": (lambda: hostile.misplaced_central_directory(_roster()), "damaged"),
}


@pytest.mark.parametrize("name", list(DAMAGED))
def test_a_damaged_zip_is_refused_as_damaged_not_failed(app, client, auth, world, name):
    """A workbook damaged in transit (zlib stops inside a part; a byte flipped in the zip's central directory) is
    refused, saying it is damaged: zipfile's zlib.error and NotImplementedError failed the import with "an unexpected
    error", and the download of the original answered 500; so did a negative seek (parts placed before the file's
    start: OSError on the import's spooled file, ValueError on the bytes the download checks)."""
    app.config["IMPORTS_IN_BACKGROUND"] = False
    auth.login(world.users["clerk_a"])
    data, words = DAMAGED[name][0](), DAMAGED[name][1]
    counts, rows = table_counts(), snapshot()
    response = _upload(auth, data)
    assert response.status_code == 303
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
    assert batch.status == "rejected", batch.message
    [message] = db.session.scalars(select(ImportProblem.message).where(ImportProblem.batch_id == batch.id)).all()
    assert words in message
    assert table_counts() == counts and snapshot() == rows
    assert client.get(f"/imports/{batch.id}").status_code == 200
    assert client.get(f"/imports/{batch.id}/original").status_code == 404  # not offered: no spreadsheet
