"""What a workbook's own part (xl/workbook.xml) says, read once an upload: where its worksheets are and what they
are called, whether it counts days from 1904, and whether it asks to be calculated when opened.

A workbook saved with the 1904 date system (<workbookPr date1904="1"/>, Macs of old) numbers its days from
1 Jan 1904: calamine reads its date cells right, but a bare day number in a date column is 1,462 days later
than the same number in any other workbook. Programs that write formulas without calculating them (openpyxl,
xlsxwriter) ask for a calculation on opening (<calcPr fullCalcOnLoad="1"/>); Excel and LibreOffice save results.
The part is streamed (its defined names can make it large); the sheets' names come from an XML parser fed the
same slices, up to the end of <sheets>.
"""
import posixpath
import re
from dataclasses import dataclass, field
from xml.etree import ElementTree

from spreadsheets.unpack import xml_slices
from spreadsheets.xml_tags import NS

DATE_1904 = re.compile(rb"<" + NS + rb"""workbookPr\s[^>]*\bdate1904\s*=\s*["'](?:1|true)["']""")
CALC_ON_LOAD = re.compile(rb"""fullCalcOnLoad\s*=\s*["'](?:1|true)""")
SHEETS_END = re.compile(rb"</" + NS + rb"sheets\s*>|<" + NS + rb"sheets\s*/>")


@dataclass
class WorkbookPart:
    """sheets: [(sheet name, zip member)] of every worksheet a reader could open."""
    sheets: list = field(default_factory=list)
    date1904: bool = False
    calculate_on_load: bool = False


def read_workbook_part(archive) -> WorkbookPart:
    """The WorkbookPart of an open zip. The workbook's relationships name the worksheets (in any folder) and the
    workbook names them; parts under xl/worksheets/ are listed even if nothing names them."""
    names = set(archive.namelist())
    found, titles = WorkbookPart(), {}
    targets = _worksheet_targets(archive)
    if "xl/workbook.xml" in names:
        parser = ElementTree.XMLPullParser(("end",))
        naming = True
        for piece in xml_slices(archive, "xl/workbook.xml"):
            found.date1904 = found.date1904 or (naming and DATE_1904.search(piece) is not None)
            found.calculate_on_load = found.calculate_on_load or CALC_ON_LOAD.search(piece) is not None
            if naming:
                naming = _names(parser, piece, titles) and not SHEETS_END.search(piece)
            if not naming and found.calculate_on_load:
                break
    found.sheets = [(titles.get(rid) or posixpath.basename(part), part) for rid, part in targets.items()
                    if part in names]
    listed = {part for _, part in found.sheets}
    found.sheets += [(posixpath.basename(n), n) for n in sorted(names)
                     if n.startswith("xl/worksheets/") and n.endswith(".xml") and n not in listed]
    return found


def _worksheet_targets(archive):
    """{relationship id: zip member} of the worksheets the workbook's relationships name (those read)."""
    targets = {}
    try:
        with archive.open("xl/_rels/workbook.xml.rels") as rels:
            for _, element in ElementTree.iterparse(rels):
                if element.tag.endswith("Relationship") and element.get("Type", "").endswith("/worksheet"):
                    target = element.get("Target", "")
                    targets[element.get("Id")] = (target.lstrip("/") if target.startswith("/")
                                                  else posixpath.normpath(posixpath.join("xl", target)))
    except (KeyError, ElementTree.ParseError):  # no usable map: the parts under xl/worksheets/ too
        pass
    return targets


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
