"""What a workbook's own part says, read once an upload: where its worksheets, styles and shared strings are and
what the sheets are called, whether it counts days from 1904, and whether it asks to be calculated when opened.

The package's relationships (_rels/.rels) name the workbook part, and the workbook's relationships its other
parts: Excel writes xl/workbook.xml, xl/styles.xml and xl/sharedStrings.xml, other generators may write other
names (xl/styles1.xml), and the relationships are what says so.

A workbook saved with the 1904 date system (<workbookPr date1904="1"/>, Macs of old) numbers its days from
1 Jan 1904: calamine reads its date cells right, but a bare day number in a date column is 1,462 days later
than the same number in any other workbook. Programs that write formulas without calculating them (openpyxl,
xlsxwriter) ask for a calculation on opening (<calcPr fullCalcOnLoad="1"/>); Excel and LibreOffice save results.
The part is streamed (its defined names can make it large); the sheets' names come from an XML parser fed the
same slices, up to the end of <sheets>.

How python-calamine 0.9.1 (calamine 0.37) finds parts, measured on rezipped openpyxl workbooks: the folder of the
last officeDocument Target (one leading / dropped) holds workbook.xml, _rels/workbook.xml.rels, styles.xml and
sharedStrings.xml, by those names whatever the relationships say; a sheet is the Target of the workbook's
relationship its <sheet> names, of any type ending in worksheet, chartsheet or dialogsheet (any part with
<sheetData> is read as one), taken as written after that folder or, with one leading /, from the root: `./`, `//`,
`x/../`, a second leading / and a `..` out of xl/ are never resolved, nor is %2e decoded (the member named
literally is read, a missing one fails when the sheet is loaded). Every name is looked up with ASCII letters in
either case and a member's `\\` read as `/` (two members alike so: the last is read); É is not é. So the checks
look parts up as calamine does (reader_key), and refuse as damaged two members alike, a Target of those kinds
that a path's normalization would change (it names another member to the checks, or none to calamine), a sheet's
Target naming no member, and a second officeDocument relationship.
"""
import io
import posixpath
import re
import string
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree import ElementTree

from spreadsheets.unpack import DAMAGED, DamagedPart, xml_slices
from spreadsheets.xml_tags import NS

DATE_1904 = re.compile(rb"<" + NS + rb"""workbookPr\s[^>]*\bdate1904\s*=\s*["'](?:1|true)["']""")
CALC_ON_LOAD = re.compile(rb"""fullCalcOnLoad\s*=\s*["'](?:1|true)""")
SHEETS_END = re.compile(rb"</" + NS + rb"sheets\s*>|<" + NS + rb"sheets\s*/>")


MAIN, STYLES, SHARED_STRINGS = "xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml"  # where Excel writes them
MAX_RELS_BYTES = 1 << 20  # Excel's are a few kilobytes; parsing a 61 MB one took half a gigabyte
# One <Relationship> element as written (a quoted value may hold ">"), and one attribute of it.
RELATIONSHIP = re.compile(rb"""<(?:[\w.-]+:)?Relationship\b((?:[^>"']|"[^"]*"|'[^']*')*)""")
ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# What an XML parser decodes or normalizes in a value and calamine takes as written: an entity or character
# reference (&amp;, &#49;), a tab, CR or newline. Such a Target names one part to our checks and another to calamine.
UNREAD_AS_WRITTEN = re.compile(rb"[&\t\r\n]")
SHEET_KINDS = ("worksheet", "chartsheet", "dialogsheet")  # calamine reads any of them holding <sheetData>
READ_KINDS = ("officeDocument", "styles", "sharedStrings", *SHEET_KINDS)  # the parts the checks and readers read
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@dataclass
class WorkbookPart:
    """sheets: [(sheet name, zip member)] of every worksheet a reader could open; member: the workbook part;
    styles, shared_strings: their zip members, or None when the workbook has none; scientific_styles: the cell
    styles with a scientific number format, once the styles part was read (spreadsheets/number_formats.py)."""
    sheets: list = field(default_factory=list)
    date1904: bool = False
    calculate_on_load: bool = False
    member: str = MAIN
    styles: str | None = None
    shared_strings: str | None = None
    scientific_styles: set | None = None


def read_workbook_part(archive) -> WorkbookPart:
    """The WorkbookPart of an open zip. The workbook's relationships name the sheets (in any folder) and the workbook
    names them. A relationship marked TargetMode="External" counts as any other: calamine reads the part it names."""
    members = part_names(archive)
    found, titles = WorkbookPart(member=main_member(archive, members)), {}
    related = relationships(archive, found.member, members)
    targets = {rid: target for rid, kind, target in related if kind in SHEET_KINDS}
    if any(reader_key(target) not in members for target in targets.values()):
        raise DamagedPart(DAMAGED)  # calamine fails on loading that sheet
    found.styles = _first(related, "styles", members, STYLES)
    found.shared_strings = _first(related, "sharedStrings", members, SHARED_STRINGS)
    if reader_key(found.member) in members:
        parser = ElementTree.XMLPullParser(("end",))
        naming = True
        for piece in xml_slices(archive, found.member):
            found.date1904 = found.date1904 or (naming and DATE_1904.search(piece) is not None)
            found.calculate_on_load = found.calculate_on_load or CALC_ON_LOAD.search(piece) is not None
            if naming:
                naming = _names(parser, piece, titles) and not SHEETS_END.search(piece)
            if not naming and found.calculate_on_load:
                break
    found.sheets = [(titles.get(rid) or posixpath.basename(part), part) for rid, part in targets.items()]
    return found


