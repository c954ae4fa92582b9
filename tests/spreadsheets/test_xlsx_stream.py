"""The streaming .xlsx writer: what Excel's readers (openpyxl, calamine) read back is what was written."""
import io
import os
import tempfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from spreadsheets.xlsx_stream import write_xlsx


def _written(sheets):
    out = io.BytesIO()
    write_xlsx(out, sheets)
    return out.getvalue()


def _calamine(data, index=0):
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(index).to_python()


def test_values_come_back_as_written_and_never_as_formulas():
    rows = [["A000", 3, 2.5, None, "=HYPERLINK(\"http://x\")"], ["plain", " padded ", "a & b <c>", "", "+1"]]
    data = _written([("Lines & \"more\"", ["Code", "Row", "Hours", "Blank", "Note"], rows), ("Empty", None, [])])
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Lines & \"more\""]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [
        ["Code", "Row", "Hours", "Blank", "Note"],
        ["A000", 3, 2.5, None, "'=HYPERLINK(\"http://x\")"],
        ["plain", " padded ", "a & b <c>", None, "'+1"]]
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    assert ws["A1"].font.b and not ws["A2"].font.b and ws.freeze_panes == "A2"
    assert wb.sheetnames == ["Lines & \"more\"", "Empty"] and wb["Empty"].max_row == 1
    assert _calamine(data)[1][:3] == ["A000", 3, 2.5]


def test_text_that_looks_like_a_number_or_a_link_stays_text():
    looks = ["00123", "1e5", "3.50", "http://example.org", "mailto:a@b.org", "TRUE"]
    ws = load_workbook(io.BytesIO(_written([("Text", None, [looks])])))["Text"]
    assert [c.value for c in ws[1]] == looks and all(c.data_type == "s" for c in ws[1])
    assert not ws._hyperlinks


def test_characters_excel_forbids_are_written_as_excels_own_escapes():
    rows = [["bell\x07here", "lit_x0007_", "tab\tand\nline", "lone\ud800"]]
    data = _written([("Odd", None, rows)])
    # Excel (and calamine) read _x0007_ back as the character; a literal "_x0007_" stays literal
    assert _calamine(data) == [["bell\x07here", "lit_x0007_", "tab\tand\nline", "lone\ufffd"]]
    # openpyxl does not undo Excel's escapes: it shows them as they are stored
    assert [c.value for c in load_workbook(io.BytesIO(data))["Odd"][1]][:2] == ["bell_x0007_here", "lit_x005F_x0007_"]


def test_dates_stay_dates_and_odd_values_never_fail():
    rows = [[date(2026, 2, 9), datetime(2026, 2, 9, 14, 30), date(1850, 1, 1), 2 ** 60, float("nan"), True]]
    ws = load_workbook(io.BytesIO(_written([("Kinds", None, rows)])))["Kinds"]
    values = [c.value for c in ws[1]]
    assert values[:2] == [datetime(2026, 2, 9), datetime(2026, 2, 9, 14, 30)] and ws["A1"].is_date
    assert values[2:4] == ["1850-01-01", str(2 ** 60)]  # Excel has no date before 1900; no digit lost
    assert values[4] == "nan" and values[5] is True


def test_a_long_sheet_streams_every_row_and_wide_rows_get_their_letters():
    rows = ((f"P{i:06}", i) for i in range(30_000))
    wide = [list(range(30))]
    wb = load_workbook(io.BytesIO(_written([("Long", ["Code", "n"], rows), ("Wide", None, wide)])), read_only=True)
    long = list(wb["Long"].iter_rows(values_only=True))
    assert len(long) == 30_001 and long[-1] == ("P029999", 29999)
    assert list(wb["Wide"].iter_rows(values_only=True)) == [tuple(range(30))]


def test_a_failed_write_leaves_no_temporary_files(monkeypatch):
    with tempfile.TemporaryDirectory() as private:
        monkeypatch.setattr(tempfile, "tempdir", private)

        def rows():
            yield ["first"]
            raise RuntimeError("the database went away")

        with pytest.raises(RuntimeError):
            write_xlsx(io.BytesIO(), [("Lines", ["Line"], rows())])
        assert os.listdir(private) == []
