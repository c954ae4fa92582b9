"""Hostile and sloppy workbooks written by code (raw zip and XML), never checked in.

Each is a few kilobytes: what makes them hostile is where their cells claim to be, how much they unpack
to, or what their XML declares.
"""
import io
import posixpath
import zipfile

from tests.imports import other_programs as op, workbooks as wbk

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
HEADER = ("Client code", "Team", "Referral date", "Start date", "End date", "End reason", "Format")


def workbook(sheets, dimension=None, compression=zipfile.ZIP_DEFLATED):
    """An .xlsx from {sheet name: sheetData inner XML}; text cells are inline strings, no styles needed."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SML}.worksheet+xml"/>'
                            for i in range(1, len(sheets) + 1))
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
                   '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{SML}.sheet.'
                   f'main+xml"/>{overrides}</Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/'
                   'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        listed = "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(sheets, 1))
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} xmlns:r="{REL}">'
                   f"<sheets>{listed}</sheets></workbook>")
        rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, len(sheets) + 1))
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns='
                   f'"http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for i, data in enumerate(sheets.values(), 1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w") as part:
                part.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>'.encode())
                if dimension:
                    part.write(f'<dimension ref="{dimension}"/>'.encode())
                part.write(b"<sheetData>")
                for piece in ([data] if isinstance(data, str) else data):
                    part.write(piece.encode())
                part.write(b"</sheetData></worksheet>")
    return out.getvalue()


def cell(ref, value):
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def header_row():
    return '<row r="1">' + "".join(cell(f"{chr(65 + j)}1", h) for j, h in enumerate(HEADER)) + "</row>"


def roster_with(extra, rows=('<row r="2">' + cell("A2", "C001") + cell("B2", "Alpha group") + "</row>",)):
    """A small, valid roster sheet plus `extra` XML after its rows (the hostile part)."""
    return workbook({"Roster": header_row() + "".join(rows) + extra})


def dimension_bomb():
    """One value at XFD1048576 (the last cell Excel has): 17 billion cells for a dense reader."""
    return roster_with('<row r="1048576">' + cell("XFD1048576", 1) + "</row>")


def far_cell():
    """One value at Z1048576: 27 million cells, about 0.9 GiB for a dense reader."""
    return roster_with('<row r="1048576">' + cell("Z1048576", 1) + "</row>")


def million_rows(columns=26):
    """A sheet written row by row down to row 1,048,576 (sparsely: one value a row, in the last column)."""
    last = chr(64 + columns)
    rows = ('<row r="%d"><c r="%s%d"><v>1</v></c></row>' % (r, last, r) for r in range(2, 1_048_577))
    return workbook({"Roster": _joined(header_row(), rows)})


def lying_dimension():
    """A <dimension> claiming A1:B2 over a cell at Z1048576."""
    return workbook({"Roster": header_row() + '<row r="1048576">' + cell("Z1048576", 1) + "</row>"},
                    dimension="A1:B2")


def contradicting_reference():
    """A cell whose r (Z1048576) contradicts its row (2): the cell's own reference decides."""
    return roster_with('<row r="3">' + cell("Z1048576", 1) + "</row>")


def implicit_far_cell():
    """No r on the last rows and cells: the reader counts them, down to row 1,048,576, across to column Z."""
    return roster_with('<row r="1048575"/><row>' + '<c><v>1</v></c>' * 26 + "</row>")


def wide_sheet(columns=201):
    """A header row reaching `columns` columns (one value in the last)."""
    from spreadsheets.xml_tags import column_letters
    return roster_with('<row r="3">' + cell(f"{column_letters(columns)}3", 1) + "</row>")


def zip_bomb():
    return wbk.zip_bomb()


def entity_bomb():
    return wbk.entity_bomb(wbk.roster([["C001", "Alpha group", None, None, None, None, None]]))


def huge_shared_strings(data, megabytes=24):
    """The workbook with about `megabytes` MB of distinct texts (random, so they hardly compress) in its shared
    strings part, used by no cell: a part a reader loads whole before any sheet."""
    import os
    members = wbk.parts(data)
    texts = b"".join(b"<si><t>%s</t></si>" % os.urandom(48).hex().encode() for _ in range(megabytes * 9_000))
    if "xl/sharedStrings.xml" not in members:
        members["xl/sharedStrings.xml"] = b'<?xml version="1.0" encoding="UTF-8"?><sst %s></sst>' % NS.encode()
        members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Id="rIdStrings" Type="%s/sharedStrings" Target="sharedStrings.xml"/>'
                                 b"</Relationships>" % REL.encode())
        members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s.sharedStrings+xml"/></Types>'
                         % SML.encode())
    members["xl/sharedStrings.xml"] = members["xl/sharedStrings.xml"].replace(b"</sst>", texts + b"</sst>")
    return wbk.pack(members)


