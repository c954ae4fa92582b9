"""Which cells a workbook shows in a scientific number format (1.20E+05), noted by the upload's one scan.

A client code Excel stored as a number and shows in scientific notation may have lost digits (imports/codes.py).
The styles part says which cell styles (a cell's s="...") have such a format; when none has (nearly every
workbook), the scan looks at nothing more. Tags may carry a namespace prefix (<x:c>, <x:v>: spreadsheets/xml_tags.py).
"""
import re

from spreadsheets.xml_tags import NS

SCIENTIFIC_BUILTIN = {11, 48}  # Excel's built-in number formats 0.00E+00 and ##0.0E+0
MAX_CARRY = 1 << 20
_NUM_FMT = re.compile(rb"<" + NS + rb"numFmt\b([^>]*)>")
_CELL_XFS = re.compile(rb"<" + NS + rb"cellXfs\b[^>]*>(.*?)</" + NS + rb"cellXfs>", re.S)
_XF = re.compile(rb"<" + NS + rb"xf\b([^>]*)>")
_ATTR = re.compile(rb'([A-Za-z:]+)\s*=\s*"([^"]*)"')
_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_TYPE = re.compile(rb"""\bt\s*=\s*["']([^"']*)["']""")
_CELL_OPEN = re.compile(rb"<" + NS + rb"c\s")


def _attrs(raw):
    return {name.decode(): value.decode() for name, value in _ATTR.findall(raw)}


def is_scientific(format_code: str) -> bool:
    """True for a number format that shows numbers as mantissa and exponent (0.00E+00)."""
    code = _LITERALS.sub("", format_code.replace("&quot;", '"'))
    return re.search(r"[eE][+-]", code) is not None


def scientific_styles(styles_xml: bytes) -> set:
    """Indexes of the cell styles (a cell's s="...") whose number format is scientific."""
    custom = {int(a.get("numFmtId", -1)) for a in map(_attrs, _NUM_FMT.findall(styles_xml))
              if is_scientific(a.get("formatCode", ""))}
    found = _CELL_XFS.search(styles_xml)
    xfs = [_attrs(raw) for raw in _XF.findall(found[1])] if found else []
    return {i for i, xf in enumerate(xfs) if int(xf.get("numFmtId", 0) or 0) in SCIENTIFIC_BUILTIN | custom}


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
            end = cell.end()
            kind = _TYPE.search(cell.group(1))  # after s: a number, not a shared string or a formula's text
            if kind is None or kind.group(1) == b"n":
                try:
                    self.values.add(float(cell.group(2)))
                except ValueError:
                    pass
        opened = [m.start() for m in _CELL_OPEN.finditer(text, max(end, len(text) - 4096))]
        self.carry = text[max(end, opened[-1]):][:MAX_CARRY] if opened else b""
