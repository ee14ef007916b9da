"""A VBA project (``vbaProject.bin``) from source text, without Excel.

The project is assembled the way xlwings ships its own quickstart workbooks: the
project-level records (references to the Office and MSForms libraries, code page, the
host-extender entry) and the document/class modules come from the ``vbaProject.bin``
inside the installed xlwings package (``xlwings/quickstart_standalone.xlsm``, saved by
Excel); every module stream holds only its compressed source (no compiled p-code:
``MODULEOFFSET`` 0, ``_VBA_PROJECT`` without a performance cache), so Excel compiles
the source when it opens the file. That is the form xlwings' own ``xlwings`` module
already has in that file.

Pieces, per [MS-OVBA] and [MS-CFB]:

- :func:`compress` / :func:`decompress`: the MS-OVBA run-length/LZ77 compression.
- :func:`write_cfb`: a compound file (version 3, 512-byte sectors), deterministic: zero
  timestamps and CLSIDs, directory entries sorted and balanced, all black.
- :func:`build_project`: the ``VBA/dir``, ``PROJECT``, ``PROJECTwm``, ``_VBA_PROJECT``
  and module streams for a list of :class:`Module`.
- :func:`read_modules`: the module sources of a ``vbaProject.bin`` (olefile reads it).
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

CODEPAGE = "cp1252"
_CHUNK = 4096

# --------------------------------------------------------------------------- MS-OVBA compression


def _bit_count(difference: int) -> int:
    return max((difference - 1).bit_length(), 4)


def compress(data: bytes) -> bytes:
    """The CompressedContainer of ``data`` ([MS-OVBA] 2.4.1)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        chunk = data[start:start + _CHUNK]
        body = _compress_chunk(chunk)
        if len(body) > _CHUNK and len(chunk) == _CHUNK:  # incompressible: a raw chunk
            out += struct.pack("<H", 0x3000 | (_CHUNK - 1)) + chunk
            continue
        if len(body) > _CHUNK:
            raise ValueError("a chunk of VBA source does not compress")
        out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    heads: dict[bytes, list[int]] = {}
    pos, n = 0, len(chunk)
    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len, best_off = 0, 0
            if pos > 0 and pos + 3 <= n:
                bits = _bit_count(pos)
                max_len = min((0xFFFF >> bits) + 3, n - pos)
                for cand in reversed(heads.get(chunk[pos:pos + 3], [])[-64:]):
                    length = 3
                    while length < max_len and chunk[cand + length] == chunk[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
                        if length == max_len:
                            break
            if best_len >= 3:
                bits = _bit_count(pos)
                out += struct.pack("<H", ((best_off - 1) << (16 - bits)) | (best_len - 3))
                flags |= 1 << bit
                step = best_len
            else:
                out.append(chunk[pos])
                step = 1
            for p in range(pos, pos + step):
                if p + 3 <= n:
                    heads.setdefault(chunk[p:p + 3], []).append(p)
            pos += step
        out[flag_at] = flags
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """The bytes of a CompressedContainer ([MS-OVBA] 2.4.1.3.1)."""
    if not data or data[0] != 1:
        raise ValueError("not a compressed VBA container")
    out = bytearray()
    i = 1
    while i + 2 <= len(data):
        header = struct.unpack_from("<H", data, i)[0]
        size = (header & 0x0FFF) + 3
        end = min(i + size, len(data))
        i += 2
        start = len(out)
        if not header & 0x8000:
            out += data[i:i + _CHUNK]
            i += _CHUNK
            continue
        while i < end:
            flags = data[i]
            i += 1
            for bit in range(8):
                if i >= end:
                    break
                if not flags & (1 << bit):
                    out.append(data[i])
                    i += 1
                    continue
                token = struct.unpack_from("<H", data, i)[0]
                i += 2
                bits = _bit_count(len(out) - start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
        i = end
    return bytes(out)


# --------------------------------------------------------------------------- the compound file

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR, _MINI, _CUTOFF = 512, 64, 4096


def _key(name: str) -> tuple[int, str]:
    return (len(name), name.upper())


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file holding ``streams`` (paths like ``"VBA/dir"``; one storage level deep)."""
    # the directory: entry 0 is the root; storages and streams follow in a fixed order
    entries: list[dict[str, object]] = [{"name": "Root Entry", "type": 5, "kids": []}]
    storages: dict[str, int] = {}
    for path in sorted(streams, key=lambda p: [_key(x) for x in p.split("/")]):
        parts = path.split("/")
        parent = 0
        for depth, part in enumerate(parts):
            full = "/".join(parts[:depth + 1])
            if depth < len(parts) - 1:
                if full not in storages:
                    storages[full] = len(entries)
                    entries.append({"name": part, "type": 1, "kids": []})
                    entries[parent]["kids"].append(storages[full])  # type: ignore[attr-defined]
                parent = storages[full]
            else:
                entries.append({"name": part, "type": 2, "kids": [], "data": streams[path]})
                entries[parent]["kids"].append(len(entries) - 1)  # type: ignore[attr-defined]

    # sectors: [FAT][directory][mini FAT][mini stream][big streams]
    mini = bytearray()
    minifat: list[int] = []
    big: list[tuple[int, bytes]] = []
    for idx, e in enumerate(entries):
        data = e.get("data")
        if not isinstance(data, bytes):
            continue
        if len(data) < _CUTOFF:
            first = len(mini) // _MINI
            count = -(-len(data) // _MINI)
            e["start"] = first if data else _END
            minifat += [first + k + 1 for k in range(count - 1)] + ([_END] if count else [])
            mini += data + b"\0" * (count * _MINI - len(data))
        else:
            big.append((idx, data))
    dir_sectors = -(-len(entries) * 128 // _SECTOR)
    minifat_sectors = -(-len(minifat) * 4 // _SECTOR)
    mini_sectors = -(-len(mini) // _SECTOR)
    big_sectors = sum(-(-len(d) // _SECTOR) for _, d in big)
    rest = dir_sectors + minifat_sectors + mini_sectors + big_sectors
    fat_sectors = 1
    while fat_sectors * (_SECTOR // 4) < fat_sectors + rest:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("VBA project too large for a compound file without DIFAT sectors")
    fat = [_FATSECT] * fat_sectors
    body = bytearray()

    def chain(data: bytes) -> int:
        first = fat_sectors + len(body) // _SECTOR
        count = -(-len(data) // _SECTOR)
        fat.extend(first + k + 1 for k in range(count - 1))
        fat.append(_END)
        body.extend(data + b"\0" * (count * _SECTOR - len(data)))
        return first

    dir_start = fat_sectors  # the directory is written first, its bytes filled in below
    body.extend(b"\0" * dir_sectors * _SECTOR)
    fat.extend(dir_start + k + 1 for k in range(dir_sectors - 1))
    fat.append(_END)
    minifat_start = chain(b"".join(struct.pack("<I", x) for x in minifat)) if minifat else _END
    mini_start = chain(bytes(mini)) if mini else _END
    for idx, data in big:
        entries[idx]["start"] = chain(data)
    fat += [_FREE] * (fat_sectors * (_SECTOR // 4) - len(fat))

    # red-black tree of each storage's children: balanced, all black ([MS-CFB] 2.6.4 allows it)
    links: dict[int, tuple[int, int]] = {}

    def tree(ids: list[int]) -> int:
        if not ids:
            return _NOSTREAM
        ids = sorted(ids, key=lambda k: _key(str(entries[k]["name"])))
        mid = len(ids) // 2
        links[ids[mid]] = (tree(ids[:mid]), tree(ids[mid + 1:]))
        return ids[mid]

    child = {i: tree(list(e["kids"])) for i, e in enumerate(entries)}  # type: ignore[arg-type]
    directory = bytearray()
    for i, e in enumerate(entries):
        name = str(e["name"]).encode("utf-16-le") + b"\0\0"
        left, right = links.get(i, (_NOSTREAM, _NOSTREAM))
        if e["type"] == 5:
            start, size = mini_start, len(mini)
        elif e["type"] == 2:
            start, size = int(e["start"]), len(e["data"])  # type: ignore[call-overload, arg-type]
        else:
            start, size = 0, 0
        directory += struct.pack("<64sHBBIII16sIQQIQ", name, len(name), e["type"], 1, left, right, child[i],
                                 b"\0" * 16, 0, 0, 0, start, size)
    while len(directory) < dir_sectors * _SECTOR:
        directory += struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM,
                                 b"\0" * 16, 0, 0, 0, 0, 0)
    body[:len(directory)] = directory

    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3,
                         0xFFFE, 9, 6, b"\0" * 6, 0, fat_sectors, dir_start, 0, _CUTOFF, minifat_start,
                         minifat_sectors, _END, 0)
    header += struct.pack("<109I", *difat)
    return header + b"".join(struct.pack("<I", x) for x in fat) + bytes(body)


# --------------------------------------------------------------------------- the VBA project


@dataclass(frozen=True, slots=True)
class Module:
    """One VBA module: ``kind`` is ``module`` (a standard .bas), ``class`` or ``document``
    (ThisWorkbook, a sheet); ``source`` is the text as stored (``Attribute VB_Name`` first)."""

    name: str
    kind: str
    source: str
    docstring: str = ""


def _rec(rid: int, data: bytes) -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _records(dir_stream: bytes) -> list[tuple[int, bytes]]:
    out, i = [], 0
    while i + 6 <= len(dir_stream):
        rid, size = struct.unpack_from("<HI", dir_stream, i)
        i += 6
        if rid == 0x0009:  # PROJECTVERSION: its Reserved field is 4, the data 6 bytes
            size = 6
        out.append((rid, dir_stream[i:i + size]))
        i += size
    return out


def _module_records(m: Module) -> bytes:
    name, uname = m.name.encode(CODEPAGE), m.name.encode("utf-16-le")
    doc = m.docstring
    return b"".join((
        _rec(0x0019, name), _rec(0x0047, uname),
        _rec(0x001A, name), _rec(0x0032, uname),
        _rec(0x001C, doc.encode(CODEPAGE)), _rec(0x0048, doc.encode("utf-16-le")),
        _rec(0x0031, struct.pack("<I", 0)),  # MODULEOFFSET: the source starts the stream (no p-code)
        _rec(0x001E, struct.pack("<I", 0)),
        _rec(0x002C, struct.pack("<H", 0xFFFF)),
        _rec(0x0022 if m.kind in ("class", "document") else 0x0021, b""),
        _rec(0x002B, b""),
    ))


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


@dataclass(frozen=True, slots=True)
class Skeleton:
    """The project-level parts taken from an Excel-saved ``vbaProject.bin``."""

    project_records: bytes  # the dir stream's records before PROJECTMODULES
    project_cookie: bytes
    project_lines: list[str]  # PROJECT stream lines other than the module list and [Workspace]
    vba_project: bytes  # the _VBA_PROJECT stream (7 bytes: no performance cache)
    modules: dict[str, Module]  # by name, as stored


def read_skeleton(bin_data: bytes) -> Skeleton:
    """Project records and module sources of an Excel-saved ``vbaProject.bin``."""
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(bin_data))
    try:
        recs = _records(decompress(ole.openstream("VBA/dir").read()))
        at = next(i for i, (rid, _) in enumerate(recs) if rid == 0x000F)
        head = b"".join(_rec(rid, d) if rid != 0x0009 else struct.pack("<HI", rid, 4) + d for rid, d in recs[:at])
        cookie = recs[at + 1][1]
        modules: dict[str, Module] = {}
        cur: dict[int, bytes] = {}
        for rid, d in recs[at + 2:]:
            if rid == 0x002B:
                name = cur[0x0019].decode(CODEPAGE)
                kind = "module" if 0x0021 in cur else "class"
                offset = struct.unpack("<I", cur[0x0031])[0]
                src = decompress(ole.openstream(f"VBA/{cur[0x001A].decode(CODEPAGE)}").read()[offset:])
                text = src.decode(CODEPAGE)
                if kind == "class" and "Attribute VB_Base = \"0{000208" in text:
                    kind = "document"
                modules[name] = Module(name, kind, text, cur.get(0x001C, b"").decode(CODEPAGE))
                cur = {}
            else:
                cur[rid] = d
        project = ole.openstream("PROJECT").read().decode(CODEPAGE)
        lines = []
        for line in project.split("\r\n"):
            if line == "[Workspace]":
                break
            if line.split("=", 1)[0] not in ("Document", "Module", "Class", "BaseClass", "Package"):
                lines.append(line)
        while lines and lines[-1] == "":
            lines.pop()
        vba_project = ole.openstream("VBA/_VBA_PROJECT").read()
    finally:
        ole.close()
    return Skeleton(head, cookie, lines, vba_project[:7], modules)


def build_project(skeleton: Skeleton, modules: list[Module]) -> bytes:
    """The ``vbaProject.bin`` bytes for ``modules`` (sources stored, no compiled code)."""
    names = [m.name for m in modules]
    if len({n.upper() for n in names}) != len(names):
        raise ValueError(f"duplicate VBA module names: {names}")
    dir_stream = (skeleton.project_records + _rec(0x000F, struct.pack("<H", len(modules)))
                  + _rec(0x0013, skeleton.project_cookie) + b"".join(_module_records(m) for m in modules)
                  + _rec(0x0010, b""))
    listing = []
    for m in modules:
        if m.kind == "document":
            listing.append(f"Document={m.name}/&H00000000")
        elif m.kind == "class":
            listing.append(f"Class={m.name}")
        else:
            listing.append(f"Module={m.name}")
    lines = skeleton.project_lines[:1] + listing + skeleton.project_lines[1:]
    lines += ["", "[Workspace]"] + [f"{m.name}=0, 0, 0, 0, C" for m in modules] + [""]
    project = "\r\n".join(lines).encode(CODEPAGE)
    wm = b"".join(m.name.encode(CODEPAGE) + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in modules) + b"\0\0"
    streams = {"PROJECT": project, "PROJECTwm": wm, "VBA/_VBA_PROJECT": skeleton.vba_project,
               "VBA/dir": compress(dir_stream)}
    for m in modules:
        streams[f"VBA/{m.name}"] = compress(_crlf(m.source).encode(CODEPAGE))
    return write_cfb(streams)


def read_modules(bin_data: bytes) -> dict[str, str]:
    """Module name -> source text of a ``vbaProject.bin`` (any, Excel's or ours)."""
    return {name: m.source for name, m in read_skeleton(bin_data).modules.items()}


def vba_project_of(workbook: Path | bytes) -> bytes:
    """The ``xl/vbaProject.bin`` part of a macro-enabled workbook or add-in."""
    src = io.BytesIO(workbook) if isinstance(workbook, bytes) else workbook
    with zipfile.ZipFile(src) as z:
        return z.read("xl/vbaProject.bin")
