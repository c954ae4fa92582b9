"""A large sheet is parsed while its extent is scanned, in the import's child only; a reader that dies of a far
cell meanwhile costs one more run, and the sheet is still refused with its name, its last cell and the fix."""
import tempfile
import zipfile

import pytest
from sqlalchemy import select

from extensions import db
from imports.models import ImportBatch, ImportProblem
from imports.reading.scanned_read import ParsedAhead, open_checked
from imports.reading.workbook import UnreadableWorkbook, load_sheet, open_workbook
from spreadsheets.guard import UnsafeWorkbook
from tests import hostile_files as hostile
from tests.imports import other_programs
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot, table_counts
from tests.imports.worker_process import FILE


def _cli(runner, tmp_path, data, kind):
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(data)
    return runner.invoke(args=["import", str(path), "--kind", kind, "--agency", "AAA", "--quiet"])


@pytest.fixture
def scan_ahead(monkeypatch, tmp_path):
    """Every file is parsed while scanned, however small; the child logs each run to the returned file."""
    runs = tmp_path / "runs.log"
    monkeypatch.setenv("IMR_TEST_CHILD_HOOK", "tests.imports.child_hooks")
    monkeypatch.setenv("IMR_TEST_SCAN_AHEAD_FROM", "0")
    monkeypatch.setenv("IMR_TEST_RUN_LOG", str(runs))
    return runs


@pytest.mark.parametrize("name, runs", [("dimension bomb", {2}), ("far cell", {1, 2})])
def test_a_far_cell_that_kills_the_reader_is_still_refused_by_name(app, world, runner, tmp_path, scan_ahead, name,
                                                                     runs):
    counts, rows = table_counts(), snapshot()
    result = _cli(runner, tmp_path, hostile.HOSTILE[name][0](), "roster")
    assert result.exit_code == 1, result.output
    batch = db.session.scalar(select(ImportBatch))
    message = db.session.scalar(select(ImportProblem.message).where(ImportProblem.batch_id == batch.id))
    assert batch.status == "rejected" and all(word in message for word in hostile.HOSTILE[name][1])
    assert "Delete the empty rows and columns" in message
    # XFD1048576 kills the first child at once (the second scans first); Z1048576's 0.9 GiB may fit
    ran = scan_ahead.read_text().split()[::2]
    assert set(ran) == {str(batch.id)} and len(ran) in runs
    assert table_counts() == counts and snapshot() == rows


def test_a_sheet_the_scan_refuses_while_the_reader_parses_is_refused_in_one_run(app, world, runner, tmp_path,
                                                                                  scan_ahead):
    result = _cli(runner, tmp_path, hostile.wide_sheet(), "roster")  # calamine holds 3 x 201 cells easily
    assert result.exit_code == 1, result.output
    assert "reaches cell GS3" in result.output and "more than the 200 columns" in result.output
    assert len(scan_ahead.read_text().splitlines()) == 1


def test_a_file_parsed_while_scanned_is_imported_as_ever(app, world, runner, tmp_path, scan_ahead):
    result = _cli(runner, tmp_path, FILE, "sessions")
    assert result.exit_code == 0 and "committed: Imported" in result.output, result.output
    assert len(snapshot()["attendance"]) == 3


def test_the_first_sheet_is_handed_over_once_and_a_damaged_one_says_so(tmp_path, monkeypatch):
    path = tmp_path / "s.xlsx"
    path.write_bytes(wbk.sessions([["Alpha group", "2026-02-09", 2, "A000", "Y"]], header=wbk.SESSIONS_HEADER[:5]))
    assert not isinstance(open_checked(path, 1000, 10, overlap=True)[0], ParsedAhead)  # small: scanned first
    monkeypatch.setattr("imports.reading.scanned_read.OVERLAP_FROM_BYTES", 0)
    workbook, _ = open_checked(path, 1000, 10, overlap=True)
    assert isinstance(workbook, ParsedAhead)
    rows = list(load_sheet(workbook, 0).iter_rows())
    assert rows[1][3] == "A000"
    assert list(load_sheet(workbook, 0).iter_rows()) == rows  # asked again: read again, not a dropped sheet
    with pytest.raises(UnsafeWorkbook, match="reaches cell E2"):
        open_checked(path, 1000, 4, overlap=True)

    class Broken:
        sheets_metadata = open_workbook(path).sheets_metadata

        def get_sheet_by_index(self, index):
            raise ValueError("bad XML")
    with pytest.raises(UnreadableWorkbook, match="could not be read"):
        load_sheet(ParsedAhead(Broken()), 0)


