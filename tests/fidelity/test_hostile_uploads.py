"""The two uploads the web process reads itself with openpyxl, a scale version and an offline scoring workbook, given
hostile or unusual files: each is refused with what is wrong and where (never a server error), and nothing changes."""
import io

import pytest
from sqlalchemy import select

from extensions import db
from fidelity.models import Rating, ScaleVersion
from tests import hostile_files as hostile
from tests.fidelity.factories import GROUP_A, make_visit, user
from tests.imports import other_programs as op, workbooks as wbk

FIRST_ITEM_ROW = 10


def _scale_template(client):
    response = client.get("/fidelity/scales/imr_fidelity/3-24-05/workbook")
    book = wbk.load_workbook(io.BytesIO(response.data))
    scale = book["Scale"]
    for row in scale.iter_rows(min_row=2):
        if row[0].value == "version":
            row[1].value = "state-2026"
    return book


def _error_in(book, sheet, cell, shows="#REF!"):
    """The workbook's bytes with `cell` of `sheet` holding a formula whose saved result is an error, as Excel saves
    a formula that lost its cells."""
    book[sheet][cell] = "placeholder-error-cell"
    data = wbk.saved(book)
    part = f"xl/worksheets/sheet{book.sheetnames.index(sheet) + 1}.xml"
    return wbk.replace_part(data, part, lambda xml: _with_error(xml, cell, shows))


def _with_error(xml, cell, shows):
    start = xml.index(b'<c r="%s"' % cell.encode())
    end = xml.index(b"</c>", start) + 4
    return xml[:start] + b'<c r="%s" t="e"><f>#REF!+1</f><v>%s</v></c>' % (cell.encode(), shows.encode()) + xml[end:]


def _renamed(book, old, new):
    book[old].title = new
    return wbk.saved(book)


def _big_sheet(book, sheet, rows=12_000, columns=10):
    """A sheet of the workbook filled down to `rows` x `columns` (120,000 cells: a pasted export).

    openpyxl writes the sheet with its first row and the rest goes into its XML as openpyxl writes it (the same
    parts, byte for byte, but 0.3 s instead of 3 s of openpyxl appending and saving 120,000 cells)."""
    from spreadsheets.xml_tags import column_letters
    ws = book.create_sheet(sheet)
    ws.append([1] * columns)
    part = f"xl/worksheets/sheet{book.sheetnames.index(sheet) + 1}.xml"
    letters = [column_letters(c) for c in range(1, columns + 1)]
    xml = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="n"><v>{r}</v></c>' for c in letters) + "</row>"
                  for r in range(1, rows + 1))
    last = f"{letters[-1]}{rows}"

    def filled(old):
        start, end = old.index(b"<sheetData>") + len(b"<sheetData>"), old.index(b"</sheetData>")
        return (old[:start].replace(b'<dimension ref="A1:%s1" />' % letters[-1].encode(),
                                    b'<dimension ref="A1:%s" />' % last.encode()) + xml.encode() + old[end:])
    return wbk.replace_part(wbk.saved(book), part, filled)


