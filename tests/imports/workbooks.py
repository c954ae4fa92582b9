"""Real .xlsx files for import tests, written with openpyxl (and a few hand-made hostile ones)."""
import io
import re
import zipfile
from datetime import date

import xlsxwriter
from openpyxl import Workbook, load_workbook

ROSTER_HEADER = ["Client code", "Team", "Referral date", "Start date", "End date", "End reason", "Format"]
SESSIONS_HEADER = ["Team", "Session date", "Module", "Client code", "Attended", "Minutes", "Topic", "Facilitator"]


def xlsx(sheets, text_columns=()):
    """Bytes of a workbook from {sheet name: [rows]} (the first sheet first); `text_columns` get the @ format."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        for letter in text_columns:
            for cell in ws[letter]:
                cell.number_format = "@"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def saved(book):
    """Bytes of an openpyxl Workbook built by a test (merged cells, hidden rows... as Excel saves them)."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def roster(rows, header=ROSTER_HEADER, sheet="Roster"):
    return xlsx({sheet: [header, *rows]}, text_columns="A")


def sessions(rows, header=SESSIONS_HEADER, sheet="Sessions"):
    return xlsx({sheet: [header, *rows]})


def grid(team, dates, modules, rows, sheet="Grid", program=None):
    """An attendance grid: Team label, optional Program, Module row, Client code header with dates across."""
    lines = [["Team", team]]
    if program:
        lines.append(["Program", program])
    lines += [["Module", *modules], ["Client code", *dates], *rows]
    return xlsx({sheet: lines})


def read_back(data):
    """{sheet name: [[values]]} of a workbook, through openpyxl."""
    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def parts(data):
    """{name: bytes} of a workbook's (or any zip's) parts, in zip order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pack(members):
    """The bytes of a zip of {name: bytes or text}."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)
    return out.getvalue()


def replace_part(data, name, transform):
    """A copy of a workbook whose part `name` is transform(old bytes)."""
    members = parts(data)
    members[name] = transform(members[name])
    return pack(members)


def with_odd_format_ids(data):
    """A copy of a workbook whose styles add a scientific format with an empty numFmtId and a cell style whose id
    is no whole number ("1.0"): the reader opens it; neither id is a scientific format."""
    def transform(xml):
        odd = b'<numFmt numFmtId="" formatCode="0.0E+00"/>'
        if b"<numFmts" in xml:
            xml = re.sub(rb"(<numFmts\b[^>]*>)", lambda m: m[1] + odd, xml, count=1)
        else:
            xml = re.sub(rb"(<styleSheet\b[^>]*>)", lambda m: m[1] + b'<numFmts count="1">' + odd + b"</numFmts>",
                         xml, count=1)
        return xml.replace(b"</cellXfs>", b'<xf numFmtId="1.0" fontId="0" fillId="0" borderId="0"/></cellXfs>')
    return replace_part(data, "xl/styles.xml", transform)


def with_cached_formula(data, cell, formula, value, sheet_part="xl/worksheets/sheet1.xml"):
    """Put a formula with a saved value (as Excel writes it) into `cell`, which must hold a number."""
    def transform(xml):
        text = xml.decode()
        start = text.index(f'<c r="{cell}"')
        end = text.index("</c>", start) + 4
        return (text[:start] + f'<c r="{cell}"><f>{formula}</f><v>{value}</v></c>' + text[end:]).encode()
    return replace_part(data, sheet_part, transform)


def with_number(data, cell, number, sheet_part="xl/worksheets/sheet1.xml"):
    """Put `number` (text as saved, e.g. "-1e15") into `cell`, which must hold a value; its style (a date format) kept."""
    def transform(xml):
        return re.sub(rb'(<c r="%s"[^>]*?)(?: t="[^"]*")?(?=[ >])([^>]*>).*?</c>' % cell.encode(),
                      lambda m: m[1] + m[2].replace(b' t="n"', b"") + b"<v>" + number.encode() + b"</v></c>", xml,
                      count=1, flags=re.S)
    return replace_part(data, sheet_part, transform)


def with_prolog(data, prolog, part="xl/workbook.xml"):
    """The workbook with `prolog` (e.g. a DOCTYPE) inserted before the root element of one XML part."""
    def transform(xml):
        if xml.startswith(b"<?xml"):
            end = xml.index(b"?>") + 2
            return xml[:end] + prolog + xml[end:]
        return prolog + xml
    return replace_part(data, part, transform)


def entity_bomb(data):
    """The workbook with a billion-laughs DOCTYPE before its workbook part."""
    return with_prolog(data, b'<!DOCTYPE workbook [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                             b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')


def zip_bomb(size=30 * 1024 * 1024):
    """A 'workbook' whose sheet is megabytes of spaces, compressing about a thousand times."""
    good = xlsx({"S": [["Client code"], ["A1"]]})
    return replace_part(good, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"<sheetData>",
                                                                                  b" " * size + b"<sheetData>"))


def encrypted(data, password="clinic-2026"):
    """The workbook as Excel's File > Protect Workbook > Encrypt with Password saves it (ECMA-376 agile)."""
    from msoffcrypto.format.ooxml import OOXMLFile
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def legacy_xls(rows=(("Client code", "Team"), ("A1", "Alpha group"))):
    """An Excel 97-2003 workbook (.xls, BIFF8 in an OLE file), as agencies with old Excel still send."""
    import xlwt
    book = xlwt.Workbook()
    sheet = book.add_sheet("Roster")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def day(n):
    """A date in early 2026, n days after 5 January (a Monday)."""
    return date.fromordinal(date(2026, 1, 5).toordinal() + n)


def xlsxwriter_sessions(minutes_formula):
    """A session log written by xlsxwriter, which saves each formula with a result of 0 and asks for a calculation on
    opening; its second row's Minutes is a formula."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Sessions")
    sheet.write_row(0, 0, SESSIONS_HEADER[:6])
    for r, code in ((1, "A000"), (2, "A001")):
        sheet.write_row(r, 0, ["Alpha group", "2026-02-02", 1, code, "Y", 45])
    sheet.write_formula(2, 5, minutes_formula)
    book.close()
    return buffer.getvalue()
