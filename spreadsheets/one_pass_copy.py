"""A copy of a workbook that python-calamine parses in one pass a sheet, not two.

Asked for a sheet, python-calamine reads the sheet's XML twice: once for its cells, and once more, to the end,
for its merged ranges (the <mergeCells> element comes after the cells). The second pass is a third of the
parse of a 500,000-row sheet. In the copy, each sheet's XML starts with an empty <mergeCells></mergeCells>,
so that pass stops at once (calamine reads the first such element only, and the cells do not mind it); the
merged ranges come from the extent scan instead, which streams every sheet anyway (spreadsheets/extent.py).

Nothing is unpacked or packed again: the few bytes go in front as a deflate block of their own (stored, so
the original deflate stream follows it on a byte boundary, unchanged), and the CRC-32 of the longer text is
combined from the two parts' (zlib's crc32_combine). Every other member is copied byte for byte.
"""
import struct
import zipfile
import zlib

PREFIX = b"<mergeCells></mergeCells>"
_LOCAL, _CENTRAL, _END = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"
_LIMIT = 0xFFFF_FFFF  # no zip64 here: a member or an archive that large is copied as it is, or not at all


def write_copy(source, target, parts) -> bool:
    """Write the copy of `source` to `target`, the worksheet `parts` (zip member names) starting with PREFIX.
    False (and nothing to use in `target`) when the archive is not the plain kind this handles: then read the
    original as it is."""
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
        if not _plain(members, parts):
            return False
        with open(source, "rb") as handle, open(target, "wb") as out:
            central = []
            for info in members:
                if not _seek_data(handle, info):
                    return False
                block, crc, size = b"", info.CRC, info.file_size
                if info.filename in parts:
                    block = b"\x00" + struct.pack("<HH", len(PREFIX), len(PREFIX) ^ 0xFFFF) + PREFIX
                    crc, size = crc32_combine(zlib.crc32(PREFIX), crc, size), size + len(PREFIX)
                name, flags = _name(info)
                fields = (20, flags, info.compress_type, *_dos_time(info.date_time), crc,
                          len(block) + info.compress_size, size, len(name))
                central.append(struct.pack("<4sHHHHHHIIIHHHHHII", _CENTRAL, 20, *fields, 0, 0, 0, 0, 0, out.tell())
                               + name)
                out.write(struct.pack("<4sHHHHHIIIHH", _LOCAL, *fields, 0) + name + block)
                if not _copy(handle, out, info.compress_size):
                    return False
            start = out.tell()
            out.write(b"".join(central))
            out.write(struct.pack("<4sHHHHIIH", _END, 0, 0, len(central), len(central), out.tell() - start, start, 0))
            return out.tell() < _LIMIT
    return False


def _plain(members, parts):
    """Whether the copy can be written: each part deflated, nothing encrypted, nothing zip64-sized."""
    names = {info.filename for info in members}
    return (parts <= names and len(names) == len(members) and len(members) < 0xFFFF
            and all(not info.flag_bits & 0x1 and info.compress_size + 64 < _LIMIT and info.file_size + 64 < _LIMIT
                    for info in members)
            and all(info.compress_type == zipfile.ZIP_DEFLATED for info in members if info.filename in parts))


def _seek_data(handle, info):
    """Go to a member's stored (compressed) bytes; False when its local header is not where the directory says."""
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != _LOCAL:
        return False
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    return True


def _copy(handle, out, length, chunk=1 << 20):
    """Copy `length` bytes in slices; False when the file ends first."""
    while length > 0:
        data = handle.read(min(chunk, length))
        if not data:
            return False
        out.write(data)
        length -= len(data)
    return True


def _name(info):
    """The member's name as bytes, and the flags to write (UTF-8 names say so; no data descriptor follows)."""
    try:
        return info.filename.encode("ascii"), 0
    except UnicodeEncodeError:
        return info.filename.encode("utf-8"), 0x800


def _dos_time(moment):
    year, month, day, hour, minute, second = moment
    return (hour << 11) | (minute << 5) | (second // 2), (max(year, 1980) - 1980) << 9 | (month << 5) | day


# --- zlib's crc32_combine: the CRC-32 of A + B from those of A and B and the length of B ----------------------
def _times(matrix, vector):
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _square(matrix):
    return [_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(first, second, second_length):
    """CRC-32 of two byte strings one after the other, from each one's CRC-32 and the second's length."""
    operator = [0xEDB88320] + [1 << n for n in range(31)]  # what one zero bit does to a CRC
    for _ in range(3):
        operator = _square(operator)  # two, four, then eight zero bits: one zero byte
    while second_length:  # put len(second) zero bytes through `first`, a power of two at a time
        if second_length & 1:
            first = _times(operator, first)
        second_length >>= 1
        if second_length:
            operator = _square(operator)
    return first ^ second
