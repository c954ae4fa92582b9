"""Tell by content what an uploaded file is: a CSV we read, or something to name plainly when refusing it.

Only the first bytes are looked at (and a zip's list of parts); nothing is parsed or executed.
"""
import codecs
import csv
import io
import os
import re
import zipfile
import zlib

ACCEPTED = "The service accepts Excel workbooks (.xlsx) and CSV files (.csv)."
ACCEPTED_XLSX = "Only an Excel workbook (.xlsx) can be uploaded here."
SNIFF_BYTES = 64 * 1024
SNIFF_LINES = 50
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
MAGIC = (  # (leading bytes, what the file is)
    (b"%PDF", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image (a photo or a scan)"),
    (b"GIF87a", "a GIF image"), (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image (a scan)"), (b"MM\x00*", "a TIFF image (a scan)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"SQLite format 3\x00", "a database file (SQLite)"),
)
ODS = "an OpenDocument spreadsheet (.ods)"
NUMBERS = "an Apple Numbers file"
XLSB = "an Excel Binary Workbook (.xlsb)"
ZIP_KINDS = (  # (a part only that kind of file has, what the file is)
    ("word/document.xml", "a Word document (.docx)"),
    ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)"),
    ("Index/Document.iwa", NUMBERS),
    ("xl/workbook.bin", XLSB),
)
# What to do with a spreadsheet of another program: a sentence of its own after what the file is.
_UPLOAD_IT = ", and upload that file."
SAVE_AS = {ODS: "In LibreOffice choose File > Save As, Excel 2007-365 (.xlsx)" + _UPLOAD_IT,
           NUMBERS: "In Numbers choose File > Export To > Excel" + _UPLOAD_IT,
           XLSB: "In Excel choose File > Save As, Excel Workbook (.xlsx)" + _UPLOAD_IT}


def _head(source, size=SNIFF_BYTES):
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            return handle.read(size)
    return bytes(source[:size])


def decode_text(data: bytes):
    """(text, encoding name) for UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252; None if binary."""
    for bom, encoding, name in ((codecs.BOM_UTF8, "utf-8", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
                                (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), name
            except UnicodeDecodeError:
                return None
    if b"\x00" in data:
        return None
    for encoding, name in (("utf-8", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text[:SNIFF_BYTES] if ord(ch) < 32 and ch not in "\t\r\n\f")
        return (text, name) if controls * 100 <= len(text[:SNIFF_BYTES]) else None
    return None


def _head_text(head: bytes, complete: bool):
    """decode_text of the first bytes, cut at the last line end when the file goes on (no half characters)."""
    if not complete:
        utf16 = head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        end = head.rfind(b"\n\x00" if head[:2] == codecs.BOM_UTF16_LE else b"\x00\n" if utf16 else b"\n")
        head = head[:end + (2 if utf16 else 1)] if end > 0 else head
    return decode_text(head)


def strip_sep_line(text: str):
    """(delimiter named by Excel's 'sep=;' first line or None, the text without that line)."""
    first, _, rest = text.partition("\n")
    if first.rstrip("\r").lower().startswith("sep=") and len(first.rstrip("\r")) == 5:
        return first[4], rest
    return None, text


def sniff_delimiter(text: str):
    """The delimiter (comma, semicolon or tab) that splits most lines into the same number (2+) of fields."""
    named, text = strip_sep_line(text)
    if named:
        return named
    lines = [line for line in text.splitlines()[:SNIFF_LINES] if line.strip()]
    best, best_score = None, 0
    for delimiter in ("\t", ";", ","):
        counts = [len(fields) for fields in csv.reader(lines, delimiter=delimiter)]
        wide = [n for n in counts if n >= 2]
        if not wide:
            continue
        common = max(set(wide), key=lambda n: (wide.count(n), n))
        score = counts.count(common)
        if score * 2 >= len(lines) and score > best_score:
            best, best_score = delimiter, score
    return best


def is_csv(source) -> bool:
    """True when the file is text whose lines a comma, semicolon or tab splits into columns."""
    head = _head(source)
    if not head or any(head.startswith(magic) for magic, _ in MAGIC) or head.startswith(b"PK"):
        return False
    size = os.path.getsize(source) if isinstance(source, (str, os.PathLike)) else len(source)
    decoded = _head_text(head, complete=size <= len(head))
    if decoded is None or _markup(decoded[0]):
        return False
    return sniff_delimiter(decoded[0]) is not None


def _markup(text):
    """What a text file is when it is markup (HTML, XML), else None."""
    start = text.lstrip("\ufeff \t\r\n")[:2000].lower()
    if start.startswith(("<!doctype html", "<html")) or "<table" in start:
        return "a web page (HTML), which some systems save with an .xls name"
    if start.startswith("<?xml"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in start:
            return "an Excel 2003 XML spreadsheet"
        return "an XML file"
    return None


def describe(source) -> str:
    """What the file is, in words ('a PDF document', 'plain text that is not CSV ...')."""
    head = _head(source)
    if not head:
        return "empty"
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    if head[4:8] == b"ftyp":
        return "a photo or video (HEIC or MP4)"
    if head.startswith(b"PK"):
        return _zip_kind(source)
    size = os.path.getsize(source) if isinstance(source, (str, os.PathLike)) else len(source)
    decoded = _head_text(head, complete=size <= len(head))
    if decoded is None:
        return "a binary file of a kind the service does not read"
    if markup := _markup(decoded[0]):
        return markup
    if sniff_delimiter(decoded[0]) is None:
        return "plain text that is not CSV (its lines are not split into columns by commas, semicolons or tabs)"
    return f"a CSV file ({decoded[1]})"


def _zip_kind(source):
    try:
        with zipfile.ZipFile(source if isinstance(source, (str, os.PathLike)) else io.BytesIO(source)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, NotImplementedError, RuntimeError):
        return "a damaged zip archive"  # zlib, NotImplementedError, RuntimeError: a damaged, unknown or encrypted part
    if b"opendocument.spreadsheet" in mimetype:
        return ODS
    if b"opendocument.text" in mimetype:
        return "an OpenDocument text document (.odt)"
    for part, what in ZIP_KINDS:
        if part in names:
            return what
    return "a zip archive"


def basename(filename) -> str:
    """An uploaded file's name without the folders a browser or script may send with it (C:\\Users\\...\\a.xlsx)."""
    return str(filename or "").replace("\\", "/").rsplit("/", 1)[-1]


def safe_stem(filename: str, fallback: str) -> str:
    """An uploaded file's name without its extension, as letters, digits, spaces, - and _ only (no path, no
    control or direction characters): what a download of it is called. `fallback` when nothing is left."""
    stem = basename(filename)
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = re.sub(r"[ -]*[^\w -]+[ -]*", "-", stem).strip(" -_")[:80]
    return stem or fallback


def refusal(source, csv_accepted=True) -> str:
    """The message refusing a file that is not a spreadsheet we read: what it is, and what is accepted.

    Imports read CSV too; other uploads (a scale, an offline scoring workbook) take .xlsx only.
    """
    what = describe(source)
    fix = SAVE_AS[what] + " " if what in SAVE_AS else ""
    if not csv_accepted:
        return f"The file is {what}, not an Excel workbook (.xlsx), whatever its name says. {fix}{ACCEPTED_XLSX}"
    if what.startswith("a CSV file"):
        return f"The file is {what}, not an Excel workbook (.xlsx). {ACCEPTED}"
    return (f"The file is {what}, not an Excel workbook (.xlsx) or a CSV file, whatever its name says. {fix}"
            f"{ACCEPTED}")
