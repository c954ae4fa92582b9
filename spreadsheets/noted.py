"""What the extent scan notes beside the extent, in the same pass over a sheet (spreadsheets/extent.py): the
facts of spreadsheets/sheet_facts.py that the reader (calamine) cannot see.

Rows marked hidden (by a filter or by hand) that hold a value, as [first, last] ranges of Excel rows; in a
workbook never calculated, the first formula cell without a saved value; the merged ranges (spreadsheets/
merges.py); cells showing an error (spreadsheets/error_cells.py); what the sheet's head hides (columns, rows by
default: spreadsheets/sheet_head.py); in a workbook asking to be calculated, its formulas' results
(spreadsheets/stale_formulas.py, fed across the sheets); and, where the styles have a scientific number format,
the numbers so shown (spreadsheets/number_formats.py).

Slices without the word 'hidden' (nearly all) cost one fast search (0.1 s of a 500k-row sheet's 1.2 s scan,
which runs beside calamine's parse in an import's child); an empty hidden row (Excel writes one for
each row hidden below the data) holds nothing to import and is left out. A row whose end lies in the next
slice counts as holding values; a row without a number of its own takes its first cell's.
"""
import re

from spreadsheets.error_cells import ErrorCells
from spreadsheets.merges import Merges
from spreadsheets.number_formats import ScientificCells
from spreadsheets.sheet_facts import SheetFacts
from spreadsheets.sheet_head import HOLDS_VALUE, SheetHead
from spreadsheets.xml_tags import NS, cell_reference

# hidden="1", or a height of 0 (ht="0": how some programs hide a row)
HIDDEN = re.compile(rb"""\s(?:hidden\s*=\s*(?:"(?:1|true)"|'(?:1|true)')|ht\s*=\s*["']0+(?:\.0*)?["'])""")
ROW_TAG = re.compile(rb"<" + NS + rb"row\s")
FIRST_CELL = re.compile(rb"<" + NS + rb"""c\s[^>]*?\br\s*=\s*["'][A-Za-z]*([0-9]+)""")
# A formula cell whose saved value is missing or empty-tagged (<v/>: openpyxl); Excel always saves one (<v></v> for "").
NO_VALUE = re.compile(rb"<" + NS + rb"""c\s[^>]*?\br="([A-Za-z]+[0-9]+)"[^>]*>\s*<""" + NS + rb"f\b[^>]*(?:/>|>[^<]*</"
                      + NS + rb"f>)\s*(?:<" + NS + rb"v\s*/>|</" + NS + rb"c>)")


class Noted:
    """Fed one sheet's slices from its start; `facts(name, rows, columns, exact)` then gives its SheetFacts.
    `uncalculated`: the workbook asks to be calculated on opening, so formula cells without a saved value are
    looked for; `stale`: the workbook's StaleFormulas, fed this sheet too (None: not asked); `scientific`: the
    cell styles with a scientific number format, whose numbers are noted."""

    def __init__(self, uncalculated=False, stale=None, scientific=()):
        self.rows, self.filtered = [], False
        self.look_for_formulas, self.uncalculated = uncalculated, None
        self.merges, self.errors, self.head = Merges(), ErrorCells(), SheetHead()
        self.stale = stale
        self.scientific = ScientificCells(scientific) if scientific else None

    def facts(self, name, rows, columns, exact=True):
        """The sheet's SheetFacts with what was noted."""
        self.head.close()
        return SheetFacts(name, rows, columns, exact, self.rows, self.filtered, self.uncalculated,
                          self.merges.close(), self.errors.found, self.head.hidden_columns, self.head.zero_height,
                          self.head.hidden_rows, self.scientific.values if self.scientific else set())

    def feed(self, piece):
        """Note what the slice holds; always True (it never stops a scan)."""
        self.head.feed(piece)
        if self.stale is not None:
            self.stale.feed(piece)
        if self.look_for_formulas and self.uncalculated is None and (b"<f" in piece or b":f" in piece):
            if found := NO_VALUE.search(piece):
                self.uncalculated = found.group(1).decode()
        self.errors.feed(piece)
        if self.scientific is not None:
            self.scientific.feed(piece)
        if b"hidden" in piece or b'ht="0' in piece:
            self._note_rows(piece)
        if self.rows and not self.filtered and b"autoFilter" in piece:  # after the rows: sought once some are hidden
            self.filtered = True
        if not self.merges.done and b"mergeCell" in piece:
            self.merges.feed(piece)
        return True

    def _note_rows(self, piece):
        for found in HIDDEN.finditer(piece):
            start, end = piece.rfind(b"<", 0, found.start()), piece.find(b">", found.end())
            if end < 0 or not ROW_TAG.match(piece, start) or piece[end - 1:end] == b"/":
                continue  # a hidden column, or a row with no cells
            close = piece.find(b"row>", end)
            content = piece[end + 1:close if close >= 0 else len(piece)]
            if close >= 0 and not HOLDS_VALUE.search(content):
                continue
            row = cell_reference(piece[start + 1:end])
            cell = FIRST_CELL.search(content) if row is None else None
            self._add(row[0] + 1 if row is not None else int(cell.group(1)) if cell else 0)

    def _add(self, row):
        if self.rows and self.rows[-1][1] + 1 == row:
            self.rows[-1][1] = row
        elif not self.rows or self.rows[-1][1] != row:
            self.rows.append([row, row])
