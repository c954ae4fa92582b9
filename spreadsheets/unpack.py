"""Stream a zip member's bytes in slices a reader can scan, bounded in memory and in total size."""
import struct
import threading
import zipfile
import zlib
from queue import Full, Queue

READ_BYTES = 1 << 20  # compressed bytes read at a time
OUT_BYTES = 1 << 20  # unpacked bytes handed on at a time: the scan runs beside a whole sheet in memory
MAX_TAG_BYTES = 1 << 20  # no real tag is this long; a longer one is a damaged or hostile file
SLACK_BYTES = 1 << 20  # a part may unpack to a little more than the zip declares, never much more
DAMAGED = "The workbook is damaged and cannot be opened. Save it again in Excel and upload it again."


class DamagedPart(ValueError):
    """The member cannot be unpacked as the zip describes it; the message is for the user."""


def xml_slices(archive, part):
    """The part's XML in slices that end just before a '<', so that no tag is cut in two."""
    carry = b""
    for data in _inflate(archive, archive.getinfo(part)):
        data = carry + data
        cut = data.rfind(b"<")
        if cut <= 0:
            if len(data) > MAX_TAG_BYTES:
                if cut < 0:  # a long text without markup: nothing in it places a cell
                    carry = b""
                    continue
                raise DamagedPart("The workbook is damaged (a sheet holds an implausibly long XML tag). Save it "
                                    "again in Excel and upload it again.")
            carry = data
            continue
        carry = data[cut:]
        yield data[:cut]
    if carry:
        yield carry


def _inflate(archive, info):
    """The member's bytes unpacked, a megabyte or so at a time; raw zlib when deflated (twice zipfile's speed)."""
    limit = info.file_size + SLACK_BYTES
    produced = 0
    if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x1:
        pieces = _ahead(_raw_deflate(archive, info))
    else:
        pieces = _zipfile_pieces(archive, info)
    for piece in pieces:
        produced += len(piece)
        if produced > limit:
            raise DamagedPart("The workbook is damaged: a sheet unpacks to more than the file says. Save it "
                                "again in Excel and upload it again.")
        yield piece


def _ahead(pieces, depth=3):
    """Run a generator in a thread a few items ahead: zlib lets go of the GIL, so unpacking overlaps the scan."""
    queue, stop = Queue(depth), threading.Event()

    def produce():
        try:
            for piece in pieces:
                while not stop.is_set():
                    try:
                        queue.put((piece, None), timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put((None, None))
        except BaseException as error:  # handed to the reader, which raises it
            queue.put((None, error))

    worker = threading.Thread(target=produce, name="xlsx-inflate", daemon=True)
    worker.start()
    try:
        while True:
            piece, error = queue.get()
            if error is not None:
                raise error
            if piece is None:
                return
            yield piece
    finally:
        stop.set()
        worker.join()


def _zipfile_pieces(archive, info):
    with archive.open(info) as member:
        while piece := member.read(READ_BYTES * 4):
            yield piece


def _raw_deflate(archive, info):
    handle = archive.fp
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise DamagedPart(DAMAGED)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    inflater = zlib.decompressobj(-15)
    remaining = info.compress_size
    while remaining > 0:
        packed = handle.read(min(READ_BYTES, remaining))
        if not packed:
            break
        remaining -= len(packed)
        while packed:
            try:
                piece = inflater.decompress(packed, OUT_BYTES)
            except zlib.error:
                raise DamagedPart(DAMAGED)
            packed = inflater.unconsumed_tail
            if piece:
                yield piece
    tail = inflater.flush()
    if tail:
        yield tail
