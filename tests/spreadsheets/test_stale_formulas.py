"""A workbook whose formulas hold a program's placeholder results (0) is told apart from one a spreadsheet
program calculated, whose 0 is a result."""
import io
import zipfile

from spreadsheets.stale_formulas import refusal, stale_formula
from tests.imports import workbooks as wbk


def _path(tmp_path, data):
    path = tmp_path / "book.xlsx"
    path.write_bytes(data)
    return path


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


def test_a_damaged_sheet_is_left_to_the_extent_scan_to_name(tmp_path):
    """Looked for before the extent scan, which names a damaged part: this check must not fail on one first."""
    data = bytearray(wbk.xlsxwriter_sessions("=30+15"))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        member = archive.getinfo("xl/worksheets/sheet1.xml")
    start = member.header_offset + 30 + len(member.filename) + len(member.extra)
    data[start:start + member.compress_size] = b"\xff" * member.compress_size  # not a deflate stream
    path = _path(tmp_path, bytes(data))
    assert refusal(path) is None
