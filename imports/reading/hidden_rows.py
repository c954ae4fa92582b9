"""Say which rows under a sheet's header, and which of the columns read, are hidden in Excel: they are imported
like any other. Sheets hidden in Excel are not read (imports/reading/workbook.py: data_sheets): the preview names them.

A clerk who filtered a sheet to one team (or hid finished clients, or a column of notes) sees only part of it,
but the file holds it all, and the reader (calamine) cannot tell them apart. The extent scan notes rows hidden
one by one (spreadsheets/noted.py); the sheet's head says which columns are hidden and whether rows are hidden
by default (spreadsheets/sheet_head.py); imports/reading/sheet_notes.py gathers both. The preview names them as a
warning before anything is committed.
A warning, not a refusal, for columns too: rows and columns are hidden on purpose as often as not (a client
code column kept out of sight beside the names), and the preview lists every value they bring, field by field,
so the clerk sees what goes in and can discard the import and upload only what is meant.
"""
from imports.reading.problems import column_letter

MAX_NAMED = 10  # ranges named in the message; the rest are counted


def report_hidden_rows(report, sheet, header_row, hidden):
    """Warn about the rows of `hidden` (the sheet's SheetNotes, None when nothing is noted) below `header_row`."""
    if hidden is None:
        return
    ranges = [(max(first, header_row + 1), last) for first, last in hidden.hidden_rows if last > header_row]
    if not ranges:
        return
    count = sum(last - first + 1 for first, last in ranges)
    named = ", ".join(f"{first}-{last}" if last > first else f"{first}" for first, last in ranges[:MAX_NAMED])
    more = f" and {len(ranges) - MAX_NAMED} more ranges" if len(ranges) > MAX_NAMED else ""
    cause = "a filter" if hidden.filtered else "the sheet hides rows by default" if hidden.by_default \
        else "hidden by hand"
    report.warning("rows.hidden", f"Row{'s' if count > 1 else ''} {named}{more} of sheet '{sheet}' "
                                  f"{'are' if count > 1 else 'is'} hidden in Excel ({cause}): "
                                  f"{'they are' if count > 1 else 'it is'} imported too ({count:,} "
                                  f"row{'s' if count > 1 else ''}). To import only the rows you see, copy them to a "
                                  "new workbook and upload that instead.", sheet, ranges[0][0])


def report_hidden_columns(report, sheet, header_row, hidden, read):
    """Warn about the columns the import reads that are hidden in Excel. `read`: {column index (A = 0): header
    text as written} of the columns read; hidden columns not read change nothing and are not named."""
    if hidden is None or not hidden.hidden_columns:
        return
    named = [f"{column_letter(j)} ({read[j]})" for j in sorted(read)
             if any(first <= j + 1 <= last for first, last in hidden.hidden_columns)]
    if not named:
        return
    many = len(named) > 1
    report.warning("columns.hidden", f"Column{'s' if many else ''} {', '.join(named[:MAX_NAMED])}"
                                     f"{f' and {len(named) - MAX_NAMED} more' if len(named) > MAX_NAMED else ''} of "
                                     f"sheet '{sheet}' {'are' if many else 'is'} hidden in Excel: "
                                     f"{'their values are' if many else 'its values are'} imported too. Check them "
                                     "in the preview, or unhide the columns (select the columns around them, "
                                     "right-click, Unhide) and look before you upload.", sheet, header_row,
                   named[0])


def report_hidden_sheets(report, names):
    """Warn that the sheets `names`, hidden in Excel, were not read: a sheet is hidden on purpose (an old copy, a
    list), but a clerk who hid a team's sheet by mistake would otherwise see its rows missing without a word.
    MAX_NAMED are named one by one, the rest counted (a hand-made workbook may list thousands)."""
    for name in names[:MAX_NAMED]:
        report.warning("sheet.hidden", f"Sheet '{name}' is hidden in Excel, so it was not imported. If it holds rows "
                                       "to import, unhide it (right-click a sheet tab, Unhide) and upload the file "
                                       "again.", sheet=name)
    if len(names) > MAX_NAMED:
        report.warning("sheet.hidden", f"{len(names) - MAX_NAMED:,} more sheets are hidden in Excel and were not "
                                       "imported.")
