"""Check an uploaded workbook before any parser sees it: real .xlsx/.xlsm by content, no zip bomb.

openpyxl refuses XML entities by itself once defusedxml is installed (it is, in requirements.txt).
"""
import io
import zipfile

MAX_UNCOMPRESSED_BYTES = 600 * 1024 * 1024  # a 500k-row attendance sheet unpacks to about 100-200 MB
MAX_RATIO = 120  # real workbooks compress 5-30x; bombs compress thousands of times
MAX_MEMBERS = 10_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted workbooks and legacy .xls are OLE files
WORKBOOK_TYPES = ("spreadsheetml.sheet.main+xml", "ms-excel.sheet.macroEnabled.main+xml")


class UnsafeWorkbook(ValueError):
    """The upload is not a workbook we will open; the message says why in plain words."""


def check_workbook(data: bytes, max_uncompressed=MAX_UNCOMPRESSED_BYTES, max_ratio=MAX_RATIO) -> None:
    """Raise UnsafeWorkbook unless `data` is a plausible, safely sized .xlsx or .xlsm file."""
    if not data:
        raise UnsafeWorkbook("The file is empty.")
    if data.startswith(OLE_MAGIC):
        raise UnsafeWorkbook("The file is password-protected (encrypted) or an old .xls workbook. "
                             "Save it in Excel as an unprotected .xlsx workbook and upload it again.")
    if not data.startswith(b"PK"):
        raise UnsafeWorkbook("The file is not an Excel workbook (.xlsx). Whatever its name says, its content "
                             "is something else.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except zipfile.BadZipFile:
        raise UnsafeWorkbook("The workbook is damaged and cannot be opened. Save it again in Excel.")
    if len(members) > MAX_MEMBERS:
        raise UnsafeWorkbook("The workbook has an implausible number of parts and was refused.")
    total = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if total > max_uncompressed:
        raise UnsafeWorkbook(f"The workbook would unpack to {total // (1024 * 1024)} MB, more than the "
                             f"{max_uncompressed // (1024 * 1024)} MB the service accepts.")
    if total / packed > max_ratio:
        raise UnsafeWorkbook("The workbook is compressed far more than a real spreadsheet can be "
                             "(a 'zip bomb') and was refused.")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
        raise UnsafeWorkbook("The file is a zip archive but not an Excel workbook (.xlsx).")
    content_types = archive.read("[Content_Types].xml")
    if b"<!ENTITY" in content_types or b"<!DOCTYPE" in content_types:
        raise UnsafeWorkbook("The workbook contains XML entity declarations, which are refused.")
    if not any(t.encode() in content_types for t in WORKBOOK_TYPES):
        raise UnsafeWorkbook("The file is not an Excel workbook (.xlsx or .xlsm).")
