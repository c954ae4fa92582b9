"""Check an uploaded workbook before any parser sees it: real .xlsx/.xlsm by content, no zip bomb, no entities,
no sheet whose extent the reader could not hold (extent.py).

openpyxl refuses XML entities by itself once defusedxml is installed (it is, in requirements.txt); the
import reader (python-calamine) is not an XML library with a policy, so entity declarations are refused
here for every XML part, whoever reads the file next.
"""
import io
import os
import zipfile
import zlib
from xml.etree import ElementTree

from spreadsheets.export import FILE_TYPES
from spreadsheets.extent import MAX_SHEET_CELLS, MAX_SHEET_COLUMNS, SheetRefused, check_extents
from spreadsheets.filetypes import is_csv, refusal
from spreadsheets.unpack import DAMAGED, DamagedPart
from spreadsheets.workbook_part import main_member, part_names, reader_key

MAX_UNCOMPRESSED_BYTES = 600 * 1024 * 1024  # a 500k-row attendance sheet unpacks to about 100-200 MB
MAX_RATIO = 120  # real workbooks compress 5-30x; bombs compress thousands of times
MAX_MEMBERS = 10_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted workbooks, legacy .xls and .doc are OLE files
WORKBOOK_TYPES = ("spreadsheetml.sheet.main+xml", "ms-excel.sheet.macroEnabled.main+xml")
# The content types openpyxl finds a workbook part by (templates first).
MAIN_TYPES = (*WORKBOOK_TYPES, "spreadsheetml.template.main+xml", "ms-excel.template.macroEnabled.main+xml")
DOWNLOAD_TYPES = {**FILE_TYPES, "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12"}
MAX_PROLOG_BYTES = 64 * 1024  # a DOCTYPE (where entities are declared) must come before the root element
# A workbook the web process reads whole with openpyxl (a scale version, a scoring workbook: a few hundred cells,
# tens of kilobytes), which keeps each cell as Python objects of some hundreds of bytes: the import's limits (15
# million cells, 600 MB unpacked) would let one upload take gigabytes of a web worker.
SMALL_WORKBOOK = {"max_uncompressed": 20 * 1024 * 1024, "max_cells": 100_000, "max_columns": 50}


class UnsafeWorkbook(ValueError):
    """The upload is not a workbook we will open; the message says why in plain words."""


def check_workbook(data, max_uncompressed=MAX_UNCOMPRESSED_BYTES, max_ratio=MAX_RATIO, max_cells=MAX_SHEET_CELLS,
                   max_columns=MAX_SHEET_COLUMNS, csv_accepted=False, extents=True) -> str:
    """Raise UnsafeWorkbook unless `data` (bytes, or a path to the file) is a plausible, safely sized workbook;
    return its kind, "xlsx" or "xlsm".

    `max_cells` and `max_columns` bound each worksheet's extent (rows x columns from A1), read from its cell
    references before any reader allocates the sheet. `csv_accepted`: the caller reads CSV too (imports), so
    a refusal says so. `extents=False`: the caller checks the extents itself (check_extents), later, or needs
    only to know what the file is.
    """
    if isinstance(data, (str, os.PathLike)):
        with open(data, "rb") as handle:
            head = handle.read(8)
        size, source = os.path.getsize(data), data
    else:
        head, size, source = bytes(data[:8]), len(data), io.BytesIO(data)
    if not size:
        raise UnsafeWorkbook("The file is empty.")
    if head.startswith(OLE_MAGIC):
        raise UnsafeWorkbook(_ole_refusal(data))
    if not head.startswith(b"PK"):
        raise UnsafeWorkbook(refusal(data, csv_accepted))  # names what the file is: a PDF, an image, text...
    try:
        archive = zipfile.ZipFile(source)
        members = archive.infolist()
    # UnicodeDecodeError: a part's name flagged UTF-8 that is not; NotImplementedError: a "version needed" no zipfile
    # reads (a byte flipped in the central directory)
    except (zipfile.BadZipFile, EOFError, UnicodeDecodeError, NotImplementedError):
        raise UnsafeWorkbook("The workbook is damaged and cannot be opened. Save it again in Excel.")
    with archive:
        _check_sizes(members, max_uncompressed, max_ratio)
        names = {m.filename for m in members}
        if "[Content_Types].xml" not in names or "xl/workbook.bin" in names:  # .xlsb: binary parts
            raise UnsafeWorkbook(refusal(data, csv_accepted))  # an .ods, a plain zip...
        _check_prologs(archive, members)  # before any XML is parsed
        try:
            main = main_member(archive, part_names(archive))  # the workbook part, by the package's relationships
        except DamagedPart as error:
            raise UnsafeWorkbook(str(error)) from error
        if main not in names or not main.startswith("xl/"):
            raise UnsafeWorkbook(refusal(data, csv_accepted))  # a Word document, a presentation...
        content_types = archive.read("[Content_Types].xml")
        if not any(t.encode() in content_types for t in WORKBOOK_TYPES):
            raise UnsafeWorkbook("The file is not an Excel workbook (.xlsx or .xlsm).")
        if _typed_elsewhere(content_types, main):
            raise UnsafeWorkbook(DAMAGED)
    kind = "xlsm" if WORKBOOK_TYPES[1].encode() in content_types else "xlsx"
    if not extents:
        return kind
    try:
        check_extents(source if isinstance(source, (str, os.PathLike)) else io.BytesIO(data), max_cells, max_columns)
    except SheetRefused as error:
        raise UnsafeWorkbook(str(error)) from error
    return kind


