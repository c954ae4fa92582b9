"""Note a sheet's merged ranges as calamine reads them, in the extent scan's pass
(imports/reading/scanned_read.py spares calamine a pass of its own for them: spreadsheets/one_pass_copy.py)."""
import re

from spreadsheets.xml_tags import NS, column_number

MERGE_CELLS = re.compile(rb"<" + NS + rb"mergeCells(?=[\s/>])[^>]*>")
MERGE_CELLS_END = re.compile(rb"</" + NS + rb"mergeCells\s*>")
MERGE_CELL = re.compile(rb"<" + NS + rb"mergeCell(?=[\s/>])([^>]*)>")
REF_ATTRIBUTE = re.compile(rb"""(?:^|\s)ref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
MERGE_REFERENCE = re.compile(rb"([A-Za-z]+)([0-9]+)")


class Merges:
    """The merged ranges of a sheet the way calamine reads them: the mergeCell elements (their ref) of the first
    mergeCells element, wherever it is. `ranges` is None where calamine would fail (a ref it cannot parse, or no
    end to the element): the sheet is then unreadable, as calamine would say."""

    def __init__(self):
        self.ranges, self.inside, self.done = [], False, False

    def feed(self, piece):
        at = 0
        if not self.inside:
            start = MERGE_CELLS.search(piece)
            if start is None:
                return
            self.inside, at = True, start.end()
            if start.group().endswith(b"/>"):  # calamine reads <mergeCells/> as a start and an end
                self.done = True
                return
        end = MERGE_CELLS_END.search(piece, at)
        for tag in MERGE_CELL.finditer(piece, at, end.start() if end else len(piece)):
            found = REF_ATTRIBUTE.search(tag.group(1))
            if found is not None and self.ranges is not None:
                merged = _merged_range(found.group(1) if found.group(1) is not None else found.group(2))
                if merged is None:
                    self.ranges = None
                else:
                    self.ranges.append(merged)
        self.done = end is not None

    def close(self):
        """The ranges once the whole sheet was fed (None if the element never ended: calamine fails there)."""
        return None if self.inside and not self.done else self.ranges


def _merged_range(text):
    """((top, left), (bottom, right)) 0-based of a ref such as A3:A5 (or A3), or None where calamine cannot parse it."""
    cells = [MERGE_REFERENCE.fullmatch(part) for part in text.split(b":")]
    if not 1 <= len(cells) <= 2 or None in cells or any(int(cell.group(2)) == 0 for cell in cells):
        return None
    first, last = [(int(cell.group(2)) - 1, column_number(cell.group(1)) - 1) for cell in (cells[0], cells[-1])]
    return first, last