def sheet_named_with_ampersand(data):
    """The workbook's first sheet as xl/sheets/a&b.xml (a legal part name, a&amp;b.xml in the relationships' XML), where
    only the relationships find it: nothing lists it under xl/worksheets/."""
    members = wbk.parts(data)
    members["xl/sheets/a&b.xml"] = members.pop("xl/worksheets/sheet1.xml")
    for name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
        members[name] = members[name].replace(b"worksheets/sheet1.xml", b"sheets/a&amp;b.xml")
    return wbk.pack(members)


def target_read_two_ways(small, large, written=b"a&amp;b.xml", decoded="a&b.xml"):
    """`small`'s first sheet at xl/sheets/<decoded> (the part an XML parser takes the Target to name) and `large`'s at
    xl/sheets/<written> (the part calamine, which takes the Target as written, reads); the relationships say
    Target="sheets/<written>"."""
    members = wbk.parts(small)
    members["xl/sheets/" + decoded] = members.pop("xl/worksheets/sheet1.xml")
    members["xl/sheets/" + written.decode()] = wbk.parts(large)["xl/worksheets/sheet1.xml"]
    for name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
        members[name] = members[name].replace(b"worksheets/sheet1.xml", b"sheets/" + written)
    return wbk.pack(members)


def sheet_behind_external_target(data):
    """The workbook's first sheet at xl/worksheets/big (no .xml), its relationship marked TargetMode="External":
    calamine takes no notice of the mode and reads the sheet by its folder."""
    members = wbk.parts(data)
    members["xl/worksheets/big"] = members.pop("xl/worksheets/sheet1.xml")
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b'Target="/xl/worksheets/sheet1.xml"', b'Target="worksheets/big" TargetMode="External"')
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(b"worksheets/sheet1.xml", b"worksheets/big")
    return wbk.pack(members)


def sheet_read_as_written(small, large, target="worksheets/./big", kind="worksheet"):
    """`small`'s first sheet where a path's normalization takes the workbook's Target=`target` (from xl/) to lead, and
    `large`'s where calamine, which takes a Target as written, reads it (one part when the two are the same name);
    the relationship of type `kind`."""
    written = target[1:] if target.startswith("/") else "xl/" + target
    members = wbk.parts(small)
    members[posixpath.normpath(written).lstrip("/")] = members.pop("xl/worksheets/sheet1.xml")
    members[written] = wbk.parts(large)["xl/worksheets/sheet1.xml"]
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b'worksheet" Target="/xl/worksheets/sheet1.xml"', b'%s" Target="%s"' % (kind.encode(), target.encode()))
    return wbk.pack(members)


def workbook_read_as_written(small, large, target="xl/./workbook.xml", second=False):
    """`small` as it is, and `large`'s workbook part, its relationships and its sheet under the folder calamine takes
    the package's Target=`target` to name as written (xl/./); with `second`, the Target is a second officeDocument
    relationship, after the first's xl/workbook.xml."""
    members, other = wbk.parts(small), wbk.parts(large)
    folder = posixpath.dirname(target.removeprefix("/")) + "/"
    members[folder + "workbook.xml"] = other["xl/workbook.xml"]
    members[folder + "_rels/workbook.xml.rels"] = other["xl/_rels/workbook.xml.rels"].replace(
        b"/xl/worksheets/", b"worksheets/")
    members[folder + "worksheets/sheet1.xml"] = other["xl/worksheets/sheet1.xml"]
    if second:
        members["_rels/.rels"] = members["_rels/.rels"].replace(b"</Relationships>", b'<Relationship Type="%s/office'
                                                                b'Document" Target="%s" Id="rId9"/></Relationships>'
                                                                % (REL.encode(), target.encode()))
    else:
        members["_rels/.rels"] = members["_rels/.rels"].replace(b'"xl/workbook.xml"', b'"%s"' % target.encode())
    return wbk.pack(members)


def part_alike(small, large, name="xl/worksheets/SHEET1.xml"):
    """`small` with `large`'s first sheet added as `name`, a member calamine finds by the name of `small`'s sheet
    (xl/worksheets/sheet1.xml) as well: it compares names with ASCII letters in either case and \\ as /, and reads
    the last of the two."""
    members = wbk.parts(small)
    members[name] = wbk.parts(large)["xl/worksheets/sheet1.xml"]
    return wbk.pack(members)


