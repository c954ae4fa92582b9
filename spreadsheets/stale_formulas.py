"""Recognise a workbook whose formulas hold placeholder results: written by a program, never calculated.

xlsxwriter (and other writers) save every formula with a result of 0 (<f>..</f><v>0</v>) and ask the
spreadsheet program to calculate on opening (<calcPr fullCalcOnLoad="1"/>); the reader takes that 0 as the
value. Nothing else tells such a file apart: xlsxwriter names "Microsoft Excel" as its application. So a
workbook that asks to be calculated on opening and whose every formula shows 0 or nothing was never
calculated; one formula with another result shows that a spreadsheet program calculated it (Excel and
LibreOffice save real results, and do not ask for a calculation on opening). Formulas without any result
(openpyxl) are the extent scan's to refuse (spreadsheets/extent.py).
"""
import re
import zipfile
import zlib

from spreadsheets.error_cells import _NS, MAX_CARRY
from spreadsheets.extent import UNCALCULATED, _calculated_on_load, worksheet_parts
from spreadsheets.unpack import DamagedPart, xml_slices

FORMULA = re.compile(rb"<" + _NS + rb"f\b[^>]*(?:/>|>[^<]*</" + _NS + rb"f>)\s*(?:<" + _NS + rb"v>([^<]*)</" + _NS
                     + rb"v>)?")
CELL = re.compile(rb"""<""" + _NS + rb"""c\s[^>]*?\br\s*=\s*["']([A-Za-z]+[0-9]+)""")
PLACEHOLDERS = (b"0", b"")


def stale_formula(path):
    """(sheet, cell) of the first formula of a workbook never calculated, or None (calculated, or no formula)."""
    with zipfile.ZipFile(path) as archive:
        if not _calculated_on_load(archive):
            return None  # what Excel and LibreOffice save: nearly every upload stops here
        first = None
        for name, part in worksheet_parts(archive):
            carry = b""
            for piece in xml_slices(archive, part):
                text = carry + piece
                cut = text.rfind(b"c>")  # a cell cut by the slice waits for the next
                done, carry = (text[:cut + 2], text[cut + 2:]) if cut >= 0 else (b"", text[-MAX_CARRY:])
                for formula in FORMULA.finditer(done):
                    if formula.group(1) is not None and formula.group(1).strip() not in PLACEHOLDERS:
                        return None  # a real result: a spreadsheet program calculated the workbook
                    if first is None:
                        cells = list(CELL.finditer(done, max(0, formula.start() - 4096), formula.start()))
                        first = (name, cells[-1].group(1).decode() if cells else "?")
        return first


def refusal(path):
    """The message refusing a workbook never calculated, or None (a damaged part is the extent scan's to name)."""
    try:
        found = stale_formula(path)
    except (DamagedPart, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError):
        return None
    return UNCALCULATED.format(sheet=found[0], cell=found[1]) if found else None
