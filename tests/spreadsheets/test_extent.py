"""A sheet's extent is read from its cell references, the way the reader places cells, before it is read."""
import io
import subprocess
import sys
import zipfile

import pytest

from spreadsheets import extent, unpack
from spreadsheets.extent import SheetRefused, check_extents
from spreadsheets.guard import UnsafeWorkbook, check_workbook
from tests import hostile_files as hostile
from tests.imports import workbooks as wbk


def one_sheet(xml, **kwargs):
    return io.BytesIO(hostile.workbook({"Data": xml}, **kwargs))


@pytest.fixture
def measured(monkeypatch):
    """measured(xml) -> (rows, columns) counted exactly (the fast proof of smallness switched off)."""
    monkeypatch.setattr(extent, "fast_pattern", lambda *limits: None)

    def measure(xml):
        [found] = check_extents(one_sheet(xml), 10**12, 10**6)
        assert found.exact
        return found.rows, found.columns
    return measure


@pytest.mark.parametrize("name", [n for n in hostile.HOSTILE if n != "million rows"])
def test_hostile_workbooks_are_refused_naming_sheet_extent_and_limit(name):
    make, words = hostile.HOSTILE[name]
    with pytest.raises(UnsafeWorkbook) as refused:
        check_workbook(make())
    for word in words:
        assert word in str(refused.value)


def test_the_fix_is_named():
    with pytest.raises(UnsafeWorkbook, match="Delete the empty rows and columns beyond your data"):
        check_workbook(hostile.far_cell())


@pytest.mark.parametrize("xml, expected", [
    ('<row r="1"><c r="A1"><v>1</v></c><c r="C1"><v>1</v></c></row><row r="7"><c r="B7"><v>1</v></c></row>', (7, 3)),
    # the cell's own reference decides, not its row
    ('<row r="2"><c r="Q40"><v>1</v></c></row>', (40, 17)),
    # rows and cells without r are counted: row 1, then row 2 cells A..D, then C after an explicit B
    ('<row><c><v>1</v></c></row><row><c/><c/><c/><c><v>1</v></c></row><row><c r="B3"/><c><v>1</v></c></row>', (3, 4)),
    # a row with r sets the count; a row without r follows it, self-closing rows count too
    ('<row r="9"/><row/><row><c><v>1</v></c></row>', (11, 1)),
    # a cell with r does not move the row count: the next cell without r is on the row's own line
    ('<row r="5"><c r="A900"><v>1</v></c><c><v>1</v></c></row>', (900, 2)),
    # the last r of a tag wins (calamine reads the last); whitespace and single quotes are still attributes
    ('<row r="1"><c r="A1" r="D60"><v>1</v></c></row>', (60, 4)),
    ("<row r='1'><c r = 'E70'><v>1</v></c></row>", (70, 5)),
    ('<row r="1"><c\nr="F80"><v>1</v></c></row>', (80, 6)),
    # lower-case references, and cells written with a namespace prefix
    ('<row r="1"><c r="g90"><v>1</v></c></row>', (90, 7)),
    ('<x:row r="1"><x:c r="H95"><x:v>1</x:v></x:c></x:row>', (95, 8)),
    # an attribute merely ending in r is not r
    ('<row r="1"><c rr="Z900" r="B2"><v>1</v></c></row>', (2, 2)),
    # empty sheet
    ('', (0, 0)),
])
def test_cells_are_placed_as_the_reader_places_them(measured, xml, expected):
    assert measured(xml) == expected


def test_the_dimension_element_is_not_believed(measured):
    xml = '<row r="1"><c r="A1"><v>1</v></c></row><row r="50"><c r="J50"><v>1</v></c></row>'
    assert check_extents(one_sheet(xml, dimension="A1:B2"), 10**12, 10**6)[0].rows == 50
    assert check_extents(one_sheet('<row r="1"><c r="A1"><v>1</v></c></row>', dimension="A1:XFD1048576"))


def test_references_cut_between_reads_are_still_found(monkeypatch, measured):
    monkeypatch.setattr(unpack, "READ_BYTES", 7)  # slices end at every few bytes, mid-tag
    xml = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="C{r}" t="s"><v>0</v></c></row>' for r in range(1, 400))
    assert measured(xml + '<row r="4321"><c r="AB4321"><v>1</v></c></row>') == (4321, 28)
    with pytest.raises(SheetRefused, match="AB4321"):
        check_extents(one_sheet(xml + '<row r="4321"><c r="AB4321"><v>1</v></c></row>'), max_cells=100_000)


