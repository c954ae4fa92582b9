"""An upload is judged by content: CSV is recognised, anything else is named with what is accepted."""

import pytest

from spreadsheets.filetypes import describe, is_csv, refusal, sniff_delimiter
from spreadsheets.guard import UnsafeWorkbook, check_workbook
from tests.imports import workbooks as wbk


OTHERS = [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
    (b"\x00\x00\x00\x18ftypheic", "HEIC"),
    (wbk.pack({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}), "a Word document (.docx)"),
    (wbk.pack({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}),
     "an OpenDocument spreadsheet (.ods)"),
    (wbk.pack({"notes.txt": "hello"}), "a zip archive"),
    (wbk.pack({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": "\x83\x01"}), "an Excel Binary Workbook (.xlsb)"),
    (b"<!DOCTYPE html><html><body><table><tr><td>A1</td></tr></table>", "a web page (HTML)"),
    (b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
     "an Excel 2003 XML spreadsheet"),
    (b"Dear clerk\nplease find the codes attached\nthanks\n", "plain text that is not CSV"),
    (bytes(range(256)) * 4, "a binary file"),
    (b"{\\rtf1\\ansi hello}", "an RTF document"),
]


@pytest.mark.parametrize("data, words", OTHERS)
def test_other_files_are_named_with_what_is_accepted(data, words):
    assert words in describe(data)
    assert not is_csv(data)
    message = refusal(data)
    assert words in message and ".xlsx" in message and ".csv" in message


@pytest.mark.parametrize("data, program, fix", [
    (OTHERS[5][0], "an OpenDocument spreadsheet (.ods)", "In LibreOffice choose File > Save As, Excel 2007-365 (.xlsx)"),
    (wbk.pack({"Index/Document.iwa": "x", "Metadata/Properties.plist": "x"}), "an Apple Numbers file",
     "In Numbers choose File > Export To > Excel"),
    (OTHERS[7][0], "an Excel Binary Workbook (.xlsb)", "In Excel choose File > Save As, Excel Workbook (.xlsx)")])
def test_another_programs_spreadsheet_is_named_then_told_how_to_save_it(data, program, fix):
    """The fix is a sentence of its own, not wedged between what the file is and what it is not."""
    assert refusal(data) == (f"The file is {program}, not an Excel workbook (.xlsx) or a CSV file, whatever its name "
                             f"says. {fix}, and upload that file. The service accepts Excel workbooks (.xlsx) and "
                             "CSV files (.csv).")
    assert refusal(data, csv_accepted=False).endswith(f"{fix}, and upload that file. Only an Excel workbook (.xlsx) "
                                                      "can be uploaded here.")


@pytest.mark.parametrize("data, words", [OTHERS[0], OTHERS[4], OTHERS[7], OTHERS[10]])
def test_the_guard_names_them_too(data, words):
    with pytest.raises(UnsafeWorkbook) as refused:
        check_workbook(data)
    assert words in str(refused.value)


@pytest.mark.parametrize("data", [
    "Client code,Team\r\nA1,Alpha\r\n".encode("utf-8"),
    "\ufeffClient code;Team\nA1;Zoë's group\n".encode("utf-8"),
    "Client code;Team\nA1;Zoë's group\n".encode("cp1252"),
    "Client code\tTeam\nA1\tAlpha\n".encode("utf-16"),
    b"Roster exported 2026-03-01\nClient code,Team,Start date\nA1,Alpha,2026-01-12\nA2,Alpha,2026-01-13\n",
    b"Client code,Team\n" + b"A1,Alpha\n" * 20_000,  # longer than what is sniffed: cut at a line end
])
def test_csv_is_recognised_in_each_encoding(data):
    assert is_csv(data)
    assert describe(data).startswith("a CSV file")


def test_a_real_workbook_is_not_csv(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(wbk.roster([["A1", "Alpha group", None, None, None, None, None]]))
    assert not is_csv(path) and not is_csv(path.read_bytes())


@pytest.mark.parametrize("text, delimiter", [
    ("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2,5;3\n", ";"), ("a\tb\n1\t2\n", "\t"), ("sep=|\na|b\n", "|"),
    ("Date;Amount\n2026-01-02;1,5\n2026-01-03;2,25\n", ";"),  # decimal commas do not fool it
    ("one line of prose, with a comma\nand another line\nand a third\n", None),
])
def test_delimiters_are_sniffed(text, delimiter):
    assert sniff_delimiter(text) == delimiter