def download_type(data):
    """(extension, content type) of an upload that passes the type check imports make, by its content; else None.

    What a download of the original is named and sent as: never the uploaded name's extension.
    """
    if is_csv(data):
        return "csv", DOWNLOAD_TYPES["csv"]
    try:
        kind = check_workbook(data, csv_accepted=True, extents=False)
    except UnsafeWorkbook:
        return None
    return kind, DOWNLOAD_TYPES[kind]


def _ole_refusal(data):
    """Why an OLE compound file (Excel's wrapper for encrypted workbooks, and the old .xls format) is refused.

    The file is never parsed: the names of its streams, stored in UTF-16, are looked for in its bytes.
    """
    if isinstance(data, (str, os.PathLike)):
        with open(data, "rb") as handle:
            data = handle.read()
    if "EncryptedPackage".encode("utf-16-le") in data:
        return ("The workbook is password-protected (encrypted), so it cannot be read. In Excel remove the "
                "password (File > Info > Protect Workbook > Encrypt with Password, clear it), save it and "
                "upload it again.")
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return ("The file is an old Excel 97-2003 workbook (.xls). Open it in Excel, save it as an Excel "
                "Workbook (.xlsx) and upload it again.")
    return ("The file is not an Excel workbook (.xlsx): it is an older Office document. Save the data in "
            "Excel as an Excel Workbook (.xlsx) and upload it again.")


def _typed_elsewhere(content_types: bytes, main) -> bool:
    """Whether [Content_Types].xml gives a workbook's main content type to another part than `main`, the one the
    package's relationships name: openpyxl (the scale and scoring workbook uploads) opens the first part typed so,
    and with xl/other.xml typed so, read a 500-row sheet the checks never measured. Excel types its workbook part."""
    try:
        for _, element in ElementTree.iterparse(io.BytesIO(content_types)):
            if element.tag.endswith("Override") and element.get("ContentType", "").endswith(MAIN_TYPES):
                if reader_key(element.get("PartName", "")[1:]) != reader_key(main):  # openpyxl drops one /
                    return True
            element.clear()
    except ElementTree.ParseError:  # nor can openpyxl parse it (a name in no UTF-8), and calamine never reads it
        pass
    return False


def _check_sizes(members, max_uncompressed, max_ratio):
    """Refuse by the sizes the zip declares, before anything is unpacked."""
    if len(members) > MAX_MEMBERS:
        raise UnsafeWorkbook("The workbook has an implausible number of parts and was refused.")
    total = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if total > max_uncompressed:
        raise UnsafeWorkbook(f"The workbook would unpack to {total // (1024 * 1024)} MB, more than the "
                             f"{max_uncompressed // (1024 * 1024)} MB the service accepts.")
    biggest = max(members, key=lambda m: m.file_size, default=None)
    if total / packed > max_ratio or (biggest and biggest.file_size > 1_000_000 and
                                      biggest.file_size / max(biggest.compress_size, 1) > max_ratio):
        raise UnsafeWorkbook("The workbook is compressed far more than a real spreadsheet can be "
                             "(a 'zip bomb') and was refused.")


def _check_prologs(archive, members):
    """Refuse XML entity declarations (billion-laughs bombs, external entities) in any XML part."""
    for member in members:
        if not member.filename.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(member) as part:
                prolog = part.read(MAX_PROLOG_BYTES)
        # zlib: a damaged part; OSError, ValueError: a part placed before the file's start (a negative seek)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError, ValueError):
            raise UnsafeWorkbook("The workbook is damaged (or protected) and cannot be opened. Save it again in "
                                 "Excel as an unprotected .xlsx.")
        if _declares_entities(prolog):
            raise UnsafeWorkbook("The workbook contains XML entity declarations (a DOCTYPE), which are refused.")


def _declares_entities(data: bytes) -> bool:
    """True when the XML prolog (before the root element) holds a DOCTYPE, or is too long to judge."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    data = data.lstrip(b"\xef\xbb\xbf")
    at = 0
    while True:
        while at < len(data) and data[at:at + 1].isspace():
            at += 1
        if data.startswith(b"<?", at):
            closing = b"?>"
        elif data.startswith(b"<!--", at):
            closing = b"-->"
        elif data.startswith(b"<!", at):
            return True  # <!DOCTYPE or <!ENTITY: workbooks never need either
        else:  # the root element, or the end of what was read: refuse a prolog longer than that
            return at >= len(data) >= MAX_PROLOG_BYTES
        end = data.find(closing, at)
        if end < 0:
            return len(data) >= MAX_PROLOG_BYTES
        at = end + len(closing)
