"""Raw deflate for the part writer and reader: ISA-L (``isal``) when it is installed, else zlib.

A big sheet part is inflated three times in a run (calamine's parse, the formula scan, the
rewrite) and deflated once; at a million ledger rows that is 600 MB of XML each time. ISA-L's
deflate at level 1 is four times faster than zlib's level 1 and compresses a little better,
and its inflate is three to five times faster than zlib's, on the same raw-deflate streams
(``bench/README.md`` has the figures). Both produce standard deflate that Excel, LibreOffice
and every zip reader read; a part is checked against its CRC-32 after inflating either way.

Small parts keep zlib at level 6: they are few and tiny, and their bytes stay what they were.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator

try:  # ISA-L: an optional speed-up with the same streams (wheels for Linux, macOS and Windows)
    from isal import isal_zlib as _fast
except ImportError:  # pragma: no cover - the fallback is zlib itself
    _fast = None  # type: ignore[assignment]

ENGINE = "isal" if _fast is not None else "zlib"

crc32 = _fast.crc32 if _fast is not None else zlib.crc32


def big_compressor() -> zlib._Compress:
    """A raw-deflate compressor for a big part: ISA-L level 1, else zlib level 1."""
    if _fast is not None:
        return _fast.compressobj(1, zlib.DEFLATED, -15)  # type: ignore[return-value]
    return zlib.compressobj(1, zlib.DEFLATED, -15)


def inflate(raw: bytes | memoryview) -> bytes:
    """A whole raw-deflate stream."""
    return (_fast or zlib).decompress(raw, -15)


def member_span(data: bytes, info: zipfile.ZipInfo) -> memoryview | None:
    """The stored bytes of an unencrypted member of the zip held in ``data`` (compressed as they are
    in the zip), found from its local header; None when the header is not where the directory says."""
    off = info.header_offset
    if info.flag_bits & 0x1 or data[off:off + 4] != b"PK\x03\x04":
        return None
    n = int.from_bytes(data[off + 26:off + 28], "little")
    m = int.from_bytes(data[off + 28:off + 30], "little")
    start = off + 30 + n + m
    if start + info.compress_size > len(data):
        return None
    return memoryview(data)[start:start + info.compress_size]


def member_raw(data: bytes, info: zipfile.ZipInfo) -> memoryview | None:
    """:func:`member_span` of a deflated member (its raw deflate stream), else None."""
    return member_span(data, info) if info.compress_type == zipfile.ZIP_DEFLATED else None


def write_raw(out: zipfile.ZipFile, zi: zipfile.ZipInfo, raw: bytes | memoryview) -> None:
    """A member whose compressed bytes, CRC and sizes are set on ``zi``: its local header, then the bytes."""
    zi.flag_bits &= 0x800  # keep only the UTF-8 name flag; sizes go in the local header
    zi.header_offset = out.fp.tell()  # type: ignore[union-attr]
    out.fp.write(zi.FileHeader(None))  # type: ignore[union-attr]
    out.fp.write(raw)  # type: ignore[union-attr]
    out.filelist.append(zi)
    out.NameToInfo[zi.filename] = zi
    out.start_dir = out.fp.tell()  # type: ignore[union-attr]


def read_member(z: zipfile.ZipFile, data: bytes, name: str) -> bytes:
    """``z.read(name)`` (``z`` is the zip of ``data``), inflated by ISA-L when it can; CRC checked."""
    info = z.getinfo(name)
    raw = member_raw(data, info) if _fast is not None else None
    if raw is None:
        return z.read(name)
    d = _fast.decompressobj(-15)
    out = d.decompress(raw, info.file_size + 1)  # never more than the declared size (a lying header: refused)
    if len(out) > info.file_size or not d.eof:
        raise zipfile.BadZipFile(f"{name!r} inflates beyond its declared size of {info.file_size:,} bytes")
    if len(out) != info.file_size or crc32(out) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")
    return out


_IN_STEP = 1 << 20  # compressed bytes fed at a time: about 5-10 MB of XML out
_OUT_MAX = 64 << 20  # bytes inflated at most from one feed (a bomb's megabyte would be a gigabyte)


def iter_member(z: zipfile.ZipFile, data: bytes, name: str, chunk: int) -> Iterator[bytes]:
    """A member's bytes a few MB at a time (about ``chunk`` each; never the whole part); CRC checked."""
    info = z.getinfo(name)
    raw = member_raw(data, info) if _fast is not None else None
    if raw is None:
        with z.open(name) as f:
            while block := f.read(chunk):
                yield block
        return
    d = _fast.decompressobj(-15)
    crc = size = 0
    for i in range(0, len(raw), _IN_STEP):
        buf = raw[i:i + _IN_STEP]
        while buf:
            block = d.decompress(buf, _OUT_MAX)
            buf = d.unconsumed_tail
            if block:
                crc = crc32(block, crc)
                size += len(block)
                if size > info.file_size:  # a lying header: stop before inflating the rest
                    raise zipfile.BadZipFile(f"{name!r} inflates beyond its declared size of {info.file_size:,} bytes")
                yield block
    block = d.flush()
    if block:
        crc = crc32(block, crc)
        size += len(block)
        yield block
    if size != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")
