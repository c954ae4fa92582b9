"""Client codes are never invented from numbers Excel altered, nor from invisible characters or lookalikes."""
import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from extensions import db
from imports.kinds.codes import CodeBook
from imports.kinds.declarations import ROSTER
from imports.reading.cells import CellError, converter
from imports.reading.sheet_notes import note_sheets
from models import Participant
from spreadsheets import unpack
from spreadsheets.extent import scan_workbook
from spreadsheets.number_formats import is_scientific, scientific_styles
from tests.factories import make_agency, make_participant, make_program, make_team
from tests.imports import other_programs, workbooks as wbk
from tests.imports.conftest import snapshot

START = date(2026, 1, 5)  # the factories' start date: an unchanged participant stays unchanged
FIX = "Format the column as Text and type the codes again."


def roster_with_codes(codes, number_format=None, team="Digits group"):
    """A roster whose Client code cells hold `codes` as they are (numbers stay numbers), General format."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Roster"
    ws.append(["Client code", "Team", "Start date"])
    for code in codes:
        ws.append([code, team, START])
    if number_format:
        for cell in ws["A"][1:]:
            cell.number_format = number_format
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def agency_with(codes, code="NUM"):
    agency = make_agency(code)
    team = make_team(make_program(agency, "Digits IMR"), "Digits group")
    for client in codes:
        make_participant(team, client)
    db.session.commit()
    return agency


def codes_of(agency):
    return sorted(db.session.scalars(select(Participant.client_code).where(Participant.agency_id == agency.id)))


def problems(batch):
    return [(p.severity, p.sheet, p.sheet_row, p.sheet_column, p.value, p.rule) for p in batch.problems]


def test_number_shown_in_scientific_format_is_refused_with_the_fix(app, run_import):
    agency = agency_with(["120001", "120002"])  # plain numbers: whole numbers may be accepted here
    before = snapshot()
    batch = run_import(roster_with_codes([120000.0], number_format="0.00E+00"), "roster", agency)
    assert batch.status == "rejected"
    assert problems(batch) == [("error", "Roster", 2, "A (Client code)", "120000", "code.scientific")]
    message = batch.problems[0].message
    assert message.startswith("Excel stored this client code as a number.") and FIX in message
    assert "1.20E+05" in message
    assert snapshot() == before


def test_whole_number_is_accepted_where_every_code_is_a_plain_number(app, run_import):
    agency = agency_with(["120001", "120002"])
    batch = run_import(roster_with_codes([120003.0, 120001.0]), "roster", agency)
    assert batch.status == "committed", [p.message for p in batch.problems]
    assert (batch.counts["new"], batch.counts["unchanged"]) == (1, 1)
    assert codes_of(agency) == ["120001", "120002", "120003"]


def test_number_with_a_fraction_is_refused(app, run_import):
    agency = agency_with(["120001"])
    batch = run_import(roster_with_codes([457.5]), "roster", agency)
    assert problems(batch) == [("error", "Roster", 2, "A (Client code)", "457.5", "code.number")]
    assert "fractional part" in batch.problems[0].message and FIX in batch.problems[0].message
    assert codes_of(agency) == ["120001"]


def test_number_that_is_a_known_code_without_its_zeros_says_which(app, run_import):
    agency = agency_with(["00457", "00123", "A17"])
    before = snapshot()
    batch = run_import(roster_with_codes([457.0, 123.0]), "roster", agency)
    assert batch.status == "rejected"
    assert [(row, column, value, rule) for _, _, row, column, value, rule in problems(batch)] == [
        (2, "A (Client code)", "457", "code.zeros"), (3, "A (Client code)", "123", "code.zeros")]
    assert "did you mean 00457?" in batch.problems[0].message
    assert "did you mean 00123?" in batch.problems[1].message
    assert snapshot() == before  # no participant 457 beside 00457


def test_number_is_refused_where_codes_are_not_all_plain_numbers(app, world, run_import):
    batch = run_import(roster_with_codes([5.0], team="Alpha group"), "roster", world.agency_a)
    assert [p.rule for p in batch.problems] == ["code.number"]
    assert "not all plain numbers" in batch.problems[0].message


@pytest.mark.parametrize("raw, char", [
    ("A\u200b001", "U+200B ZERO WIDTH SPACE"),
    ("\u202eA001", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("A001\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("A\u00ad001", "U+00AD SOFT HYPHEN"),
    ("A\ue000001", "U+E000"),  # private use
])
def test_invisible_and_bidirectional_characters_are_refused_with_the_cell(app, world, run_import, raw, char):
    before = snapshot()
    batch = run_import(wbk.roster([[raw, "Alpha group", None, START, None, None, None]]), "roster", world.agency_a)
    assert [(p.sheet_row, p.sheet_column, p.rule) for p in batch.problems] == [(2, "A (Client code)", "code.invisible")]
    assert char in batch.problems[0].message
    assert snapshot() == before


def test_codes_are_stored_nfc_normalised(app, world, run_import):
    decomposed = "Jose\u0301-1"  # e and a combining accent, as macOS types it
    batch = run_import(wbk.roster([[decomposed, "Alpha group", None, START, None, None, None]]), "roster",
                       world.agency_a)
    assert batch.status == "committed"
    assert "Jos\u00e9-1" in codes_of(world.agency_a)
    again = run_import(wbk.roster([["Jos\u00e9-1", "Alpha group", None, START, None, None, None]]), "roster",
                       world.agency_a)
    assert (again.counts["new"], again.counts["unchanged"]) == (0, 1)  # the same code, however it was typed


@pytest.mark.parametrize("typed, known", [("a000", "A000"), ("A 000", "A000"), ("0A001", "A001"),
                                          # letters of another script that look the same, full-width forms
                                          ("\u0410000", "A000"), ("\u0430001", "A001"), ("\u0391001", "A001"),
                                          ("\uff21\uff10\uff10\uff10", "A000")])
def test_new_code_like_a_known_one_is_a_warning_naming_it(app, world, run_import, typed, known):
    batch = run_import(wbk.roster([["A002", "Alpha group", None, START, None, None, None],
                                   [typed, "Alpha group", None, START, None, None, None]]), "roster", world.agency_a)
    assert batch.status == "committed"  # a warning: the clerk decides
    assert problems(batch) == [("warning", "Roster", 3, "A (Client code)", typed, "code.lookalike")]
    assert f"already has {known}" in batch.problems[0].message


def test_text_codes_with_leading_zeros_are_kept_and_plain_digits_are_noticed(app, run_import):
    agency = agency_with(["00457"])
    batch = run_import(wbk.roster([["00457", "Digits group", None, START, None, None, None],
                                   ["457", "Digits group", None, START, None, None, None]]), "roster", agency)
    assert [(p.sheet_row, p.rule) for p in batch.problems] == [(3, "code.lookalike")]
    assert "already has 00457" in batch.problems[0].message


def read_code(raw, codes):
    value = converter(ROSTER.column("client_code"), codes=codes)(raw)
    return (value.rule,) if isinstance(value, CellError) else value


def test_code_book_rules_without_a_database():
    plain = CodeBook(["12", "345"])
    assert read_code(7.0, plain) == "7"
    assert read_code(345.0, plain) == "345"
    assert read_code(1e11, plain) == ("code.scientific",)  # General format shows 12 digits as 1E+11
    assert read_code(-4.0, plain) == ("code.scientific",)
    assert read_code(7.0, CodeBook([])) == ("code.number",)  # nothing to judge by: a first roster types text
    assert read_code(12.0, CodeBook(["012", "345"])) == ("code.zeros",)
    assert read_code(" 12 ", CodeBook(["12"])) == "12"
    assert read_code("\u00a0A\u00a012\u00a0", CodeBook([])) == "A 12"  # a no-break space is a space


def test_the_code_book_refuses_with_the_cells_error_without_knowing_the_cell_reader():
    """The CodeBook raises the cell's error (imports/reading/cell_error.py), which a code cell read with it carries as
    it is; codes.py imports nothing of the cell reader that calls it."""
    import ast
    import inspect
    from imports.kinds import codes
    with pytest.raises(CellError) as refused:
        CodeBook(["12"]).number(7.5)
    assert refused.value.rule == "code.number"
    error = converter(ROSTER.column("client_code"), codes=CodeBook(["12"]))(7.5)
    assert (error.rule, error.message) == (refused.value.rule, refused.value.message)
    with pytest.raises(CellError):
        CodeBook(["A000"]).text("John Smith")
    imported = {node.module for node in ast.walk(ast.parse(inspect.getsource(codes)))
                if isinstance(node, ast.ImportFrom)}
    assert "imports.reading.cell_error" in imported and "imports.reading.cells" not in imported


@pytest.mark.parametrize("code, scientific", [("0.00E+00", True), ("##0.0E+0", True), ('0.0"E+"0', False),
                                              ("General", False), ("0", False), ("[Red]0.00E-00", True),
                                              ("yyyy-mm-dd", False)])
def test_scientific_formats(code, scientific):
    assert is_scientific(code) is scientific


def scientific_values(path):
    """The numbers the upload's one scan notes as shown in a scientific format."""
    return note_sheets(scan_workbook(path, scientific=True)).scientific


