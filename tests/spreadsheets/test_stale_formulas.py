"""A workbook whose formulas hold a program's placeholder results (0) is told apart from one a spreadsheet
program calculated, whose 0 is a result."""
import io
import re
import zipfile

import pytest
import xlsxwriter

from spreadsheets import extent
from spreadsheets.extent import SheetRefused, check_extents, scan_workbook
from tests.imports import workbooks as wbk


def _path(tmp_path, data):
    path = tmp_path / "book.xlsx"
    path.write_bytes(data)
    return path


def stale_formula(path):
    """(sheet, cell) named by the refusal of a workbook never calculated, or None when the scan lets it through."""
    try:
        scan_workbook(path, stale=True)
    except SheetRefused as refused:
        found = re.search(r"Sheet '(.*)' has formulas whose results were never calculated \(cell (\w+)", str(refused))
        assert found, refused
        return found.groups()
    return None


def test_a_formula_written_without_its_result_is_found_with_its_tags_prefixed(tmp_path):
    """openpyxl writes <f>1+1</f><v /> and asks to be calculated; a program built on other XML tools writes the same
    as <x:f>, <x:v />: the reader takes them alike, and shows a blank where Excel shows 2."""
    data = wbk.sessions([["Alpha group", "2026-02-02", "=1+1", "A001", "Y"]], header=wbk.SESSIONS_HEADER[:5])
    prefixed = wbk.replace_part(data, "xl/worksheets/sheet1.xml", lambda xml: re.sub(
        rb"<(/?)(worksheet|sheetData|row|c|f|v|is|t)\b", rb"<\1x:\2", xml).replace(b"xmlns=", b"xmlns:x="))
    for book in (data, prefixed):
        with pytest.raises(SheetRefused, match=r"never calculated \(cell C2 is the first\)"):
            check_extents(_path(tmp_path, book))


def test_placeholder_results_in_a_workbook_asking_to_be_calculated_are_found(tmp_path):
    assert stale_formula(_path(tmp_path, wbk.xlsxwriter_sessions("=30+15"))) == ("Sessions", "F3")


def test_a_workbook_that_does_not_ask_to_be_calculated_has_results(tmp_path):
    """Excel and LibreOffice save results and do not ask for a calculation on opening: their 0 is a result."""
    data = wbk.replace_part(wbk.xlsxwriter_sessions("=45-45"), "xl/workbook.xml",
                            lambda xml: xml.replace(b' fullCalcOnLoad="1"', b""))
    assert stale_formula(_path(tmp_path, data)) is None


def test_one_real_result_shows_the_workbook_was_calculated(tmp_path):
    data = wbk.with_cached_formula(wbk.xlsxwriter_sessions("=45-45"), "F2", "40+5", 45)
    assert stale_formula(_path(tmp_path, data)) is None


def test_a_damaged_sheet_is_named_damaged(tmp_path):
    """The formulas are looked for in the extent scan's pass, which names a damaged part."""
    data = bytearray(wbk.xlsxwriter_sessions("=30+15"))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        member = archive.getinfo("xl/worksheets/sheet1.xml")
    start = member.header_offset + 30 + len(member.filename) + len(member.extra)
    data[start:start + member.compress_size] = b"\xff" * member.compress_size  # not a deflate stream
    path = _path(tmp_path, bytes(data))
    with pytest.raises(SheetRefused, match="damaged"):
        scan_workbook(path, stale=True)


def test_a_stale_workbook_is_refused_as_such_before_a_later_sheet_beyond_the_limits(tmp_path):
    """The formulas' verdict needs every sheet (one real result anywhere clears it): it is said first, as ever."""
    data = wbk.replace_part(wbk.xlsxwriter_sessions("=30+15"), "xl/worksheets/sheet1.xml",
                            lambda xml: xml.replace(b"</sheetData>", b'<row r="900"><c r="GS900"><v>1</v></c></row>'
                                                                     b"</sheetData>"))
    assert stale_formula(_path(tmp_path, data)) == ("Sessions", "F3")
    with pytest.raises(SheetRefused, match="GS900"):  # calculated: the sheet's extent is refused
        scan_workbook(_path(tmp_path, wbk.with_cached_formula(data, "F2", "40+5", 45)), stale=True)


def test_a_sheet_after_a_refused_one_is_read_once_for_the_formulas_verdict(tmp_path, monkeypatch):
    """Only the formulas' verdict is still open: the later sheet's extent, however costly to settle, is not asked."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})  # saves 0 for each formula, asks to be calculated
    sessions, notes = book.add_worksheet("Sessions"), book.add_worksheet("Notes")
    sessions.write_formula("F3", "=30+15")
    sessions.write_number("GS900", 1)  # beyond the columns read: refused
    notes.write_blank("GS900", None, book.add_format({"bold": True}))
    book.close()
    data = wbk.replace_part(buffer.getvalue(), "xl/worksheets/sheet2.xml",  # far, and empty only when looked into
                            lambda xml: xml.replace(b'<c r="GS900" s="1"/>', b'<c r="GS900"><v></v></c>'))
    reads = []
    slices = extent.xml_slices
    monkeypatch.setattr(extent, "xml_slices", lambda archive, part: reads.append(part) or slices(archive, part))
    assert stale_formula(_path(tmp_path, data)) == ("Sessions", "F3")
    assert reads.count("xl/worksheets/sheet2.xml") == 1
