"""A copy of an upload with its main parts where the readers look for them by name, and styles openpyxl can load.

The package's relationships say where a workbook's parts are (spreadsheets/workbook_part.py). Excel writes
xl/workbook.xml, xl/styles.xml and xl/sharedStrings.xml; some generators write other names. python-calamine looks
for those three by name (a workbook part elsewhere: "cannot detect file format"; shared strings elsewhere: every
text cell fails; styles elsewhere: dates come as day numbers), and openpyxl for the styles (it fails). openpyxl
also fails on a number format id that is no whole number (numFmtId=""), which calamine reads as General.
So such an upload is read from a copy with those parts renamed, every relationship pointing at the new names,
and the odd ids made General (a format whose id no cell can name is dropped); nearly every upload needs none.
"""
import io
import os
import re
import shutil
import tempfile
import zipfile
from xml.sax.saxutils import quoteattr

from spreadsheets.extent import BROKEN
from spreadsheets.guard import SMALL_WORKBOOK, check_workbook
from spreadsheets.number_formats import format_id, scientific_styles
from spreadsheets.unpack import DamagedPart
from spreadsheets.workbook_part import (MAIN, SHARED_STRINGS, STYLES, part_names, read_workbook_part, reader_key,
                                        relationships, rels_member)
from spreadsheets.xml_tags import NS

_VALUE = rb"""["']([^"']*)["']"""  # a quoted value
_FORMAT = re.compile(rb"<" + NS + rb"numFmt\b[^>]*\bnumFmtId\s*=\s*" + _VALUE + rb"[^>]*>")
_STYLE_ID = re.compile(rb"(<" + NS + rb"xf\b[^>]*\bnumFmtId\s*=\s*)" + _VALUE)
_PART_NAME = re.compile(rb'PartName\s*=\s*"([^"]*)"')


def renamed_parts(part) -> dict:
    """{zip member: the name readers look for} of the main parts of a WorkbookPart that lie elsewhere."""
    wanted = {part.member: MAIN, part.styles: STYLES, part.shared_strings: SHARED_STRINGS}
    return {member: name for member, name in wanted.items() if member and member != name}


def _odd_styles(styles: bytes) -> bytes | None:
    """The styles with every number format id that is no whole number made General; None when there is none."""
    formats = _FORMAT.sub(lambda tag: tag[0] if format_id(tag[1]) is not None else b"", styles)
    fixed = _STYLE_ID.sub(lambda xf: xf[0] if format_id(xf[2]) is not None else xf[1] + b'"0"', formats)
    return fixed if fixed != styles else None


def small_workbook_bytes(data: bytes) -> bytes:
    """What openpyxl reads whole of a small upload (a scale, a scoring workbook): UnsafeWorkbook unless it passes the
    guard within SMALL_WORKBOOK's limits, then its copy, or `data` when it needs none or cannot be copied (then the
    reader says what is wrong)."""
    check_workbook(data, **SMALL_WORKBOOK)
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            part = read_workbook_part(archive)
            needed = _needed(archive, part)
            if needed is None:
                return data
            _write_copy(archive, part, *needed, out)
        return out.getvalue()
    except (*BROKEN, KeyError, DamagedPart):
        return data


def canonical_path(path):
    """(copy, part): the path of a temporary copy of the upload at `path`, which the caller removes, or None when it
    needs none or cannot be copied (then the reader or the scan says what is wrong); the WorkbookPart of the file
    the reader reads, the copy or the upload (None when it cannot be read: the scan says why). Call it after the
    guard. The upload's own part is read once, and no temporary file is made unless a copy is needed."""
    part = None
    try:
        with zipfile.ZipFile(path) as archive:
            part = read_workbook_part(archive)
            needed = _needed(archive, part)
            return _temporary_copy(archive, part, needed) if needed else (None, part)
    except (*BROKEN, KeyError, DamagedPart):
        return None, part


def _temporary_copy(archive, part, needed):
    """(path, WorkbookPart) of a temporary copy of the open upload; nothing is left behind on any error."""
    handle, path = tempfile.mkstemp(prefix="imr-canonical-", suffix=".xlsx")
    os.close(handle)
    try:
        _write_copy(archive, part, *needed, path)
        with zipfile.ZipFile(path) as written:
            copied = read_workbook_part(written)  # its parts renamed: read as the reader will read them
        copied.scientific_styles = part.scientific_styles  # the same: an odd id made General was none of them
        return path, copied
    except BaseException:
        os.unlink(path)
        raise


def _needed(archive, part):
    """(renamed parts, fixed styles or None) when the upload needs a copy; None when it needs none. The styles are
    read once an upload: the scan's scientific styles come from the same bytes (spreadsheets/extent.py)."""
    renamed = renamed_parts(part)
    styles = archive.read(part.styles) if part.styles else b""
    part.scientific_styles = scientific_styles(styles)
    fixed = _odd_styles(styles)
    return (renamed, fixed) if renamed or fixed is not None else None


def _write_copy(archive, part, renamed, styles, target):
    """Write the copy of the open workbook `archive` to `target` (a path or a binary file). Parts are found and
    dropped by their names as calamine compares them (reader_key): a stale xl/WORKBOOK.XML left beside the renamed
    xl/workbook.xml would be the one calamine reads."""
    members, renamed = part_names(archive), dict(renamed)
    rels = members.get(reader_key(rels_member(part.member)), rels_member(part.member))
    replaced = {members.get(reader_key("_rels/.rels"), "_rels/.rels"): _package_relationships(),
                "[Content_Types].xml": _content_types(archive, renamed)}
    if renamed:
        replaced[rels] = _workbook_relationships(archive, part.member, renamed)
        renamed[rels] = rels_member(MAIN)
    if styles is not None:
        replaced[part.styles] = styles
    dropped = {reader_key(name) for name in renamed.values()}  # a stale part by a name a renamed one takes
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            if info.filename not in renamed and reader_key(info.filename) in dropped:
                continue
            name = renamed.get(info.filename, info.filename)
            if info.filename in replaced:
                out.writestr(name, replaced[info.filename])
                continue
            with archive.open(info) as read, out.open(name, "w") as write:
                shutil.copyfileobj(read, write, 1 << 20)


def _package_relationships():
    """_rels/.rels naming the workbook part by its usual name (nothing else in it is read)."""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>')


def _workbook_relationships(archive, member, renamed):
    """The workbook's relationships with every target absolute and renamed (its own folder may have changed); each
    value written as an XML attribute (quoteattr): an Id may decode to & or <, a Target in single quotes may hold ".
    (A Target holding `&` never gets here: workbook_part refuses it, calamine would read it as another part.)"""
    kinds = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    items = "".join(f"<Relationship Id={quoteattr(rid or '')} Type={quoteattr(kinds + kind)} "
                    f"Target={quoteattr('/' + renamed.get(target, target))}/>"
                    for rid, kind, target in relationships(archive, member))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{items}</Relationships>')


def _content_types(archive, renamed):
    """[Content_Types].xml with each renamed part's override under its new name; names are compared as bytes (an
    override may name a part in any encoding, which is no reason to stop)."""
    moved = {member.encode(): name.encode() for member, name in renamed.items()}
    types = archive.read("[Content_Types].xml")
    return _PART_NAME.sub(lambda m: b'PartName="/%s"' % moved.get(m[1].lstrip(b"/"), m[1].lstrip(b"/")), types)