def reader_key(name) -> str:
    """A zip member's name as calamine compares it: `\\` read as `/`, ASCII letters lower case (not É)."""
    return name.replace("\\", "/").translate(_ASCII_LOWER)


def part_names(archive) -> dict:
    """{reader_key(member): member} of an open zip; DamagedPart when two members share a key: calamine reads the
    last of them, the checks might measure another (zipfile reads the last of two same names, too)."""
    names = archive.namelist()
    found = {reader_key(name): name for name in names}
    if len(found) != len(names):
        raise DamagedPart(DAMAGED)
    return found


def main_member(archive, members) -> str:
    """The workbook part the package's relationships name (xl/workbook.xml when they name none), as calamine finds
    it: by the Target, or else by the name workbook.xml in its folder; `members`: the zip's part_names()."""
    targets = [target for _, kind, target in relationships(archive, "", members) if kind == "officeDocument"]
    if len(targets) > 1:
        raise DamagedPart(DAMAGED)  # Excel writes one; calamine reads the last, the checks read the first
    target = targets[0] if targets else MAIN
    if reader_key(target) not in members:
        target = posixpath.join(posixpath.dirname(target), "workbook.xml")
    return members.get(reader_key(target), target)


def relationships(archive, source, members=None) -> list:
    """[(id, type's last word, zip member)] of the relationships of the part `source` ("" for the package), read
    from its .rels part; [] when there is none (then the usual names are looked for). A member is named as in the
    zip when calamine would find it there (`members`: the zip's part_names(), read when not given).

    DamagedPart when the .rels cannot be parsed or is implausibly large: guessing the usual names then, the checks
    would read other parts than the reader (a sheet the workbook names at xl/sheets/ went unscanned). DamagedPart
    too when a Target holds what a parser decodes and calamine does not (&amp;, &#49;, a tab or newline): with
    xl/sheets/a&b.xml small and xl/sheets/a&amp;b.xml large in one zip, the checks measured the one and calamine
    read the other; and when a Target of a kind the readers read is not a plain path (read_as_written)."""
    members = part_names(archive) if members is None else members
    rels = members.get(reader_key(rels_member(source)))
    if rels is None:
        return []
    info = archive.getinfo(rels)
    if info.file_size > MAX_RELS_BYTES:
        raise DamagedPart(DAMAGED)
    try:
        data = archive.read(info)
        parsed = [element for _, element in ElementTree.iterparse(io.BytesIO(data))
                  if element.tag.endswith("Relationship")]
    except (ElementTree.ParseError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        raise DamagedPart(DAMAGED)
    written = [next((a or b for name, a, b in ATTRIBUTE.findall(m) if name == b"Target"), b"")
               for m in RELATIONSHIP.findall(data)]  # each element's Target as written
    if len(written) != len(parsed) or any(UNREAD_AS_WRITTEN.search(target) for target in written):
        raise DamagedPart(DAMAGED)  # elements the parser alone sees (an entity, UTF-16), or a Target read two ways
    folder, found = posixpath.dirname(source), []
    for element in parsed:  # TargetMode="External" too: calamine takes no notice of it
        target, kind = element.get("Target", ""), element.get("Type", "").rpartition("/")[2]
        path = target[1:] if target.startswith("/") else posixpath.join(folder, target)  # as calamine reads it
        if kind in READ_KINDS and not read_as_written(path):
            raise DamagedPart(DAMAGED)
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(path)
        found.append((element.get("Id"), kind, members.get(reader_key(member), member)))
    return found


def read_as_written(path) -> bool:
    """Whether a Target, after the folder it is relative to, names one member to every reader: calamine takes it as
    written, the checks, openpyxl and Excel normalize it (worksheets/./a.xml, worksheets//a.xml, x/../a.xml,
    a second leading /, a `..` out of xl/, a trailing /, a `\\` that calamine compares as itself, no Target)."""
    return (path == posixpath.normpath(path) and not path.startswith("/") and "\\" not in path
            and ".." not in path.split("/"))


def rels_member(source) -> str:
    """The zip member holding the relationships of the part `source` ("" for the package's: _rels/.rels)."""
    folder, name = posixpath.split(source)
    return posixpath.join(folder, "_rels", name + ".rels")


def _first(related, kind, members, usual):
    """The member of the first relationship of `kind` that is in the zip, else the member calamine finds by the
    `usual` name, else None."""
    return next((member for _, found, member in related if found == kind and reader_key(member) in members),
                members.get(reader_key(usual)))


def _names(parser, piece, titles):
    """Feed a slice to the parser, noting each sheet's name by its relationship id (transitional or strict);
    False once the list of sheets is over or the XML cannot be parsed (the names found so far stand)."""
    try:
        parser.feed(piece)
        for _, element in parser.read_events():
            local = element.tag.rpartition("}")[2]
            if local == "sheet":
                ids = [v for k, v in element.attrib.items() if k.endswith("}id")]
                if ids:
                    titles.setdefault(ids[0], element.get("name"))
            elif local == "sheets":
                return False
            element.clear()
    except ElementTree.ParseError:
        return False
    return True
