"""Note the cells that show an error in Excel (#N/A, #REF!, #DIV/0!...): the reader (calamine) gives them as blank.

A blank keeps what is recorded, and a blank required cell reads 'required', where the clerk sees #N/A; so the
extent scan, which streams every slice of the sheet anyway, hands each slice to ErrorCells, which looks only
at slices holding an error cell (t="e": one fast search a slice) and notes where each is and what it shows.
Only the double-quoted t="e" that Excel, LibreOffice and the libraries write is looked for: a second search for
t='e' (hand-written XML) cost as much again.
"""
import re

from spreadsheets.xml_tags import NS, column_letters, column_number

# What each error Excel shows in a cell says, in words a clerk can act on (a CSV file saved by Excel has them as text).
EXCEL_ERRORS = {"#N/A": "a lookup found nothing", "#REF!": "a formula refers to cells that were deleted",
                "#DIV/0!": "a division by zero", "#VALUE!": "a formula got text where it needs a number",
                "#NAME?": "a formula names something Excel does not know", "#NUM!": "a number out of range",
                "#NULL!": "two ranges that do not meet", "#SPILL!": "a formula's results have no room",
                "#CALC!": "a formula could not be calculated", "#GETTING_DATA": "a value still loading"}
MAX_NOTED = 1_000  # cells noted a sheet: enough to name each in the problems kept
MAX_CARRY = 1 << 20
ERROR_CELL = re.compile(rb"<" + NS + rb"""c\s([^>]*\bt\s*=\s*["']e["'][^>/]*)>(.*?)</""" + NS + rb"c>", re.S)
REFERENCE = re.compile(rb"""\br\s*=\s*["']([A-Za-z]+)([0-9]+)["']""")
OPEN_ERROR_CELL = re.compile(rb"<" + NS + rb"""c\s[^>]*\bt\s*=\s*["']e["'][^>/]*>""")
VALUE = re.compile(rb"<" + NS + rb"v>([^<]*)</")


class ErrorCells:
    """{(Excel row, column index with A = 0): what the cell shows} of a sheet's error cells, fed slice by slice."""

    def __init__(self):
        self.found, self.carry = {}, b""

    def feed(self, piece):
        """Note the error cells of a slice; a cell cut by the slice's end waits for the next one."""
        if not self.carry and b't="e"' not in piece:
            return  # nearly every slice (one search: 0.14 s of CPU over the 500k-row bench sheet's 143 MB)
        text, self.carry, end = self.carry + piece, b"", 0
        for cell in ERROR_CELL.finditer(text):
            end = cell.end()
            reference, value = REFERENCE.search(cell.group(1)), VALUE.search(cell.group(2))
            if reference is None:
                continue
            if len(self.found) < MAX_NOTED:
                row, column = int(reference.group(2)), column_number(reference.group(1)) - 1
                self.found[(row, column)] = value.group(1).decode(errors="replace").strip() if value else "#error"
        if opened := OPEN_ERROR_CELL.search(text, end):  # begun in this slice, ended in the next
            self.carry = text[opened.start():][:MAX_CARRY]



def error_named(shows):
    """An error Excel shows, with what it means where known: '#REF! (a formula refers to cells that were deleted)'."""
    meaning = EXCEL_ERRORS.get(shows.strip().upper())
    return f"{shows.strip().upper()} ({meaning})" if meaning else shows


def error_shown(value):
    """What a cell openpyxl read shows, in words, when it shows an error in Excel (error_named); None for any other
    value."""
    return error_named(value) if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS else None


def error_cell_problem(column, row, shown, what):
    """Why a cell showing an error in Excel (`shown`, from error_shown) is refused, and what to do: 'cell F7 shows
    #REF! (...) in Excel: type the note, or correct the formula, and upload again' (`column`: 1 for A)."""
    return (f"cell {column_letters(column)}{row} shows {shown} in Excel: type {what}, or correct the formula, and "
            "upload again")
