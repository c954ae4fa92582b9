"""Recognise a workbook whose formulas hold placeholder results: written by a program, never calculated.

xlsxwriter (and other writers) save every formula with a result of 0 (<f>..</f><v>0</v>) and ask the
spreadsheet program to calculate on opening (<calcPr fullCalcOnLoad="1"/>); the reader takes that 0 as the
value. Nothing else tells such a file apart: xlsxwriter names "Microsoft Excel" as its application. So a
workbook that asks to be calculated on opening and whose every formula shows 0 or nothing was never
calculated; one formula with another result shows that a spreadsheet program calculated it (Excel and
LibreOffice save real results, and do not ask for a calculation on opening). Formulas without any result
(openpyxl) are refused by the extent scan as it meets them (spreadsheets/noted.py). StaleFormulas is fed the
slices of the extent scan's one pass, in workbooks asking to be calculated only.
"""
import re

from spreadsheets.error_cells import MAX_CARRY
from spreadsheets.xml_tags import NS

FORMULA = re.compile(rb"<" + NS + rb"f\b[^>]*(?:/>|>[^<]*</" + NS + rb"f>)\s*(?:<" + NS + rb"v>([^<]*)</" + NS
                     + rb"v>)?")
CELL = re.compile(rb"<" + NS + rb"""c\s[^>]*?\br\s*=\s*["']([A-Za-z]+[0-9]+)""")
PLACEHOLDERS = (b"0", b"")


class StaleFormulas:
    """Fed each worksheet's slices in turn: `first`, (sheet, cell) of the first formula with a placeholder result,
    until `calculated` (a formula with a real result: a spreadsheet program calculated the workbook)."""

    def __init__(self):
        self.first, self.calculated = None, False
        self.sheet, self.carry = None, b""

    def start(self, sheet):
        """The slices that follow are of worksheet `sheet`."""
        self.sheet, self.carry = sheet, b""

    def feed(self, piece):
        if self.calculated:
            return
        text = self.carry + piece
        cut = text.rfind(b"c>")  # a cell cut by the slice waits for the next
        done, self.carry = (text[:cut + 2], text[cut + 2:]) if cut >= 0 else (b"", text[-MAX_CARRY:])
        for formula in FORMULA.finditer(done):
            if formula.group(1) is not None and formula.group(1).strip() not in PLACEHOLDERS:
                self.calculated, self.first = True, None
                return
            if self.first is None:
                cells = list(CELL.finditer(done, max(0, formula.start() - 4096), formula.start()))
                self.first = (self.sheet, cells[-1].group(1).decode() if cells else "?")

    @property
    def stale(self):
        """(sheet, cell) of the first formula of a workbook never calculated, or None."""
        return None if self.calculated else self.first