def test_number_formats_are_read_from_styles_and_sheets(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Client code", "Minutes"])
    ws.append([120000.0, 60])
    ws.append([5.0, 1234567.0])
    ws["A2"].number_format = "0.00E+00"
    ws["B3"].number_format = "0.0E+0"  # custom
    path = tmp_path / "codes.xlsx"
    wb.save(path)
    assert scientific_values(path) == {120000.0, 1234567.0}
    plain = tmp_path / "plain.xlsx"
    wbk_bytes = wbk.xlsx({"R": [["Client code"], [1.0]]})
    plain.write_bytes(wbk_bytes)
    assert scientific_values(plain) == frozenset()
    assert scientific_styles(b"<styleSheet><cellXfs count='1'><xf numFmtId=\"11\"/></cellXfs></styleSheet>") == {0}
    prefixed = tmp_path / "prefixed.xlsx"  # <x:c s="1"><x:v>: another XML tool's spelling of the same cells
    prefixed.write_bytes(other_programs.prefixed(path.read_bytes()))
    assert scientific_values(prefixed) == {120000.0, 1234567.0}


def test_a_cell_with_a_long_formula_cut_between_slices_is_noted(tmp_path, monkeypatch):
    """A slice may end inside a scientific-styled cell kilobytes after its tag (a long formula): the cell waits
    for the next slice from its style on."""
    monkeypatch.setattr(unpack, "OUT_BYTES", 64)  # the sheet unpacked 64 bytes at a time
    data = roster_with_codes([120000.0], number_format="0.00E+00")

    def long_formula(xml):
        formula = b"120000" + b"+0" * 3000  # 6 kB of formula text between the cell's tag and its value
        end = xml.index(b"><v>120000</v>") + 4 + len(formula)  # where </f> falls
        formula += b" " * ((60 - end) % 64)  # ... 4 bytes before a 64-byte boundary: the slice ends at <v>
        return xml.replace(b"><v>120000</v>", b"><f>" + formula + b"</f><v>120000</v>")
    path = tmp_path / "long.xlsx"
    path.write_bytes(wbk.replace_part(data, "xl/worksheets/sheet1.xml", long_formula))
    assert scientific_values(path) == {120000.0}


@pytest.mark.parametrize("typed", [b' t="str"', b""])
def test_a_formula_whose_text_reads_like_a_style_is_not_a_styled_cell(tmp_path, typed):
    """A formula's text may hold ' s="1"' (Excel's intersection operator between a range and a name: =Codes s="1"):
    only the cell's own tag says its style, so the formula's result (a text, or a number) is not noted."""
    data = roster_with_codes([120000.0], number_format="0.00E+00")  # A2's style, 1, is scientific
    formula = b'<c r="D2"' + typed + b'><f>Codes s="1"</f><v>654321</v></c>'
    data = wbk.replace_part(data, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"</row></sheetData>",
                                                                                        formula + b"</row></sheetData>"))
    path = tmp_path / "intersection.xlsx"
    path.write_bytes(data)
    assert scientific_values(path) == {120000.0}