def stale_workbook_part(small, large):
    """`small` with its workbook part at xl/book.xml (which the package's relationships name), and `large`'s left at
    xl/WORKBOOK.XML with its relationships and its sheet (at xl/sheets/big.xml): the name calamine looks for in the
    copy with the parts renamed (spreadsheets/canonical_parts.py), as xl/workbook.xml in any case."""
    members, other = wbk.parts(op.workbook_elsewhere(small)), wbk.parts(large)
    members["xl/WORKBOOK.XML"] = other["xl/workbook.xml"]
    members["xl/_rels/WORKBOOK.XML.rels"] = other["xl/_rels/workbook.xml.rels"].replace(
        b"/xl/worksheets/sheet1.xml", b"/xl/sheets/big.xml")
    members["xl/sheets/big.xml"] = other["xl/worksheets/sheet1.xml"]
    return wbk.pack(members)


def workbook_typed_elsewhere(small, large):
    """`small`, with `large`'s workbook part, its relationships and its sheet as xl/other.xml, xl/_rels/other.xml.rels
    and xl/sheets/big.xml, and [Content_Types].xml giving xl/other.xml the workbook's content type instead: the part
    openpyxl opens, while the package's relationships name xl/workbook.xml."""
    members, other = wbk.parts(small), wbk.parts(large)
    members["xl/other.xml"] = other["xl/workbook.xml"]
    members["xl/_rels/other.xml.rels"] = other["xl/_rels/workbook.xml.rels"].replace(
        b"/xl/worksheets/sheet1.xml", b"/xl/sheets/big.xml")
    members["xl/sheets/big.xml"] = other["xl/worksheets/sheet1.xml"]
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(b'PartName="/xl/workbook.xml"',
                                                                            b'PartName="/xl/other.xml"')
    return wbk.pack(members)


def relationship_target(data, old, new):
    """The workbook with the Target `old` of a relationship of its workbook part made `new`."""
    return wbk.replace_part(data, "xl/_rels/workbook.xml.rels", lambda xml: xml.replace(
        b'Target="%s"' % old.encode(), b'Target="%s"' % new.encode()))


def undecodable_part_name(data):
    """The workbook with an override in [Content_Types].xml for a part whose name is no UTF-8 (a byte 0xFF)."""
    return wbk.replace_part(data, "[Content_Types].xml", lambda xml: xml.replace(
        b"</Types>", b'<Override PartName="/xl/\xff.xml" ContentType="application/xml"/></Types>'))


def broken_deflate(data, name="xl/worksheets/sheet1.xml"):
    """The workbook with part `name`'s compressed bytes overwritten (the zip's sizes kept): zlib stops on them ("invalid
    block type"), as on a workbook damaged in an email or on a USB stick."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    damaged = bytearray(data)
    start = info.header_offset + 30 + int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little") \
        + int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    damaged[start:start + info.compress_size] = b"\xff" * info.compress_size
    return bytes(damaged)


def needs_zip_version(data, version=0x77):
    """The workbook with its first part's "version needed to extract" in the zip's central directory set to `version`
    (11.9: none that Python's zipfile reads), as a byte flipped in transit leaves it."""
    at = data.index(b"PK\x01\x02")
    return data[:at + 6] + version.to_bytes(2, "little") + data[at + 8:]


def misplaced_central_directory(data, by=1_000_000):
    """The workbook with the end record's offset of the central directory `by` bytes too large: zipfile places every
    part before the file's start (a negative seek: OSError on a file, ValueError on bytes)."""
    at = data.rindex(b"PK\x05\x06")
    offset = int.from_bytes(data[at + 16:at + 20], "little")
    return data[:at + 16] + (offset + by).to_bytes(4, "little") + data[at + 20:]


def _joined(head, rows, batch=20_000):
    """Yield the XML in pieces, so the generator never holds a million rows at once."""
    yield head
    buffer = []
    for row in rows:
        buffer.append(row)
        if len(buffer) >= batch:
            yield "".join(buffer)
            buffer.clear()
    yield "".join(buffer)


HOSTILE = {  # name: (generator, words the refusal must contain)
    "dimension bomb": (dimension_bomb, ["Roster", "XFD1048576", "16,384 columns", "200 columns"]),
    "far cell": (far_cell, ["Roster", "Z1048576", "27,262,976 cells", "15,000,000"]),
    "million rows": (million_rows, ["Roster", "Z1048576", "1,048,576 rows", "15,000,000"]),
    "lying dimension": (lying_dimension, ["Roster", "Z1048576", "15,000,000"]),
    "contradicting reference": (contradicting_reference, ["Roster", "Z1048576", "15,000,000"]),
    "implicit far cell": (implicit_far_cell, ["Roster", "Z1048576", "15,000,000"]),
    "wide sheet": (wide_sheet, ["Roster", "GS3", "201 columns", "200 columns"]),
    "zip bomb": (zip_bomb, ["zip bomb"]),
    "entity bomb": (entity_bomb, ["entity declarations"]),
}