def test_a_plain_sheet_is_proved_small_without_counting(monkeypatch):
    data = wbk.sessions([["Alpha group", wbk.day(0), 1, "C001", "Y", 60, None, None]] * 50)
    [found] = check_extents(io.BytesIO(data))
    assert not found.exact and found.cells <= extent.MAX_SHEET_CELLS and found.columns <= 200
    monkeypatch.setattr(extent, "fast_pattern", lambda *limits: None)
    [counted] = check_extents(io.BytesIO(data))
    assert (counted.rows, counted.columns, counted.exact) == (51, 8, True)


@pytest.mark.parametrize("last, refused", [("O1000000", False), ("O1000001", True)])
def test_the_cell_limit_is_exact(last, refused):
    xml = f'<row r="1"><c r="A1"><v>1</v></c></row><row r="{last[1:]}"><c r="{last}"><v>2</v></c></row>'
    if refused:
        with pytest.raises(SheetRefused, match=rf"{last}: 1,000,001 rows x 15 columns = 15,000,015 cells"):
            check_extents(one_sheet(xml))
    else:
        assert check_extents(one_sheet(xml))[0].cells == 15_000_000


@pytest.mark.parametrize("last, refused", [("GR1", False), ("GS1", True)])
def test_the_column_limit_is_exact(last, refused):
    xml = f'<row r="1"><c r="A1"><v>1</v></c><c r="{last}"><v>2</v></c></row>'
    if refused:
        with pytest.raises(SheetRefused, match="201 columns, more than the 200 columns"):
            check_extents(one_sheet(xml))
    else:
        assert check_extents(one_sheet(xml))[0].columns == 200


def test_a_sheets_own_relationships_are_no_sheet():
    """A hyperlink gives a sheet its relationships part (xl/worksheets/_rels/sheet1.xml.rels), which is no sheet."""
    from openpyxl import Workbook
    book = Workbook()
    book.active.append(["a"])
    book.active["A1"].hyperlink = "https://example.org"
    data = wbk.saved(book)
    assert "xl/worksheets/_rels/sheet1.xml.rels" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert [facts.sheet for facts in check_extents(io.BytesIO(data))] == ["Sheet"]


READ_UNDER_1_GIB = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
import python_calamine
sheet = python_calamine.CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0)
print(sum(1 for _ in sheet.iter_rows()), sheet.width)
"""


def test_a_sheet_at_the_limit_is_read_within_1_gib(tmp_path):
    """The largest extent the limits let through (15 million cells from two values) reads under RLIMIT_AS 1 GiB."""
    path = tmp_path / "at-limit.xlsx"
    path.write_bytes(hostile.workbook({"Data": '<row r="1"><c r="A1"><v>1</v></c></row>'
                                               '<row r="1000000"><c r="O1000000"><v>2</v></c></row>'}))
    check_workbook(str(path))
    done = subprocess.run([sys.executable, "-c", READ_UNDER_1_GIB, str(path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1000000", "15"]


def test_sheets_are_named_as_the_workbook_names_them():
    data = hostile.workbook({"Roster": '<row r="1"><c r="A1"><v>1</v></c></row>',
                             "Old data": '<row r="1"><c r="Z1048576"><v>1</v></c></row>'})
    with pytest.raises(SheetRefused, match="Sheet 'Old data' reaches cell Z1048576"):
        check_extents(io.BytesIO(data))


def test_a_stored_sheet_is_scanned_too():
    data = hostile.workbook({"Data": '<row r="1"><c r="Z1048576"><v>1</v></c></row>'}, compression=zipfile.ZIP_STORED)
    with pytest.raises(SheetRefused, match="Z1048576"):
        check_extents(io.BytesIO(data))


def test_a_sheet_unpacking_beyond_its_declared_size_is_refused():
    data = bytearray(hostile.workbook({"Data": '<row r="1"><c r="A1"><v>1</v></c></row>' * 200_000}))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    # lower the uncompressed size the central directory declares (offset 24 of the entry)
    entry = data.find(b"PK\x01\x02")  # the central directory's entries
    while True:
        name_at = entry + 46
        if data[name_at:name_at + len(info.filename)] == info.filename.encode():
            break
        entry = data.find(b"PK\x01\x02", entry + 4)
    data[entry + 24:entry + 28] = (1000).to_bytes(4, "little")
    with pytest.raises(SheetRefused, match="damaged"):
        check_extents(io.BytesIO(bytes(data)))


def test_a_sheet_stored_elsewhere_under_a_strict_namespace_is_still_scanned():
    """The reader follows the workbook's relationships wherever they point: so does the scan."""
    source = zipfile.ZipFile(io.BytesIO(hostile.workbook({"Moved": '<row r="1"><c r="Z1048576"><v>1</v></c></row>'})))
    out = io.BytesIO()
    strict = b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            name = "xl/data/moved.xml" if item.filename == "xl/worksheets/sheet1.xml" else item.filename
            content = content.replace(b"worksheets/sheet1.xml", b"data/moved.xml")
            if name == "xl/workbook.xml":
                content = content.replace(hostile.REL.encode(), strict)
            target.writestr(name, content)
    assert [p for p in zipfile.ZipFile(out).namelist() if "worksheets" in p] == []
    with pytest.raises(SheetRefused, match="Sheet 'Moved' reaches cell Z1048576"):
        check_extents(io.BytesIO(out.getvalue()))