# name -> (the file from the downloaded template (an openpyxl Workbook), words the page must show)
COMMON = {
    "0-byte file": (lambda book: b"", "The file is empty."),
    "corrupt zip": (lambda book: wbk.saved(book)[:3000], "damaged"),
    "password-protected": (lambda book: wbk.encrypted(wbk.saved(book)), "password-protected (encrypted)"),
    ".xls renamed .xlsx": (lambda book: wbk.legacy_xls(), "old Excel 97-2003 workbook (.xls)"),
    ".ods renamed .xlsx": (lambda book: op.ods([["Field", "Value"]]), "an OpenDocument spreadsheet (.ods)"),
    "CSV renamed .xlsx": (lambda book: b"Field,Value\r\nkey,imr_fidelity\r\n", "Only an Excel workbook (.xlsx)"),
    "zip bomb": (lambda book: wbk.zip_bomb(), "would unpack to 30 MB, more than the 20 MB"),
    "entity bomb": (lambda book: wbk.entity_bomb(wbk.saved(book)), "entity declarations"),
    "XFD1048576": (lambda book: hostile.dimension_bomb(), "XFD1048576"),
    "a pasted export of 120,000 cells": (lambda book: _big_sheet(book, "Pasted"),
                                         "Sheet 'Pasted' reaches cell J12000"),
    "huge shared strings": (lambda book: hostile.huge_shared_strings(wbk.saved(book)), "more than the 20 MB"),
    "a sheet's Target read two ways": (lambda book: hostile.sheet_read_as_written(wbk.saved(book), wbk.saved(book)),
                                       "The workbook is damaged"),
    "a sheet beside its name in capitals": (lambda book: hostile.part_alike(wbk.saved(book), wbk.saved(book)),
                                            "The workbook is damaged"),
    "the workbook part typed elsewhere": (lambda book: hostile.workbook_typed_elsewhere(wbk.saved(book),
                                                                                      _big_sheet(book, "Pasted")),
                                          "The workbook is damaged"),
}
SCALE = {
    **COMMON,
    "empty workbook": (lambda book: wbk.xlsx({"Sheet1": []}), "sheet 'Scale' is missing"),
    "Items sheet renamed": (lambda book: _renamed(book, "Items", "Items (2)"), "sheet 'Items' is missing"),
    "merged header cells": (lambda book: _merged(book, "Items", "A1:B1"), "sheet 'Items', row 1: the headings"),
    "anchor showing #REF!": (lambda book: _error_in(book, "Items", "G3"),
                             "sheet 'Items', cell G3 shows #REF! (a formula refers to cells that were deleted)"),
}
OFFLINE = {
    **COMMON,
    "empty workbook": (lambda book: wbk.xlsx({"Sheet1": []}), "not a scoring workbook from this service"),
    "Ratings sheet renamed": (lambda book: _renamed(book, "Ratings", "Ratings (2)"),
                              "not a scoring workbook from this service"),
    "rating showing #N/A": (lambda book: _error_in(book, "Ratings", f"E{FIRST_ITEM_ROW}", "#N/A"),
                            "row 10, column E (item 1, Number of people in a session or group): '#N/A'"),
    "note showing #REF!": (lambda book: _error_in(book, "Ratings", f"F{FIRST_ITEM_ROW + 1}"),
                           "Sheet Ratings, cell F11 shows #REF! (a formula refers to cells that were deleted)"),
}


def _merged(book, sheet, cells):
    book[sheet].merge_cells(cells)
    return wbk.saved(book)


def _page(response):
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&gt;", ">")


@pytest.mark.parametrize("name", list(SCALE))
def test_a_hostile_scale_workbook_is_refused_saying_why(app, client, auth, world, name):
    auth.login(world.users["admin"])
    make, words = SCALE[name]
    data = make(_scale_template(client))
    response = auth.post("/fidelity/scales/upload", {"workbook": (io.BytesIO(data), "state-imr.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code == 400 and words in _page(response), _page(response)[-2500:]
    assert db.session.scalars(select(ScaleVersion)).all() == []


@pytest.mark.parametrize("name", list(OFFLINE))
def test_a_hostile_scoring_workbook_is_refused_saying_why(app, client, auth, world, name):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    book = wbk.load_workbook(io.BytesIO(client.get(f"/fidelity/assessments/{visit.id}/workbook").data))
    for offset, value in enumerate(GROUP_A):
        book["Ratings"].cell(row=FIRST_ITEM_ROW + offset, column=5, value=value)
    make, words = OFFLINE[name]
    data = make(book)
    response = auth.post(f"/fidelity/assessments/{visit.id}/workbook", {"workbook": (io.BytesIO(data), "r.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code == 400 and words in _page(response), _page(response)[-2500:]
    assert db.session.scalars(select(Rating)).all() == []


@pytest.mark.parametrize("url", ["/fidelity/scales/upload", "/fidelity/assessments/{visit}/workbook"])
def test_a_30_mb_file_is_refused_by_its_size_before_it_is_read(app, client, auth, world, url):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["admin"])
    data = b"PK\x03\x04" + b"\x00" * (30 * 1024 * 1024)
    response = auth.post(url.format(visit=visit.id), {"workbook": (io.BytesIO(data), "big.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code == 413 and "larger than 20 MB" in _page(response)
    assert "Nothing was changed" in _page(response)
