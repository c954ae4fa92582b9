"""calamine parses a copy of an upload once a sheet, not twice: the copy hides each sheet's merged ranges from it,
and the extent scan finds them as calamine would have."""
import io
import zlib

import pytest
from python_calamine import CalamineWorkbook

from spreadsheets import unpack
from spreadsheets.extent import check_extents
from spreadsheets.one_pass_copy import crc32_combine, write_copy
from tests import hostile_files as hostile
from tests.imports import workbooks as wbk

ROWS = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>x{r}</t></is></c></row>'
               for r in range(1, 8))


def with_merges(merges, rows=ROWS):
    """A one-sheet workbook whose sheet XML has `merges` after its cells, where Excel writes them."""
    data = hostile.workbook({"Data": rows})
    return wbk.replace_part(data, "xl/worksheets/sheet1.xml",
                            lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + merges.encode()))


def calamine(path_or_data):
    """(cells, merged ranges) as calamine reads the first sheet, or the error it raises."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(path_or_data)) if isinstance(path_or_data, bytes) else \
        CalamineWorkbook.from_path(str(path_or_data))
    try:
        sheet = book.get_sheet_by_index(0)
    except Exception as error:
        return type(error)
    return sheet.to_python(), sheet.merged_cell_ranges


@pytest.mark.parametrize("merges", [
    '<mergeCells count="3"><mergeCell ref="A1:E1"/><mergeCell ref="A3:A5"/><mergeCell ref="b3:B5"/></mergeCells>',
    "<mergeCells><mergeCell ref='C7'/><mergeCell/><mergeCell ref=\"AA2:AB9\"></mergeCell></mergeCells>",
    '<x:mergeCells><x:mergeCell ref="A2:A4"/></x:mergeCells>',
    '<mergeCells/><mergeCells><mergeCell ref="A2:A4"/></mergeCells>',  # the first element only, empty
    '<mergeCells><mergeCell ref="A2:A4"/></mergeCells><mergeCells><mergeCell ref="B2:B4"/></mergeCells>',
    "",
    # calamine fails the sheet: a reference it cannot parse, an element without an end
    '<mergeCells><mergeCell ref="A0:A4"/></mergeCells>', '<mergeCells><mergeCell ref="1:4"/></mergeCells>',
    '<mergeCells><mergeCell ref="A1:A2:A3"/></mergeCells>', '<mergeCells><mergeCell ref="A1"/>',
])
def test_the_scan_finds_the_merged_ranges_calamine_reads(tmp_path, merges):
    data = with_merges(merges)
    cells, merged = calamine(data) if isinstance(calamine(data), tuple) else (None, None)
    [found] = check_extents(io.BytesIO(data))
    assert found.merged == merged
    (tmp_path / "upload.xlsx").write_bytes(data)
    assert write_copy(tmp_path / "upload.xlsx", tmp_path / "copy.xlsx", {"xl/worksheets/sheet1.xml"})
    if cells is not None:  # the copy: the same cells, and no merged ranges for calamine to read again
        assert calamine(tmp_path / "copy.xlsx") == (cells, [])


def test_merged_ranges_cut_between_slices_are_all_found(monkeypatch):
    monkeypatch.setattr(unpack, "OUT_BYTES", 64)  # slices end inside the list of merged ranges
    merges = "".join(f'<mergeCell ref="A{r}:B{r + 1}"/>' for r in range(2, 300, 2))
    data = with_merges(f'<mergeCells count="149">{merges}</mergeCells>')
    [found] = check_extents(io.BytesIO(data))
    assert found.merged == calamine(data)[1] and len(found.merged) == 149


def test_an_openpyxl_workbook_copied_reads_the_same(tmp_path):
    path = tmp_path / "upload.xlsx"
    path.write_bytes(wbk.xlsx({"One": [["a", 1], ["b", 2.5]], "Två": [["c", None, "é"]]}))
    parts = {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}
    assert write_copy(path, tmp_path / "copy.xlsx", parts)
    for index in (0, 1):
        original = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(index).to_python()
        assert CalamineWorkbook.from_path(str(tmp_path / "copy.xlsx")).get_sheet_by_index(index).to_python() == original


def test_a_stored_sheet_is_not_copied(tmp_path):
    path = tmp_path / "stored.xlsx"
    path.write_bytes(hostile.workbook({"Data": ROWS}, compression=0))
    assert not write_copy(path, tmp_path / "copy.xlsx", {"xl/worksheets/sheet1.xml"})


@pytest.mark.parametrize("first, second", [(b"", b"abc"), (b"<mergeCells></mergeCells>", bytes(range(256)) * 999)])
def test_crc32_combined_is_the_crc32_of_both(first, second):
    assert crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == zlib.crc32(first + second)
