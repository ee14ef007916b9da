"""Files xlar cannot or must not read get one clear line, never a traceback, and the book is
unchanged (issue 18, items 4, 10, 12, 13)."""

from __future__ import annotations

import io
import re
import resource
import shutil
import struct
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.book.builders import JOURNAL, standard, write_book
from xlar.book.commands import run_file
from xlar.book.files import BookError
from xlar.cli import app

runner = CliRunner()


def _cli(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _one_line_error(r, *words: str) -> str:
    assert r.exit_code == 1, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert "Traceback" not in r.output
    text = r.output.strip()
    assert len(text.splitlines()) == 1, text
    for w in words:
        assert w in text, text
    return text


def _rewrite(src: Path, dst: Path, change) -> Path:
    """A copy of workbook ``src`` with ``change(name, bytes) -> bytes`` applied to its parts."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            out.writestr(info, change(info.filename, z.read(info.filename)))
    return dst


def _journal_part(p: Path) -> str:
    with zipfile.ZipFile(p) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and b"PAY-1" in z.read(name):
                return name
    raise AssertionError("no Journal part")


# --------------------------------------------------------------------------- 13. what the file is

def test_an_encrypted_workbook_is_named_as_such(make_book, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    p = make_book()
    enc = tmp_path / "secret.xlsx"
    with open(p, "rb") as f, open(enc, "wb") as o:
        OOXMLFile(f).encrypt("s3cret", o)
    before = enc.read_bytes()
    for engine in ("parts", "openpyxl"):
        with pytest.raises(BookError, match="protected by a password"):
            run_file(enc, "post", engine=engine)
    _one_line_error(_cli("post", enc), "protected by a password", "without the password")
    assert enc.read_bytes() == before


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) makes the .xls")
def test_an_old_xls_workbook_is_named_as_such(make_book, tmp_path):
    from tests.compat.test_libreoffice import soffice

    p = make_book()
    soffice(["--convert-to", "xls", "--outdir", str(tmp_path / "xls"), str(p)], tmp_path / "lo-profile")
    xls = tmp_path / "xls" / "book.xls"
    _one_line_error(_cli("post", xls), "old Excel 97-2003 workbook (.xls)", "save it as an Excel Workbook (.xlsx)")
    renamed = tmp_path / "book-as.xlsx"  # a .xls renamed to .xlsx: the content decides
    renamed.write_bytes(xls.read_bytes())
    _one_line_error(_cli("check", renamed), "old Excel 97-2003 workbook (.xls)")


def test_a_file_that_is_no_zip(tmp_path):
    p = tmp_path / "notes.xlsx"
    p.write_text("Customer;Amount\nC10000;12\n")
    _one_line_error(_cli("post", p), "not an Excel workbook", "not a zip package")


@pytest.mark.parametrize(("damage", "says"), [
    (lambda b: b[:len(b) // 2], "expected"),  # a part cut short
    (lambda b: b.replace(b"</sheetData>", b"</sheetDta>"), "Opening and ending tag mismatch"),
], ids=["truncated", "mismatched-tag"])
def test_malformed_xml_names_the_part(make_book, tmp_path, damage, says):
    p = make_book()
    part = _journal_part(p)
    bad = _rewrite(p, tmp_path / "bad.xlsx", lambda n, b: damage(b) if n == part else b)
    before = bad.read_bytes()
    for engine in ("auto", "openpyxl"):
        with pytest.raises(BookError, match=rf"part {re.escape(part)} is not well-formed XML \(.*{says}.*line 1"):
            run_file(bad, "post", engine=engine)
    text = _one_line_error(_cli("post", bad), "is damaged", part)
    assert "see the exception" not in text
    assert bad.read_bytes() == before


# --------------------------------------------------------------------------- 4. sheets that read alike

@pytest.mark.parametrize("engine", ["parts", "openpyxl"])
def test_two_sheets_whose_names_read_alike_are_an_error_naming_both(tmp_path, engine):
    p = write_book(tmp_path / "book.xlsx", standard(**{"journal ": JOURNAL}))
    before = p.read_bytes()
    with pytest.raises(BookError, match=r"sheets 'Journal' and 'journal ' have names that xlar reads as the same"):
        run_file(p, "post", engine=engine)
    assert p.read_bytes() == before


# --------------------------------------------------------------------------- 10. inflation limits

def _padded(make_book, tmp_path: Path, mb: int) -> Path:
    """A real book whose Journal part carries ``mb`` MB of whitespace (inflates ~1000x)."""
    p = make_book()
    part = _journal_part(p)
    return _rewrite(p, tmp_path / "bomb.xlsx",
                    lambda n, b: b.replace(b"</worksheet>", b" " * (mb << 20) + b"</worksheet>") if n == part else b)


def test_a_part_over_the_size_limit_is_refused_before_parsing(make_book, tmp_path, monkeypatch):
    bomb = _padded(make_book, tmp_path, 6)
    monkeypatch.setenv("XLAR_MAX_PART_MB", "4")
    monkeypatch.setenv("XLAR_MAX_RATIO", "100000")
    before = bomb.read_bytes()
    _one_line_error(_cli("post", bomb), "inflates to 6 MB, over the limit of 4 MB", "zip bomb")
    assert bomb.read_bytes() == before
    monkeypatch.setenv("XLAR_MAX_PART_MB", "64")  # under the limits the same book posts
    assert run_file(bomb, "post").exit_code == 0


def test_a_part_over_the_compression_ratio_limit_is_refused(make_book, tmp_path):
    bomb = _padded(make_book, tmp_path, 8)  # defaults: 8 MB inflating ~1000 times
    with pytest.raises(BookError, match=r"inflates [\d,]+ times .* over the limit of 200 times"):
        run_file(bomb, "post")


def test_a_part_over_the_total_limit_is_refused(make_book, tmp_path, monkeypatch):
    bomb = _padded(make_book, tmp_path, 3)
    monkeypatch.setenv("XLAR_MAX_TOTAL_MB", "2")
    monkeypatch.setenv("XLAR_MAX_RATIO", "100000")
    with pytest.raises(BookError, match="over the limit of 2 MB"):
        run_file(bomb, "post")


def test_a_part_that_lies_about_its_size_is_never_inflated_whole(make_book, tmp_path):
    bomb = _padded(make_book, tmp_path, 64)
    data = bytearray(bomb.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(_journal_part(bomb))
    # the central directory and the local header both say 2,000 bytes
    pos = data.find(b"PK\x01\x02")
    while data[pos + 46:pos + 46 + len(info.filename)] != info.filename.encode():
        pos = data.find(b"PK\x01\x02", pos + 4)
    data[pos + 24:pos + 28] = struct.pack("<I", 2000)
    data[info.header_offset + 22:info.header_offset + 26] = struct.pack("<I", 2000)
    bomb.write_bytes(bytes(data))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for engine in ("auto", "openpyxl"):
        with pytest.raises(BookError, match="damaged"):
            run_file(bomb, "post", engine=engine)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 48 * 1024  # KiB: not 64 MB inflated


# --------------------------------------------------------------------------- 12. month-end options

@pytest.mark.parametrize(("args", "option"), [
    (["--as-of", "0001-01-01"], "--as-of"), (["--as-of", "9999-12-31"], "--as-of"),
    (["--as-of", "2026-01-31", "--from", "0001-01-01"], "--from"),
    (["--as-of", "2026-01-31", "--period", "abc"], "--period"),
    (["--as-of", "2026-01-31", "--period", "30"], "--period"),
    (["--as-of", "2026-01-31", "--period", "0D"], "--period"),
    (["--as-of", "2026-01-31", "--period", "-5D"], "--period"),
    (["--as-of", "2026-01-31", "--period", "CM"], "--period"),
    (["--as-of", "2026-01-31", "--period", "1M+15D"], "--period"),
    (["--as-of", "1900-02-01", "--period", "9999Y"], "--period"),
])
def test_month_end_options_out_of_range_exit_2_naming_the_option(make_book, args, option):
    p = make_book()
    before = p.read_bytes()
    r = _cli("month-end", p, *args)
    assert r.exit_code == 2 and "Traceback" not in r.output
    errors = [ln for ln in r.output.splitlines() if ln.startswith("Error")]
    assert len(errors) == 1 and f"Invalid value for {option}" in errors[0]
    assert ("YYYY-MM-DD" if option != "--period" else "a positive length like 30D") in errors[0]
    assert p.read_bytes() == before


@pytest.mark.parametrize("as_of", ["1900-01-01", "9998-12-31"])
def test_month_end_at_the_ends_of_the_date_range_runs(make_book, as_of):
    p = make_book()
    r = _cli("month-end", p, "--as-of", as_of, "--period", "1M")
    assert r.exit_code == 0, r.output
