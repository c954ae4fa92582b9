"""Workbooks as programs other than Excel write them, made from a workbook excel() (xlsxwriter) wrote (never checked
in).

Each function takes the bytes of an .xlsx and returns the bytes of the same data as another program saves it:
LibreOffice's inline strings, Google Sheets' bare parts, Excel's Strict Open XML namespaces...
"""
import io
import re
from datetime import date, datetime, timedelta

import xlsxwriter

from tests.imports.workbooks import pack, parts

MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_RELS = b"http://purl.oclc.org/ooxml/officeDocument/relationships"


def excel(sheets, hidden=(), text_columns=(), table=None):
    """Bytes of a workbook as Excel saves it (shared strings, dates as day numbers in the built-in short date
    format 14) from {sheet name: [rows]}; sheets named in `hidden` are hidden; `text_columns` (0-based) are
    formatted as text (@); with `table`, the 0-based header row of an Excel table (ListObject, with its AutoFilter)
    holding each sheet's rows from it on, panes frozen below it."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    short_date, text = book.add_format({"num_format": 14}), book.add_format({"num_format": "@"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        if name not in hidden and not any(ws.selected for ws in book.worksheets()[:-1] if ws.name not in hidden):
            sheet.activate()  # xlsxwriter hides no sheet Excel would open on
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                style = text if c in text_columns else None
                if isinstance(value, date):
                    sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), short_date)
                elif value is not None:
                    sheet.write(r, c, value, style)
        if table is not None:
            _table(sheet, rows, table)
        if name in hidden:
            sheet.hide()
    book.close()
    return out.getvalue()


def _table(sheet, rows, header_at):
    width = len(rows[header_at])
    headers = [h.isoformat() if isinstance(h, date) else str(h) for h in rows[header_at]]  # a table's are texts
    sheet.add_table(header_at, 0, len(rows) - 1, width - 1, {"columns": [{"header": h} for h in headers]})
    sheet.freeze_panes(header_at + 1, 1)


def shared_strings(members):
    """The workbook's shared strings as a list of XML-escaped texts."""
    xml = members.get("xl/sharedStrings.xml", b"")
    return [b"".join(re.findall(rb"<t[^>]*>([^<]*)</t>", si)) for si in re.findall(rb"<si>(.*?)</si>", xml, re.S)]


def worksheets(members):
    return [name for name in members if name.startswith("xl/worksheets/sheet")]


def inline_strings(data, formulas=False):
    """LibreOffice Calc's way: each text in its cell (t="inlineStr"), no sharedStrings part; with `formulas`, texts
    as a formula's saved result (t="str"), as Calc writes =TRIM(...) and the like."""
    members = parts(data)
    texts = shared_strings(members)

    def cell(match):
        attributes, index = match.group(1), int(match.group(2))
        attributes = attributes.replace(b' t="s"', b"")
        if formulas:
            return b'<c%s t="str"><f>TRIM("%s")</f><v>%s</v></c>' % (attributes, texts[index], texts[index])
        return b'<c%s t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % (attributes, texts[index])

    for name in worksheets(members):
        members[name] = re.sub(rb'<c([^>]*? t="s"[^>]*)><v>(\d+)</v></c>', cell, members[name])
    members.pop("xl/sharedStrings.xml", None)
    members["[Content_Types].xml"] = re.sub(rb'<Override PartName="/xl/sharedStrings.xml"[^>]*/>', b"",
                                            members["[Content_Types].xml"])
    members["xl/_rels/workbook.xml.rels"] = re.sub(rb'<Relationship[^>]*sharedStrings[^>]*/>', b"",
                                                   members["xl/_rels/workbook.xml.rels"])
    return pack(members)


def date_formats(data, code=b"MM/DD/YY"):
    """Every date cell's number format as LibreOffice (MM/DD/YY, upper case) or Google (m/d/yyyy) writes it."""
    members = parts(data)
    styles = members["xl/styles.xml"]
    styles = re.sub(rb'<numFmt numFmtId="(\d+)" formatCode="[^"]*"/>',
                    lambda m: b'<numFmt numFmtId="%s" formatCode="%s"/>' % (m.group(1), code), styles)
    # excel()'s dates use the built-in format 14 (m/d/yy); point them at a custom one
    styles = styles.replace(b'numFmtId="14"', b'numFmtId="164"')
    if b"<numFmts" not in styles:
        styles = styles.replace(b"<fonts", b'<numFmts count="1"><numFmt numFmtId="164" formatCode="%s"/></numFmts>'
                                           b"<fonts" % code, 1)
    members["xl/styles.xml"] = styles
    return pack(members)


