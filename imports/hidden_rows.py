"""Say which rows under a sheet's header are hidden in Excel: they are imported like any other.

A clerk who filtered a sheet to one team (or hid finished clients) sees only some rows, but the file holds them
all, and the reader (calamine) cannot tell them apart. The extent scan notes them (spreadsheets/extent.py); the
preview names them as a warning before anything is committed. A warning, not a refusal: hidden rows are data the
clerk keeps in the file on purpose as often as not, and the preview lists every record they bring, so the clerk
can discard the import and upload only the rows meant.
"""
MAX_NAMED = 10  # ranges named in the message; the rest are counted


def report_hidden_rows(report, sheet, header_row, extent):
    """Warn about the rows of `extent` (the sheet's scan, None when nothing is hidden) below `header_row`."""
    if extent is None:
        return
    ranges = [(max(first, header_row + 1), last) for first, last in extent.hidden_rows if last > header_row]
    if not ranges:
        return
    count = sum(last - first + 1 for first, last in ranges)
    named = ", ".join(f"{first}-{last}" if last > first else f"{first}" for first, last in ranges[:MAX_NAMED])
    more = f" and {len(ranges) - MAX_NAMED} more ranges" if len(ranges) > MAX_NAMED else ""
    cause = "a filter" if extent.filtered else "hidden by hand"
    report.warning("rows.hidden", f"Row{'s' if count > 1 else ''} {named}{more} of sheet '{sheet}' "
                                  f"{'are' if count > 1 else 'is'} hidden in Excel ({cause}): "
                                  f"{'they are' if count > 1 else 'it is'} imported too ({count:,} "
                                  f"row{'s' if count > 1 else ''}). To import only the rows you see, copy them to a "
                                  "new workbook and upload that instead.", sheet, ranges[0][0])
