"""The streaming .xlsx writer: what Excel's readers (openpyxl, calamine) read back is what was written."""
import io

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from spreadsheets.xlsx_stream import column_letters, write_xlsx


def _written(sheets):
    out = io.BytesIO()
    write_xlsx(out, sheets)
    return out.getvalue()


def test_values_come_back_as_written_and_never_as_formulas():
    rows = [["A000", 3, 2.5, None, "=HYPERLINK(\"http://x\")"], ["bell\x07here", " padded ", "a & b <c>", "", "+1"]]
    data = _written([("Lines & \"more\"", ["Code", "Row", "Hours", "Blank", "Note"], rows), ("Empty", None, [])])
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Lines & \"more\""]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [
        ["Code", "Row", "Hours", "Blank", "Note"],
        ["A000", 3, 2.5, None, "'=HYPERLINK(\"http://x\")"],
        ["bell\\x07here", " padded ", "a & b <c>", None, "'+1"]]
    assert ws["A1"].font.b and not ws["A2"].font.b and ws.freeze_panes == "A2"
    assert wb.sheetnames == ["Lines & \"more\"", "Empty"] and wb["Empty"].max_row == 1
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert calamine[1][:3] == ["A000", 3, 2.5] and calamine[2][0] == "bell\\x07here"


def test_a_long_sheet_streams_every_row_and_wide_rows_get_their_letters():
    rows = ((f"P{i:06}", i) for i in range(30_000))
    wide = [list(range(30))]
    wb = load_workbook(io.BytesIO(_written([("Long", ["Code", "n"], rows), ("Wide", None, wide)])), read_only=True)
    long = list(wb["Long"].iter_rows(values_only=True))
    assert len(long) == 30_001 and long[-1] == ("P029999", 29999)
    assert list(wb["Wide"].iter_rows(values_only=True)) == [tuple(range(30))]
    assert column_letters(28)[-3:] == ["Z", "AA", "AB"]