def without_dimension(data):
    """Google Sheets' way: no <dimension> element in any sheet."""
    members = parts(data)
    for name in worksheets(members):
        members[name] = re.sub(rb"<dimension[^>]*/>", b"", members[name])
    return pack(members)


def strict(data, iso_dates=False):
    """Excel's "Strict Open XML Spreadsheet": the same parts under http://purl.oclc.org/ooxml/... namespaces; with
    `iso_dates`, dates as ISO 8601 texts (t="d"), as Strict allows."""
    members = parts(data)
    for name, content in members.items():
        if name.endswith((".xml", ".rels")):
            members[name] = content.replace(MAIN, STRICT_MAIN).replace(RELS, STRICT_RELS)
    members["xl/workbook.xml"] = members["xl/workbook.xml"].replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
    if iso_dates:
        members = _iso_dates(members)
    return pack(members)


def _iso_dates(members):
    styles = members["xl/styles.xml"]
    xfs = re.search(rb"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)
    dated = {i for i, xf in enumerate(re.findall(rb"<xf [^>]*>", xfs))
             if re.search(rb'numFmtId="(14|15|16|17|22|16[4-9])"', xf)}
    epoch = date(1899, 12, 30)

    def cell(match):
        attributes, value = match.group(1), match.group(2)
        style = re.search(rb's="(\d+)"', attributes)
        if style is None or int(style.group(1)) not in dated or b"t=" in attributes:
            return match.group(0)
        day = epoch + timedelta(days=float(value))
        return b'<c%s t="d"><v>%sT00:00:00</v></c>' % (attributes, day.isoformat().encode())

    for name in worksheets(members):
        members[name] = re.sub(rb"<c([^>]*)><v>([\d.]+)</v></c>", cell, members[name])
    return members


def prefixed(data, prefix=b"x"):
    """The spreadsheet parts with every tag under a namespace prefix (<x:c>, <x:v>), as programs built on other XML
    tools write them; the reader takes them as the same tags."""
    members = parts(data)
    for name in [*worksheets(members), "xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml"]:
        if name not in members:
            continue
        xml = members[name]
        for uri in (MAIN, STRICT_MAIN):
            xml = xml.replace(b'xmlns="%s"' % uri, b'xmlns:%s="%s"' % (prefix, uri))
        members[name] = re.sub(rb"<(/?)([A-Za-z]+[\s>/])", lambda m: b"<%s%s:%s" % (m.group(1), prefix, m.group(2)),
                               xml)
    return pack(members)


def without_styles(data):
    """A workbook with no styles part (some generators write none): every cell in the General format."""
    members = parts(data)
    members.pop("xl/styles.xml")
    members["[Content_Types].xml"] = re.sub(rb'<Override PartName="/xl/styles.xml"[^>]*/>', b"",
                                            members["[Content_Types].xml"])
    members["xl/_rels/workbook.xml.rels"] = re.sub(rb"<Relationship[^>]*styles[^>]*/>", b"",
                                                   members["xl/_rels/workbook.xml.rels"])
    for name in worksheets(members):
        members[name] = re.sub(rb' s="\d+"', b"", members[name])
    return pack(members)


def macro_enabled(data):
    """The workbook as an .xlsm (Excel's macro-enabled workbook) declares itself."""
    members = parts(data)
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
    return pack(members)


def numbers_export(sheet_rows):
    """Apple Numbers' File > Export To > Excel: an 'Export Summary' sheet first, then 'Sheet 1 - Table 1' with the
    table's name in the row above its header."""
    return excel({"Export Summary": [["Sheet Name", "Table Name"], ["Sheet 1", "Table 1"]],
                  "Sheet 1 - Table 1": [["Table 1"], *sheet_rows]})


def ods(rows):
    """An OpenDocument spreadsheet (.ods), as LibreOffice saves by default."""
    cells = b"".join(b"<table:table-row>" + b"".join(b'<table:table-cell office:value-type="string"><text:p>%s'
                                                     b"</text:p></table:table-cell>" % str(v).encode() for v in row)
                     + b"</table:table-row>" for row in rows)
    content = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               b'<table:table table:name="Sheet1">' + cells + b"</table:table></office:spreadsheet></office:body>"
               b"</office:document-content>")
    return pack({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": content})


def numbers_file():
    """An Apple Numbers document itself (.numbers: a zip of .iwa parts), not exported."""
    return pack({"Index/Document.iwa": b"\x00", "Metadata/Properties.plist": b"<plist/>"})


def styles_elsewhere(data, name=b"styles1.xml"):
    """The styles part under another name (xl/styles1.xml), as some generators write it, found by the workbook's
    relationships."""
    members = parts(data)
    members["xl/" + name.decode()] = members.pop("xl/styles.xml")
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b'Target="styles.xml"', b'Target="%s"' % name)
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(b"/xl/styles.xml", b"/xl/" + name)
    return pack(members)


def strings_elsewhere(data):
    """The shared strings as xl/strings/shared.xml, found by the workbook's relationships (a workbook of inline
    strings as it is)."""
    members = parts(data)
    if "xl/sharedStrings.xml" not in members:
        return data
    members["xl/strings/shared.xml"] = members.pop("xl/sharedStrings.xml")
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b'Target="sharedStrings.xml"', b'Target="strings/shared.xml"')
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(b"/xl/sharedStrings.xml",
                                                                            b"/xl/strings/shared.xml")
    return pack(members)