def test_a_workbook_never_calculated_is_refused_while_it_is_parsed(tmp_path, monkeypatch):
    """The formulas' pass runs beside the parse of a large sheet: such a workbook is still refused, naming the cell."""
    path = tmp_path / "stale.xlsx"
    path.write_bytes(wbk.xlsxwriter_sessions("=30+15"))
    monkeypatch.setattr("imports.reading.scanned_read.OVERLAP_FROM_BYTES", 0)
    with pytest.raises(UnsafeWorkbook, match="never calculated \\(cell F3 is the first\\)"):
        open_checked(path, 1000, 10, overlap=True)


def test_merged_cells_parsed_ahead_are_read_as_excel_shows_them(app, world, runner, tmp_path, scan_ahead):
    """calamine parses a copy without the merged ranges (read once, not twice); the scan's ranges fill them down."""
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.append(["Session log"])
    sheet.merge_cells("A1:E1")
    sheet.append(wbk.SESSIONS_HEADER[:5])
    for code in ("A000", "A001"):
        sheet.append(["Alpha group" if code == "A000" else None, "2026-02-09" if code == "A000" else None, 2, code,
                      "Y"])
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:B4")
    result = _cli(runner, tmp_path, wbk.saved(book), "sessions")
    assert result.exit_code == 0 and "committed: Imported" in result.output, result.output
    assert len(snapshot()["attendance"]) == 2


def test_the_reader_takes_the_merged_ranges_from_the_scan(tmp_path, monkeypatch):
    path = tmp_path / "merged.xlsx"
    from openpyxl import Workbook
    book = Workbook()
    book.active.append(["a", "b"])
    book.active.merge_cells("A1:A3")
    path.write_bytes(wbk.saved(book))
    monkeypatch.setattr("imports.reading.scanned_read.OVERLAP_FROM_BYTES", 0)
    workbook, _ = open_checked(path, 1000, 10, overlap=True)
    assert workbook.merges_scanned  # calamine reads a copy whose merged ranges it does not see
    workbook.wait()  # calamine's workbook is the parse-ahead thread's until it is done ("Already borrowed")
    assert workbook.workbook.get_sheet_by_index(0).merged_cell_ranges == []
    assert load_sheet(workbook, 0).merged_cell_ranges == [((0, 0), (2, 0))]
    assert load_sheet(workbook, 0).merged_cell_ranges == open_workbook(path).get_sheet_by_index(0).merged_cell_ranges


@pytest.mark.parametrize("written, decoded", [(b"a&amp;b.xml", "a&b.xml"), (b"a&#49;.xml", "a1.xml"),
                                              (b"a\tb.xml", "a b.xml"), (b"a\nb.xml", "a b.xml")])
def test_a_target_the_scan_and_calamine_would_read_as_two_parts_is_refused(tmp_path, written, decoded):
    """The relationships' XML parser decodes a Target (&amp;, &#49;, a tab or newline made a space) and calamine takes
    it as written: a small sheet where the scan looked and a 5,001-row one where calamine read passed 1,000 cells."""
    small = wbk.roster([["C001", "Alpha group", None, None, None, None, None]])
    large = wbk.roster([[f"C{i:04d}", "Alpha group", None, None, None, None, None] for i in range(5000)])
    path = tmp_path / "two-ways.xlsx"
    path.write_bytes(hostile.target_read_two_ways(small, large, written, decoded))
    with pytest.raises(UnsafeWorkbook, match="damaged"):
        open_checked(path, 1000, 10)