def test_a_format_id_that_is_no_whole_number_is_not_scientific(run_import_sqlite):
    """numFmtId="" or "1.0" in the styles (the reader opens such a workbook) is no scientific format: the import
    runs, and a code shown in a real scientific format beside them is still refused."""
    odd = b'<numFmt numFmtId="" formatCode="0.0E+00"/>'
    assert scientific_styles(b'<styleSheet><numFmts>' + odd + b'</numFmts><cellXfs><xf numFmtId="1.0"/>'
                             b'<xf numFmtId=""/><xf numFmtId="11"/></cellXfs></styleSheet>') == {2}
    agency = agency_with(["120001", "120002"])
    batch = run_import_sqlite(wbk.with_odd_format_ids(roster_with_codes(["120003"])), "roster", agency)
    assert batch.status == "committed" and problems(batch) == []
    assert codes_of(agency) == ["120001", "120002", "120003"]
    before = snapshot()
    data = wbk.with_odd_format_ids(roster_with_codes([120000.0], number_format="0.00E+00"))
    batch = run_import_sqlite(data, "roster", agency)
    assert problems(batch) == [("error", "Roster", 2, "A (Client code)", "120000", "code.scientific")]
    assert snapshot() == before


@pytest.mark.parametrize("written", [other_programs.prefixed, other_programs.styles_elsewhere,
                                     lambda data: other_programs.workbook_elsewhere(other_programs.styles_elsewhere(
                                         data, b"styles/numbers.xml"))])
