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
"""
import io
import posixpath
import re
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
    """The WorkbookPart of an open zip. The workbook's relationships name the worksheets (in any folder) and the
    workbook names them; parts under xl/worksheets/ are listed even if nothing names them. A relationship marked
    TargetMode="External" counts as any other: calamine reads the part it names, and callers keep only zip members."""
    names = set(archive.namelist())
    found, titles = WorkbookPart(member=main_member(archive, names)), {}
    related = relationships(archive, found.member)
    targets = {rid: target for rid, kind, target in related if kind == "worksheet"}
    found.styles = _first(related, "styles", names, STYLES)
    found.shared_strings = _first(related, "sharedStrings", names, SHARED_STRINGS)
    if found.member in names:
        parser = ElementTree.XMLPullParser(("end",))
        naming = True
        for piece in xml_slices(archive, found.member):
            found.date1904 = found.date1904 or (naming and DATE_1904.search(piece) is not None)
            found.calculate_on_load = found.calculate_on_load or CALC_ON_LOAD.search(piece) is not None
            if naming:
                naming = _names(parser, piece, titles) and not SHEETS_END.search(piece)
            if not naming and found.calculate_on_load:
                break
    found.sheets = [(titles.get(rid) or posixpath.basename(part), part) for rid, part in targets.items()
                    if part in names]
    # Any name there, not only *.xml: calamine takes a Target as written, so Target="worksheets/./big" is the part
    # xl/worksheets/./big to it, and xl/worksheets/big to normpath. The listed sheets' own relationships are no sheet.
    listed = {part for _, part in found.sheets}
    listed |= {rels_member(part) for part in listed}
    found.sheets += [(posixpath.basename(n), n) for n in sorted(names)
                     if n.startswith("xl/worksheets/") and n not in listed]
    return found


def main_member(archive, names) -> str:
    """The workbook part the package's relationships name (xl/workbook.xml when they name none); `names`: the set of
    the zip's members."""
    found = (target for _, kind, target in relationships(archive, "") if kind == "officeDocument" and target in names)
    return next(found, MAIN)  # the first that is in the zip


def relationships(archive, source) -> list:
    """[(id, type's last word, zip member)] of the relationships of the part `source` ("" for the package), read
    from its .rels part; [] when there is none (then the usual names are looked for). DamagedPart when it cannot
    be parsed or is implausibly large: guessing the usual names then, the checks would read other parts than the
    reader (a sheet the workbook names at xl/sheets/ went unscanned). DamagedPart too when a Target holds what a
    parser decodes and calamine does not (&amp;, &#49;, a tab or newline): with xl/sheets/a&b.xml small and
    xl/sheets/a&amp;b.xml large in one zip, the checks measured the one and calamine read the other."""
    try:
        info = archive.getinfo(rels_member(source))
    except KeyError:
        return []
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
        target = element.get("Target", "")
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found.append((element.get("Id"), element.get("Type", "").rpartition("/")[2], member))
    return found


def rels_member(source) -> str:
    """The zip member holding the relationships of the part `source` ("" for the package's: _rels/.rels)."""
    folder, name = posixpath.split(source)
    return posixpath.join(folder, "_rels", name + ".rels")


def _first(related, kind, names, usual):
    """The member of the first relationship of `kind` that is in the zip, else `usual` if it is, else None."""
    return next((member for _, found, member in related if found == kind and member in names),
                usual if usual in names else None)


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
