"""The offline scoring workbook: download it for one rater of one visit, fill it where there is no network,
upload it back. The upload is checked (right visit, right rater, item texts unchanged, ratings on the
scale) and entered as that rater's ratings, all or nothing.
"""
import io


from fidelity.errors import FidelityError
from fidelity.scales.catalog import scale_of
from fidelity.visits.operations import save_ratings
from fidelity.visits.rules import parse_choice
from scoring.fidelity import check_rating
from spreadsheets.export import safe_cell
from spreadsheets.canonical_parts import small_workbook_bytes
from spreadsheets.error_cells import error_cell_problem, error_shown
from spreadsheets.xml_tags import column_letters

KIND = "imr-service fidelity scoring workbook v1"
SHEET, ABOUT = "Ratings", "About"
HEADER = ["Item", "Name", "Definition", "Anchors", "Rating", "Evidence note"]
RATING_COL, NOTE_COL = 5, 6  # E, F
FIRST_ROW = 9  # the header row; items follow


def _anchor_text(scale, item):
    lines = []
    for point in (1, 2, 3, 4, 5):
        text = scale.anchor(item, point)
        lines.append(f"{point} = {text}" if text else f"{point} = (rate by your state's protocol)")
    if item.allows_na:
        lines.append(f"NA = {item.na_label}")
    return "\n".join(lines)