def test_a_sheet_behind_an_external_relationship_is_scanned_and_read(tmp_path):
    """calamine reads a worksheet whose relationship says TargetMode="External" (here at xl/worksheets/big): the scan
    measures it too, so a 50-row sheet is refused at 10 cells and read whole within the limits."""
    rows = [[f"C{i:03d}", "Alpha group", None, None, None, None, None] for i in range(50)]
    path = tmp_path / "external.xlsx"
    path.write_bytes(hostile.sheet_behind_external_target(wbk.roster(rows)))
    with pytest.raises(UnsafeWorkbook, match="Roster"):
        open_checked(path, 10, 10)
    workbook, _ = open_checked(path, 1000, 10)
    assert len(list(load_sheet(workbook, 0).iter_rows())) == 51


@pytest.mark.parametrize("copied", [False, True])
def test_the_styles_are_unpacked_once_and_the_scientific_cells_noted(tmp_path, monkeypatch, copied):
    """The styles part was unpacked for the copy's check and again by the scan (the copy's, when there was one)."""
    from openpyxl import Workbook
    book = Workbook()
    book.active.append(["Client code"])
    book.active.append([120000.0])
    book.active["A2"].number_format = "0.00E+00"
    path = tmp_path / "codes.xlsx"
    path.write_bytes(other_programs.styles_elsewhere(wbk.saved(book)) if copied else wbk.saved(book))
    read, unpacked = zipfile.ZipFile.read, []

    def noted(archive, name, *args):
        unpacked.append(getattr(name, "filename", name))
        return read(archive, name, *args)
    monkeypatch.setattr(zipfile.ZipFile, "read", noted)
    _, notes = open_checked(path, 1000, 10)
    assert notes.scientific == {120000.0}
    assert len([name for name in unpacked if "styles" in name]) == 1


def test_a_part_name_in_no_encoding_is_copied_and_a_failed_copy_leaves_nothing(tmp_path, monkeypatch):
    """An override naming a part in bytes no UTF-8 (0xFF) stopped the copy with an unexpected error (the import
    ended "stopped on an unexpected error", not read nor refused) and left its temporary file behind."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    path = tmp_path / "upload.xlsx"
    path.write_bytes(hostile.undecodable_part_name(other_programs.styles_elsewhere(
        wbk.sessions([["Alpha group", "2026-02-09", 2, "A000", "Y"]], header=wbk.SESSIONS_HEADER[:5]))))
    workbook, _ = open_checked(path, 1000, 10)
    assert list(load_sheet(workbook, 0).iter_rows())[1][3] == "A000"

    def unforeseen(*args):
        raise MemoryError
    monkeypatch.setattr("spreadsheets.canonical_parts._write_copy", unforeseen)
    with pytest.raises(MemoryError):
        open_checked(path, 1000, 10)
    assert [p.name for p in tmp_path.iterdir()] == ["upload.xlsx"]


def test_another_sheet_asked_for_while_the_first_is_parsed_waits_for_it(tmp_path):
    """calamine lends its workbook to one parse at a time: a second sheet asked for while the thread parses the
    first raised "Already borrowed" instead of waiting."""
    import python_calamine
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    big, small = book.create_sheet("Sessions"), book.create_sheet("Notes")
    for r in range(20_000):
        big.append([f"Team {r}", "2026-02-09", 2, f"A{r:05d}", "Y"])
    small.append(["checked by", "clerk"])
    path = tmp_path / "two.xlsx"
    book.save(path)
    for _ in range(3):
        workbook = ParsedAhead(python_calamine.CalamineWorkbook.from_path(str(path)))
        assert workbook.get_sheet_by_index(1).to_python() == [["checked by", "clerk"]]
        assert workbook.get_sheet_by_index(0).to_python()[-1][3] == "A19999"