@pytest.mark.parametrize("xml, hidden", [
    # Excel: a filter's hidden rows carry spans and more attributes; consecutive rows are one range
    ('<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
     '<row r="2" spans="1:2" hidden="1" x14ac:dyDescent="0.25"><c r="A2"><v>1</v></c></row>'
     '<row r="3" spans="1:2" hidden="1"><c r="B3" s="1"><v>2</v></c></row><row r="4"><c r="A4"><v>3</v></c></row>'
     '<row r="5" hidden="1"><c r="A5" t="inlineStr"><is><t>x</t></is></c></row>', [[2, 3], [5, 5]]),
    # LibreOffice writes true; quotes may be single; a prefixed row; a row without r takes its first cell's row
    ("<row r='7' hidden='true'><c r='A7'><v>1</v></c></row><x:row r=\"9\" hidden=\"1\"><x:c r=\"A9\"><x:v>1</x:v>"
     '</x:c></x:row><row hidden="1"><c r="C12"><v>1</v></c></row>', [[7, 7], [9, 9], [12, 12]]),
    # hidden but holding nothing: a self-closing row, a row of styled empty cells; hidden="0" is shown
    ('<row r="20" hidden="1"/><row r="21" hidden="1"><c r="A21" s="3"/></row>'
     '<row r="22" hidden="0"><c r="A22"><v>1</v></c></row>', []),
    # a cell's text saying hidden="1" is text (escaped in XML), not an attribute
    ('<row r="1"><c r="A1" t="inlineStr"><is><t>hidden=&quot;1&quot;</t></is></c></row>', []),
])
def test_rows_hidden_in_excel_are_noted_by_the_scan(monkeypatch, xml, hidden):
    """calamine reads hidden rows like any other: the scan notes those that hold values, whatever path it takes."""
    [fast] = check_extents(one_sheet(xml))
    monkeypatch.setattr(extent, "fast_pattern", lambda *limits: None)
    [exact] = check_extents(one_sheet(xml), 10**12, 10**6)
    assert fast.hidden_rows == exact.hidden_rows == hidden


def test_a_hidden_row_cut_between_slices_still_counts(monkeypatch):
    monkeypatch.setattr(unpack, "OUT_BYTES", 64)  # slices end inside every row
    rows = "".join(f'<row r="{n}" spans="1:3" hidden="1"><c r="A{n}"><v>{n}</v></c><c r="B{n}"><v>{n}</v></c></row>'
                   for n in range(2, 40))
    [found] = check_extents(one_sheet('<row r="1"><c r="A1"><v>1</v></c></row>' + rows))
    assert found.hidden_rows == [[2, 39]]


def test_error_cells_are_noted_across_slices():
    from spreadsheets.error_cells import ErrorCells
    noted = ErrorCells()
    for piece in (b'<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="e"><f>1/0</f>', b'<v>#DIV/0!</v></c></row>',
                  b'<row r="3"><c r="AB3" s="1" t="e"><v>#N/A</v></c><c r="C3" t="e"/></row>', b'<row r="4"/>'):
        noted.feed(piece)
    assert noted.found == {(2, 1): "#DIV/0!", (3, 27): "#N/A"} and noted.carry == b""


DATA_A1_H500 = "".join(f'<row r="{r}">' + "".join(f'<c r="{chr(65 + j)}{r}"><v>{r}</v></c>' for j in range(8))
                       + "</row>" for r in range(1, 501))


