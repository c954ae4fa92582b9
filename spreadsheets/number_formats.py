"""Which cells a workbook shows in a scientific number format (1.20E+05), noted by the upload's one scan.

A client code Excel stored as a number and shows in scientific notation may have lost digits (imports/kinds/codes.py).
The styles part says which cell styles (a cell's s="...") have such a format; when none has (nearly every
workbook), the scan looks at nothing more. Tags may carry a namespace prefix (<x:c>, <x:v>: spreadsheets/xml_tags.py).
"""
import re

from spreadsheets.error_cells import MAX_CARRY
from spreadsheets.xml_tags import NS, T_ATTRIBUTE, last_attribute

SCIENTIFIC_BUILTIN = {11, 48}  # Excel's built-in number formats 0.00E+00 and ##0.0E+0
_NUM_FMT = re.compile(rb"<" + NS + rb"numFmt\b([^>]*)>")
_CELL_XFS = re.compile(rb"<" + NS + rb"cellXfs\b[^>]*>(.*?)</" + NS + rb"cellXfs>", re.S)
_XF = re.compile(rb"<" + NS + rb"xf\b([^>]*)>")
_ATTR = re.compile(rb'([A-Za-z:]+)\s*=\s*"([^"]*)"')
_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _attrs(raw):
    return {name.decode(): value.decode() for name, value in _ATTR.findall(raw)}


def is_scientific(format_code: str) -> bool:
    """True for a number format that shows numbers as mantissa and exponent (0.00E+00)."""
    code = _LITERALS.sub("", format_code.replace("&quot;", '"'))
    return re.search(r"[eE][+-]", code) is not None


def format_id(value):
    """A numFmtId (text or bytes) as a number, or None when there is none or it is no whole number (numFmtId="",
    "1.0"): calamine opens such a workbook (the id is General), openpyxl fails on it (spreadsheets/canonical_parts.py),
    and an unreadable id is not a scientific format."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def scientific_styles(styles_xml: bytes) -> set:
    """Indexes of the cell styles (a cell's s="...") whose number format is scientific."""
    custom = {format_id(a.get("numFmtId")) for a in map(_attrs, _NUM_FMT.findall(styles_xml))
              if is_scientific(a.get("formatCode", ""))}
    found = _CELL_XFS.search(styles_xml)
    xfs = [_attrs(raw) for raw in _XF.findall(found[1])] if found else []
    scientific = (SCIENTIFIC_BUILTIN | custom) - {None}
    return {i for i, xf in enumerate(xfs) if format_id(xf.get("numFmtId")) in scientific}


def workbook_scientific_styles(archive, part) -> set:
    """The cell styles of an open workbook (a ZipFile) with a scientific number format: its WorkbookPart's
    (spreadsheets/workbook_part.py) when the copy's check read them, else from its styles part (none: every cell in
    the General format). None in nearly every workbook."""
    if part.scientific_styles is not None:
        return part.scientific_styles
    return scientific_styles(archive.read(part.styles)) if part.styles else set()


class ScientificCells:
    """The numbers of a sheet's cells whose style is one of `styles`, fed slice by slice; a cell cut by a slice's
    end waits for the next one."""

    def __init__(self, styles):
        ids = b"|".join(str(i).encode() for i in sorted(styles))
        # Found by the style attribute, a plain text a search finds fast (Excel writes r, s, t in that order, so
        # the type follows it): a pattern starting at each tag's '<' made a sheet whose every row has such a cell
        # scan in 1.6x the time of the old scan and second pass; this one, 0.7x.
        self.cells = re.compile(rb' s="(?:' + ids + rb')"([^>]*)>(?:<' + NS + rb"f\b[^>]*?(?:/>|>[^<]*</" + NS
                                + rb"f>))?<" + NS + rb"v>([^<]*)</")
        self.values, self.carry = set(), b""

    def feed(self, piece):
        text, end = self.carry + piece, 0
        for cell in self.cells.finditer(text):
            if not _in_cell_tag(text, cell.start()):
                continue  # ' s="..."' in a formula's text (=Codes s="1": a range intersected with a name)
            end = cell.end()
            # The type follows s: a number, not a shared string or a formula's text (the last t, as calamine reads)
            kind = last_attribute(T_ATTRIBUTE, b"t", cell.group(1))
            if kind is None or kind == b"n":
                try:
                    self.values.add(float(cell.group(2)))
                except ValueError:
                    pass
        # A slice ends before a '<' (spreadsheets/unpack.py), so a styled cell cut by it has its whole tag, style
        # included, in this slice, however long its formula: the cell waits from its tag on.
        start = _last_styled_cell(text, end)
        self.carry = text[start:][:MAX_CARRY] if start >= 0 else b""


def _in_cell_tag(text, at):
    """Whether `at` (a ' s="' found) lies inside a tag (the pattern's <v> after it makes it a cell's), not in a
    formula's text: the last '<' before it comes after the last '>'."""
    return text.rfind(b">", 0, at) < text.rfind(b"<", 0, at)


def _last_styled_cell(text, end):
    """Where the last tag with a style after `end` begins, or -1."""
    at = text.rfind(b' s="', end)
    while at >= 0:
        opened = text.rfind(b"<", end, at)
        if opened < 0:
            return -1
        if text.find(b">", opened, at) < 0:
            return opened
        at = text.rfind(b' s="', end, opened)  # found in a formula's text: the cell's own tag comes before it
    return -1