def test_a_code_shown_in_scientific_format_is_refused_however_the_workbook_is_written(run_import_sqlite, written):
    """A workbook whose tags carry a namespace prefix (<x:c>, <x:v>), or whose styles and workbook parts lie
    elsewhere than Excel puts them (the relationships say where), is read by the reader as any other: its code shown
    as 1.20E+05 is refused, not taken as 120000."""
    agency = agency_with(["120001", "120002"])
    before = snapshot()
    data = written(roster_with_codes([120000.0], number_format="0.00E+00"))
    batch = run_import_sqlite(data, "roster", agency)
    assert problems(batch) == [("error", "Roster", 2, "A (Client code)", "120000", "code.scientific")]
    assert snapshot() == before


def test_a_code_a_program_wrote_as_a_decimal_is_refused_in_a_csv(app, run_import):
    """EHR and pandas exports write a number column holding blanks as 457.0: the code is not '457.0'."""
    agency = agency_with(["120001", "00457"])
    before = snapshot()
    data = b"Client code,Team,Start date\r\n457.0,Digits group,2026-01-05\r\n120002.00,Digits group,2026-01-05\r\n"
    batch = run_import(data, "roster", agency, filename="export.csv")
    assert [(row, column, value, rule) for _, _, row, column, value, rule in problems(batch)] == [
        (2, "A (Client code)", "457.0", "code.decimal"), (3, "A (Client code)", "120002.00", "code.decimal")]
    assert "Did you mean 00457?" in batch.problems[0].message
    assert snapshot() == before
    assert read_code("12.0", CodeBook(["12.0"])) == "12.0"  # an agency whose codes are written so keeps them


@pytest.mark.parametrize("kind, data, cell", [
    ("sessions", wbk.sessions([["Alpha group", START, 2, "a000", "Y", None, None, None]]), (2, "D (Client code)")),
    ("attendance_grid", wbk.grid("Alpha group", [START], [2], [["a000", "Y"]]), (4, "A (Client code)")),
    ("goals", wbk.xlsx({"Goals": [["Client code", "Goal reference", "Level", "Date set"],
                                  ["a000", "LT1", "Long-term goal", START]]}), (2, "A (Client code)"))])
def test_an_unknown_code_like_a_known_one_gets_one_message_naming_it(sqlite_world, run_import_sqlite, kind, data,
                                                                    cell):
    """Only a roster adds participants: elsewhere a code differing from A000 only in case is refused once, with the
    code it may mean, not warned of as new and refused as unknown at the same cell."""
    batch = run_import_sqlite(data, kind, sqlite_world.agency_a, commit=False)
    assert [(p.severity, p.sheet_row, p.sheet_column, p.value, p.rule) for p in batch.problems] == [
        ("error", *cell, "a000", "client.unknown")]
    assert "No participant with client code 'a000'" in batch.problems[0].message
    assert "write A000" in batch.problems[0].message