@pytest.mark.parametrize("far", [
    '<row r="1048576"><c r="AZ1048576" s="3"/></row>',  # a border or fill applied down the sheet: Excel's way
    '<row r="1048576"><c r="XFD1048576" s="3"/></row>',
    '<row r="1048576" s="3" customFormat="1"/>',  # a formatted row with no cells
    '<row r="1048576"><c r="XFD1048576" s="3"></c></row>',
    '<row r="1048576"><c r="XFD1048576"><v></v></c></row>',  # an empty value: no value to the reader
    '<row r="1048576"><c r="XFD1048576" t="n" s="1"><v/></c></row>',
    '<row r="1048576"><x:c r="XFD1048576" s="3"/></row>',  # written by a program that prefixes every tag
    '<row r="1048576"><c r=\'XFD1048576\' s="3"><v></v></c></row>',
])
def test_a_formatted_empty_cell_far_below_the_data_is_not_data(tmp_path, far):
    """calamine sizes its range by the cells holding values (measured: A1:H500 plus one of these far cells reads
    in 11 MiB, as A1:H500 alone): the far cell is accepted, and the read stays within 1 GiB."""
    path = tmp_path / "formatted.xlsx"
    path.write_bytes(hostile.workbook({"Data": DATA_A1_H500 + far}))
    [found] = check_extents(str(path))
    assert (found.rows, found.columns) in ((500, 8), (999_999, 15))  # counted, or proved small
    done = subprocess.run([sys.executable, "-c", READ_UNDER_1_GIB, str(path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["500", "8"]


@pytest.mark.parametrize("far, last", [
    # an empty text is a value to the reader, which then sets out 54 million cells
    ('<row r="1048576"><c r="AZ1048576" t="inlineStr"><is><t></t></is></c></row>', "AZ1048576"),
    ('<row r="1048576"><c r="AZ1048576" t="inlineStr"><is/></c></row>', "AZ1048576"),
    ('<row r="1048576"><c r="AZ1048576" t="str"><v></v></c></row>', "AZ1048576"),
    ('<row r="1048576"><c r="AZ1048576"><v> </v></c></row>', "AZ1048576"),  # a space is a text
    ('<row r="1048576"><c r="AZ1048576" s="3"><v>0</v></c></row>', "AZ1048576"),
    # a cell without r after a styled empty one is placed after it
    ('<row r="1048576"><c r="AY1048576" s="3"/><c><v>1</v></c></row>', "AZ1048576"),
])
def test_a_far_cell_holding_any_value_is_still_refused(far, last):
    with pytest.raises(SheetRefused, match=f"reaches cell {last}: 1,048,576 rows x 52 columns"):
        check_extents(one_sheet(DATA_A1_H500 + far))


def test_a_value_cut_between_slices_is_still_seen(monkeypatch):
    """The valued count follows a cell's <v> across the slices the scan reads (each ends before a '<')."""
    monkeypatch.setattr(unpack, "OUT_BYTES", 5)
    for far, refused in (('<c r="AZ1048576"><v></v></c>', False), ('<c r="AZ1048576"><v>1</v></c>', True)):
        xml = DATA_A1_H500[:2000] + f'<row r="1048576">{far}</row>'
        if refused:
            with pytest.raises(SheetRefused, match="AZ1048576"):
                check_extents(one_sheet(xml))
        else:
            assert check_extents(one_sheet(xml))[0].rows < 1_048_576


def test_each_sheet_is_streamed_once(monkeypatch):
    """The scan notes everything in one pass a sheet: its extent, hidden rows and columns, rows hidden by default,
    error cells, merged ranges and, in a workbook asking to be calculated, its formulas' results."""
    streamed = []
    real = extent.xml_slices
    monkeypatch.setattr(extent, "xml_slices", lambda archive, part: streamed.append(part) or real(archive, part))
    head = '<sheetFormatPr zeroHeight="1"/><cols><col min="2" max="2" hidden="1"/></cols>'
    xml = ('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="e"><v>#N/A</v></c></row>'
           '<row r="2" hidden="1"><c r="A2"><v>1</v></c></row><row r="3"><c r="A3"><v>1</v></c></row>')
    data = hostile.workbook({"One": xml, "Two": xml})
    for part in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        data = wbk.replace_part(data, part, lambda sheet: sheet.replace(b"<sheetData>", head.encode() + b"<sheetData>"))
    data = wbk.replace_part(data, "xl/workbook.xml",
                            lambda book: book.replace(b"</sheets>", b'</sheets><calcPr fullCalcOnLoad="1"/>'))
    found = extent.scan_workbook(io.BytesIO(data), stale=True)
    assert sorted(streamed) == ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"]
    one = found.sheets[0]
    assert (one.hidden_columns, one.hides_rows_by_default, one.hidden_rows, one.error_cells) == \
        ([[2, 2]], True, [[2, 2]], {(1, 1): "#N/A"})
    assert one.rows_hidden_by_default == [[1, 3]]  # no height of their own


def test_a_sheet_too_wide_written_by_a_program_is_refused_without_counting_each_cell(monkeypatch):
    """openpyxl and other programs write a number cell with t="n", which the sure-value listing did not take: a sheet
    past the 200 columns was then counted tag by tag in Python (a 1.6 MB upload of 3,000 rows x 250 columns took 10 s
    of the import's child, 7 MB of 1,000 columns 38 s). Its numbers now refuse it at the regular expression's speed."""
    row = lambda r: f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="n"><v>1</v></c>' for c in ("A", "B", "IP")) + "</row>"
    real = extent.Counter
    monkeypatch.setattr(extent, "Counter", lambda valued=False: pytest.fail("counted") if valued else real())
    with pytest.raises(SheetRefused, match="reaches cell IP3: 3 rows x 250 columns, more than the 200 columns"):
        check_extents(one_sheet("".join(row(r) for r in (1, 2, 3))))