def workbook_elsewhere(data):
    """The workbook part as xl/book.xml (its relationships beside it), found by the package's relationships."""
    members = parts(data)
    members["xl/book.xml"] = members.pop("xl/workbook.xml")
    members["xl/_rels/book.xml.rels"] = members.pop("xl/_rels/workbook.xml.rels")
    members["_rels/.rels"] = members["_rels/.rels"].replace(b"xl/workbook.xml", b"xl/book.xml")
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(b"/xl/workbook.xml", b"/xl/book.xml")
    return pack(members)


def sheet_elsewhere(data, name="xl/sheets/data.xml", decoy=None):
    """The first worksheet as `name`, found by the workbook's relationships; `decoy`: bytes of another worksheet left
    where Excel puts the first (xl/worksheets/sheet1.xml), named by no relationship, so a reader that looks by name
    reads the wrong rows."""
    members = parts(data)
    members[name] = members.pop("xl/worksheets/sheet1.xml")
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b'Target="worksheets/sheet1.xml"', b'Target="/%s"' % name.encode())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(b"/xl/worksheets/sheet1.xml",
                                                                            b"/" + name.encode())
    if decoy is not None:
        members["xl/worksheets/sheet1.xml"] = decoy
    return pack(members)


def custom_xml(data):
    """Excel's way with a workbook kept in SharePoint: its document properties as custom XML parts outside xl/,
    which the workbook's relationships name with Target="../customXml/item1.xml" (no reader of ours reads them)."""
    members = parts(data)
    members["customXml/item1.xml"] = (b'<?xml version="1.0" encoding="UTF-8"?><ct:contentTypeSchema xmlns:ct="http://'
                                      b'schemas.microsoft.com/office/2006/metadata/contentType"/>')
    members["customXml/itemProps1.xml"] = (b'<?xml version="1.0" encoding="UTF-8"?><ds:datastoreItem ds:itemID="{6A'
                                           b'1E2C1B-0000-4000-8000-000000000001}" xmlns:ds="http://schemas.openxml'
                                           b'formats.org/officeDocument/2006/customXml"/>')
    members["customXml/_rels/item1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="%s/customXmlProps" Target="itemProps1.xml"/></Relationships>'
        % RELS)
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdCustom1" Type="%s/customXml" Target="../customXml/item1.xml"/>'
                             b"</Relationships>" % RELS)
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/customXml/itemProps1.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.customXmlProperties+xml"/></Types>')
    return pack(members)