def build_workbook(assessment, rater) -> bytes:
    """The workbook for one rater, pre-filled with what they have rated so far."""
    # openpyxl is loaded when a workbook is made, not with the app: it costs every process ~17 MiB.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation
    scale = scale_of(assessment)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    low, high = scale.rating_range
    choices = ",".join(str(p) for p in scale.points)
    facts = [
        (f"{scale.title} (version {scale.version}): scoring workbook", None),
        ("Visit", f"{assessment.unit_name} ({assessment.program.agency.name})"),
        ("Visit date", assessment.visit_date.isoformat()),
        ("Format", assessment.format),
        ("Rater", rater.user.email),
        ("How to fill it in", f"Choose a rating for each item in column E ({low}-{high}, or NA where the item "
                              "allows it) and write your evidence in column F. Leave columns A-D as they are: "
                              "the upload checks them. Upload the saved file on the visit's rating page."),
    ]
    for row, (label, value) in enumerate(facts, start=1):
        ws.cell(row=row, column=1, value=safe_cell(label)).font = Font(bold=True, size=13 if row == 1 else 11)
        if value:
            ws.cell(row=row, column=2, value=safe_cell(value))
    for col, title in enumerate(HEADER, start=1):
        cell = ws.cell(row=FIRST_ROW, column=col, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6EE")
    strict = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True,
                            error=f"Choose a whole number from {low} to {high}.", errorTitle="Rating")
    with_na = DataValidation(type="list", formula1=f'"{choices},NA"', allow_blank=True,
                             error=f"Choose {low} to {high}, or NA.", errorTitle="Rating")
    for dv in (strict, with_na):
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
    ratings = {r.item_number: r for r in rater.ratings}
    for offset, item in enumerate(scale.items_for(assessment.format), start=1):
        row = FIRST_ROW + offset
        current = ratings.get(item.number)
        choice = None
        if current is not None:
            choice = "NA" if current.not_applicable else current.value
        values = [item.number, item.name, item.definition, _anchor_text(scale, item), choice,
                  current.note if current else None]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=safe_cell(value))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if col in (RATING_COL, NOTE_COL):
                cell.protection = Protection(locked=False)
        (with_na if item.allows_na else strict).add(f"E{row}")
    for col, width in zip("ABCDEF", (6, 30, 50, 60, 10, 50)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{FIRST_ROW + 1}"
    ws.protection.sheet = True  # guards the item texts against slips; the upload checks them anyway
    ws.protection.formatColumns = ws.protection.formatRows = False
    about = wb.create_sheet(ABOUT)
    for key, value in (("kind", KIND), ("assessment_id", assessment.id), ("rater_id", rater.id),
                       ("rater", rater.user.email), ("scale_key", scale.key), ("scale_version", scale.version),
                       ("format", assessment.format)):
        about.append([key, safe_cell(value)])
    about.sheet_state = "hidden"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def import_workbook(assessment, data: bytes, user) -> int:
    """Check an uploaded workbook and enter it as its rater's ratings; returns how many items were rated."""
    readable = small_workbook_bytes(data)  # raises UnsafeWorkbook before openpyxl sees the bytes
    try:
        from openpyxl import load_workbook
        wb = load_workbook(io.BytesIO(readable), data_only=True)
    except Exception as e:  # openpyxl raises many kinds for damaged files
        raise FidelityError("Nothing was entered.", [f"The workbook cannot be read ({type(e).__name__})."])
    rater = _check_about(wb, assessment, user)
    entries = _read_ratings(wb, assessment)
    save_ratings(assessment, rater, entries)
    return sum(1 for value, na, _ in entries.values() if value is not None or na)


def _check_about(wb, assessment, user):
    if ABOUT not in wb.sheetnames or SHEET not in wb.sheetnames:
        raise FidelityError("Nothing was entered.", ["This is not a scoring workbook from this service. "
                                                     "Download the workbook of this visit and fill that in."])
    about = {row[0]: row[1] for row in wb[ABOUT].iter_rows(values_only=True) if row and row[0]}
    if about.get("kind") != KIND:
        raise FidelityError("Nothing was entered.", ["This is not a scoring workbook from this service."])
    if str(about.get("assessment_id")) != str(assessment.id):
        raise FidelityError("Nothing was entered.", [
            f"This workbook belongs to another visit (#{about.get('assessment_id')}), not to this one "
            f"(#{assessment.id}, {assessment.unit_name}, {assessment.visit_date})."])
    if about.get("scale_version") != assessment.scale_version or about.get("format") != assessment.format:
        raise FidelityError("Nothing was entered.", ["The workbook was made for another scale version or format."])
    rater = next((r for r in assessment.raters if str(r.id) == str(about.get("rater_id"))), None)
    if rater is None:
        raise FidelityError("Nothing was entered.", ["The workbook's rater no longer rates this visit."])
    if rater.user_id != user.id and not user.can("fidelity.act_for_raters"):
        raise FidelityError("Nothing was entered.", [
            f"This workbook holds the ratings of {rater.user.email}; only they (or an admin) can upload it."])
    return rater


def _read_ratings(wb, assessment):
    scale = scale_of(assessment)
    ws = wb[SHEET]
    items = scale.items_for(assessment.format)
    problems, entries = [], {}
    header = [ws.cell(row=FIRST_ROW, column=c).value for c in range(1, len(HEADER) + 1)]
    if header != HEADER:
        problems.append(f"Sheet {SHEET}, row {FIRST_ROW}: the column headings were changed.")
    for offset, item in enumerate(items, start=1):
        row = FIRST_ROW + offset
        number, name, definition = (ws.cell(row=row, column=c).value for c in (1, 2, 3))
        if number != item.number or name != safe_cell(item.name) or definition != safe_cell(item.definition):
            problems.append(f"Sheet {SHEET}, row {row}: the number or text of item {item.number} ({item.name}) "
                            "was changed; item texts must stay as downloaded.")
            continue
        raw = ws.cell(row=row, column=RATING_COL).value
        note = ws.cell(row=row, column=NOTE_COL).value
        where = f"Sheet {SHEET}, row {row}, column {column_letters(RATING_COL)} (item {item.number}, {item.name})"
        if shown := error_shown(note):  # never entered as the note's text
            problems.append(f"Sheet {SHEET}, {error_cell_problem(NOTE_COL, row, shown, 'the note')}.")
            continue
        try:
            value, not_applicable = parse_choice(raw)
        except ValueError as e:
            problems.append(f"{where}: {e}.")
            continue
        message = check_rating(item, value, not_applicable, scale.rating_range)
        if message:
            problems.append(f"{where}: {message.split(': ', 1)[1]}")
            continue
        entries[item.number] = (value, not_applicable, "" if note is None else str(note).removeprefix("'"))
    extra_row = FIRST_ROW + len(items) + 1
    if any(ws.cell(row=extra_row, column=c).value not in (None, "") for c in range(1, 4)):
        problems.append(f"Sheet {SHEET}, row {extra_row}: a row was added below the last item.")
    if problems:
        raise FidelityError("Nothing was entered.", problems)
    return entries
