"""Uploads are judged by content before any parser sees them."""
import io
import os

import pytest

from spreadsheets.guard import OLE_MAGIC, UnsafeWorkbook, check_workbook
from tests import hostile_files as hostile
from tests.imports import workbooks as wbk
from tests.imports.workbooks import pack as _zip

GOOD = wbk.roster([["A1", "Alpha group", None, None, None, None, None]])


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"client code,team\nA1,Alpha\n", "not an Excel workbook"),  # a CSV renamed .xlsx
    (wbk.encrypted(GOOD), "password-protected"),  # Excel wraps an encrypted workbook in an OLE file
    (wbk.legacy_xls(), "97-2003"),
    (OLE_MAGIC + b"\x00" * 600, "older Office document"),  # an OLE file that is neither (a .doc, say)
    (b"PK\x03\x04 this is not really a zip", "damaged"),
    (GOOD[: len(GOOD) // 2], "damaged"),  # a truncated upload
    (_zip({"word/document.xml": "<w/>", "[Content_Types].xml": "<Types/>"}), "not an Excel workbook"),  # a .docx
    (wbk.zip_bomb(), "zip bomb"),
    (wbk.entity_bomb(GOOD), "entity declarations"),
])
def test_refused_uploads_say_why(data, words):
    with pytest.raises(UnsafeWorkbook) as refused:
        check_workbook(data)
    assert words in str(refused.value)


def test_declared_size_is_checked_before_unpacking():
    with pytest.raises(UnsafeWorkbook, match="would unpack to"):
        check_workbook(GOOD, max_uncompressed=1000)


def test_a_real_workbook_passes_as_bytes_and_as_a_path(tmp_path):
    check_workbook(GOOD)
    path = tmp_path / "roster.xlsx"
    path.write_bytes(GOOD)
    check_workbook(str(path))


def test_a_doctype_hidden_behind_a_long_comment_is_still_found():
    sneaky = wbk.with_prolog(GOOD, b"<?xml version='1.0'?><!-- " + b"x" * 10_000 +
                             b' --><!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>')
    with pytest.raises(UnsafeWorkbook, match="entity"):
        check_workbook(sneaky)


def test_macro_enabled_workbooks_are_accepted():
    xlsm = wbk.replace_part(GOOD, "[Content_Types].xml", lambda xml: xml.replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"))
    check_workbook(xlsm)


def test_relationships_that_do_not_parse_are_refused_as_damaged():
    """A raw & in the workbook's relationships, its sheet at xl/sheets/: taken for no relationships, the usual names
    were scanned (none) while the reader read the sheet, past the limits."""
    rows = [[f"C{i:03d}", "Alpha group", None, None, None, None, None] for i in range(200)]
    data = wbk.replace_part(hostile.sheet_named_with_ampersand(wbk.roster(rows)), "xl/_rels/workbook.xml.rels",
                            lambda xml: xml.replace(b"&amp;", b"&"))
    with pytest.raises(UnsafeWorkbook, match="damaged"):
        check_workbook(data, max_cells=1000)


@pytest.mark.parametrize("target", [b"a&amp;b.xml", b"a&#49;.xml", b"a\tb.xml", b"a\rb.xml"])
def test_a_target_calamine_would_read_as_written_and_a_parser_decoded_is_refused_as_damaged(target):
    data = hostile.target_read_two_ways(GOOD, GOOD, target, "a.xml")
    with pytest.raises(UnsafeWorkbook, match="damaged"):
        check_workbook(data)


def test_a_sheet_behind_an_external_relationship_is_scanned_as_calamine_reads_it():
    """TargetMode="External" on a worksheet's relationship: the scan skipped the sheet (at xl/worksheets/big, no .xml)
    and a 50-row sheet passed a 10-cell limit, while calamine read all 50 rows."""
    rows = [[f"C{i:03d}", "Alpha group", None, None, None, None, None] for i in range(50)]
    with pytest.raises(UnsafeWorkbook, match="Roster"):
        check_workbook(hostile.sheet_behind_external_target(wbk.roster(rows)), max_cells=10)


def test_a_workbook_part_typed_elsewhere_than_the_relationships_name_is_refused_as_damaged():
    """openpyxl opens the part [Content_Types].xml types as the workbook (the scale and scoring workbook uploads):
    it read the 500 rows of xl/other.xml's sheet, while the checks measured xl/workbook.xml's 2 within 100 cells."""
    large = wbk.roster([[f"C{i:03d}", "Alpha group", None, None, None, None, None] for i in range(499)])
    data = hostile.workbook_typed_elsewhere(GOOD, large)
    assert wbk.load_workbook(io.BytesIO(data)).worksheets[0].max_row == 500
    with pytest.raises(UnsafeWorkbook, match="damaged"):
        check_workbook(data, max_cells=100)


def test_ordinary_relationships_in_single_quotes_and_with_a_prefix_still_pass():
    """The raw scan must find every element the parser finds, however it is written, or the workbook is refused."""
    data = wbk.replace_part(GOOD, "xl/_rels/workbook.xml.rels", lambda xml: xml.replace(
        b"<Relationships ", b"<r:Relationships xmlns:r=\"http://schemas.openxmlformats.org/package/2006/relationships\" ")
        .replace(b"</Relationships>", b"</r:Relationships>").replace(b"<Relationship ", b"<r:Relationship ")
        .replace(b'"', b"'"))
    assert check_workbook(data) == "xlsx"


def test_package_relationships_beyond_a_megabyte_are_refused_before_they_are_parsed():
    """Excel's _rels/.rels is a few hundred bytes; a 61 MB one took the web process from 213 to 707 MB."""
    padding = "".join(f'<Relationship Id="x{os.urandom(8).hex()}" Type="t" Target="{os.urandom(8).hex()}"/>'
                      for _ in range(20_000))
    data = wbk.replace_part(GOOD, "_rels/.rels", lambda xml: xml.replace(b"</Relationships>",
                                                                       padding.encode() + b"</Relationships>"))
    with pytest.raises(UnsafeWorkbook, match="damaged"):
        check_workbook(data, extents=False)


def test_a_part_name_flagged_utf8_that_is_not_is_refused_as_damaged():
    """zipfile raises UnicodeDecodeError opening such a zip: the upload ended on an unexpected error, not refused."""
    data = bytearray(_zip({**wbk.parts(GOOD), "xl/media/zz.bin": b"x"}))
    for at in [i for i in range(len(data)) if data.startswith(b"xl/media/zz.bin", i)]:
        data[at + 9:at + 11] = b"\xff\xff"
        header = max(data.rfind(b"PK\x03\x04", 0, at), data.rfind(b"PK\x01\x02", 0, at))
        flags = header + (8 if data.startswith(b"PK\x01\x02", header) else 6)  # general purpose bit flag
        data[flags + 1] |= 0x08  # bit 11: the name is UTF-8
    with pytest.raises(UnsafeWorkbook, match="damaged"):
        check_workbook(bytes(data))
