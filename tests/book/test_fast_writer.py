"""The write side at speed: rows appended as blocks of records, cells planned only when they change,
changed rows merged cell by cell, rewritten sheets streamed into the zip."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from tests.book.test_parts import cells, copies
from xlar.book import plan as P
from xlar.book import schema as S
from xlar.book import xlsxparts as X
from xlar.book.commands import run_file
from xlar.book.rows import read_book
from xlar.book.schema import Cur
from xlar.core.model import GLLine
from xlar.core.settle import post_journal

SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:E3"/>'
         b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>H</t></is></c></row>'
         b'<row r="2" spans="1:5"><c r="A2" s="3" t="s"><v>0</v></c><c r="B2" s="4"><v>12.5</v></c>'
         b'<c r="D2"><f>B2*2</f><v>25</v></c><c r="E2" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c>'
         b'</row><row r="3"><c r="A3"><v>7</v></c></row></sheetData><pageMargins left="0.7"/></worksheet>')


def _styles() -> X._Styles:
    return X._Styles(b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                     b'<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="0"/><xf numFmtId="0"/><xf numFmtId="0"/>'
                     b'<xf numFmtId="2"/></cellXfs></styleSheet>')


def _rewrite(edit: X._SheetEdit) -> bytes:
    return b"".join(X.rewrite_sheet(SHEET, edit, _styles(), False, {"formula_overwritten": False}))


def test_a_row_with_one_changed_cell_keeps_every_other_cell_byte_identical():
    edit = X._SheetEdit()
    edit.put(2, 3, P.Out(99))  # C2: a new cell between B2 and D2
    edit.put(2, 2, P.Out(13.75, "0.00"))  # B2 changed, keeps its style's look
    xml = _rewrite(edit)
    row2 = re.search(rb'<row r="2".*?</row>', xml).group(0)
    for kept in (b'<c r="A2" s="3" t="s"><v>0</v></c>', b'<c r="D2"><f>B2*2</f><v>25</v></c>',
                 b'<c r="E2" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c>'):
        assert kept in row2
    # cells in column order, the new one in its place; B2 keeps style 4 (its format is already 0.00)
    assert re.findall(rb'<c r="([A-Z]+)2"', row2) == [b"A", b"B", b"C", b"D", b"E"]
    assert b'<c r="B2" s="4"><v>13.75</v></c>' in row2 and b'<c r="C2"><v>99</v></c>' in row2
    # everything outside row 2 is unchanged
    assert xml.replace(row2, b"") == SHEET.replace(re.search(rb'<row r="2".*?</row>', SHEET).group(0), b"")


def test_cells_added_after_the_last_cell_and_a_cell_blanked():
    edit = X._SheetEdit()
    edit.put(2, 7, P.Out("g"))
    edit.put(2, 6, P.Out(6))
    edit.put(2, 2, P.Out(None))  # blank: B2 keeps only its style
    edit.put(3, 1, P.Out(None))  # blank, no style: A3 goes
    xml = _rewrite(edit)
    row2 = re.search(rb'<row r="2".*?</row>', xml).group(0)
    assert row2 == (b'<row r="2"><c r="A2" s="3" t="s"><v>0</v></c><c r="B2" s="4"/>'
                    b'<c r="D2"><f>B2*2</f><v>25</v></c><c r="E2" t="inlineStr"><is><t xml:space="preserve"> x </t>'
                    b'</is></c><c r="F2"><v>6</v></c><c r="G2" t="inlineStr"><is><t>g</t></is></c></row>')
    assert b'<row r="3"></row>' in xml


def test_merging_a_row_touches_only_the_changed_cells_even_with_odd_attribute_order():
    """A cell whose ``r`` is not its first attribute is still found (and kept byte for byte)."""
    odd = SHEET.replace(b'<c r="D2"><f>', b'<c s="1" r="D2"><f>')
    edit = X._SheetEdit()
    edit.put(2, 2, P.Out(1))
    xml = b"".join(X.rewrite_sheet(odd, edit, _styles(), False, {"formula_overwritten": False}))
    assert b'<c s="1" r="D2"><f>B2*2</f><v>25</v></c>' in xml
    assert b'<c r="B2" s="4"><v>1</v></c>' in xml


def _gl(n: int) -> list[GLLine]:
    return [GLLine(entry_no=i, posting_date=date(2026, 1, i % 28 + 1), account_no="1100" if i % 2 else "4000",
                   debit=Decimal("12.30") * i, credit=Decimal(0), document_no=f"D<{i}>&", description=" pad ",
                   customer_no="C1", application_no=i if i % 3 else None) for i in range(1, n + 1)]


def _block_and_dicts(block: P.Block, cols: dict[str, int]) -> tuple[bytes, bytes]:
    """The sheet XML with ``block`` appended at row 5, and with the same rows put as dicts of cells."""
    a, b = X._SheetEdit(), X._SheetEdit()
    a.blocks.append((5, block, cols))
    for i, values in enumerate(block.rows(), 5):
        for k, o in values.items():
            b.put(i, cols[k], o)
    return _rewrite(a), _rewrite(b)


def test_a_block_writes_the_same_cells_as_its_rows_as_dicts():
    lines = _gl(30)
    cur = dict.fromkeys(Cur, "EUR")
    block = P.Block(lines, S.GL_ENTRIES.columns, lambda g: cur, None)
    xa, xb = _block_and_dicts(block, {c.key: i for i, c in enumerate(S.GL_ENTRIES.columns, start=3)})
    assert xa != xb  # money as its decimal text ("24.60") in the block, as a float ("24.6") from a dict

    def cells_of(xml: bytes) -> list[tuple[bytes, bytes, bytes]]:
        return [(m.group(1), m.group(2), m.group(3)) for m in
                re.finditer(rb'<c r="([A-Z]+\d+)"([^>]*)>(.*?)</c>', xml)]

    ca, cb = cells_of(xa), cells_of(xb)
    assert [c[:2] for c in ca] == [c[:2] for c in cb]  # the same cells, styles and types
    for (ref, _, va), (_, _, vb) in zip(ca, cb):
        if va != vb:
            na, nb = (re.fullmatch(rb"<v>(.*)</v>", v).group(1) for v in (va, vb))
            assert Decimal(na.decode()) == Decimal(nb.decode()), ref
    assert b'<t xml:space="preserve"> pad </t>' in xa and b"<t>D&lt;7&gt;&amp;</t>" in xa
    assert b'<dimension ref="A1:' in xa and xa.count(b"<row ") == 3 + 30


def test_a_block_among_the_sheet_rows_is_merged_like_dict_rows():
    """Appended rows that do not all come after the sheet's rows (a row 3 exists) are merged."""
    lines = _gl(3)
    cur = dict.fromkeys(Cur, "EUR")
    block = P.Block(lines, S.GL_ENTRIES.columns, lambda g: cur, None)
    edit = X._SheetEdit()
    edit.blocks.append((3, block, {c.key: i for i, c in enumerate(S.GL_ENTRIES.columns, start=2)}))
    xml = _rewrite(edit)
    row3 = re.search(rb'<row r="3".*?</row>', xml).group(0)
    assert row3.startswith(b'<row r="3"><c r="A3"><v>7</v></c><c r="B3"><v>1</v></c>')
    assert xml.count(b'<row r="3"') == 1 and b'<row r="5">' in xml


def test_sheetwrite_appends_expands_blocks_in_order():
    sw = P.SheetWrite(S.GL_ENTRIES)
    sw.appends.append({"entryno": P.Out(1)})
    cur = dict.fromkeys(Cur, "EUR")
    sw.add(P.Block(_gl(2), S.GL_ENTRIES.columns, lambda g: cur, None))
    sw.add(P.Block([], S.GL_ENTRIES.columns, lambda g: cur, None))  # empty blocks are not kept
    assert sw.appended() == 3 and sw.blocks == 1
    rows = sw.appends
    assert sw.blocks == 0 and len(rows) == 3 and rows[0] == {"entryno": P.Out(1)}
    assert rows[2]["debit"] == P.Out(24.6, "#,##0.00") and rows[2]["postingdate"] == P.Out(date(2026, 1, 3),
                                                                                           "yyyy-mm-dd")


def test_a_streamed_part_equals_the_part_written_whole(tmp_path):
    """A part deflated piece by piece (views, small pieces gathered, big ones alone) is the part."""
    pieces = [b"<a>", memoryview(b"x" * (3 << 20)), b"<b/>" * 1000, memoryview(b"yz" * 10), b"</a>"]
    whole = b"".join(pieces)
    d = X._Deflated.of(iter(pieces), 1)
    assert d.size == len(whole) and d.joined() == whole and len(d.raw) < len(whole) // 100
    book = tmp_path / "in.zip"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"old")
        z.writestr("xl/other.xml", b"kept")
    pb = X.PartsBook(book, book.read_bytes(), {}, "", {}, "xl/workbook.xml", False)
    for name, data in (("s.zip", d), ("w.zip", whole)):
        X.write_zip(pb, X._Package({"xl/worksheets/sheet1.xml": data}), str(tmp_path / name))
    with zipfile.ZipFile(tmp_path / "s.zip") as s, zipfile.ZipFile(tmp_path / "w.zip") as w:
        assert s.testzip() is None
        assert s.read("xl/worksheets/sheet1.xml") == w.read("xl/worksheets/sheet1.xml") == whole
        assert s.read("xl/other.xml") == b"kept"
        assert s.getinfo("xl/worksheets/sheet1.xml").file_size == len(whole)


def test_post_plans_only_changed_ledger_cells_and_the_book_reads_back_the_same(make_book, tmp_path):
    """The Ledger rows of closed invoices get only the cells that changed; new rows go as blocks;
    the part writer and openpyxl then leave the same cells."""
    ledger = [["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Currency",
               "Remaining Amount", "Open", "Description"],
              ["C10000", date(2026, 1, 5), "Invoice", "INV-1001", 1000.0, "EUR", 1000.0, True, "kept"],
              ["C20000", date(2026, 1, 10), "Invoice", "INV-1002", 500.0, "EUR", 500.0, True, "also kept"],
              ["C30000", date(2026, 1, 11), "Invoice", "INV-1003", 800.0, "USD", 800.0, True, "usd"]]
    journal = [["Posting Date", "Document Type", "Document No.", "Customer No.", "Amount", "Applies-to Doc. No."],
               [date(2026, 1, 12), "Payment", "PAY-1", "C10000", 980.0, "INV-1001"],
               [date(2026, 1, 13), "Payment", "PAY-2", "C30000", 300.0, "INV-1003"]]
    p = make_book(Ledger=ledger, Journal=journal)
    grids = X.open_parts(p).grids
    read = read_book(grids, need=("Journal",))
    s = post_journal(read.book)
    plan = P.WritePlan()
    assert P.plan_ledger(plan, read, s.ledger, s.changed_entry_nos) == 2
    sw = plan.sheets["Ledger"]
    assert sw.blocks == 1 and sw.appended() == 2
    # INV-1001 closed, INV-1003 part paid; INV-1002, untouched, gets only the derived columns the
    # sheet lacks (Entry No., Due Date, ...): no cell the sheet has is written again unchanged
    on_sheet = {S.norm(h) for h in ledger[0]}
    derived = {c.key for c in S.LEDGER.columns if c.derived}
    assert set(sw.updates[3]) <= derived - on_sheet and "entryno" in sw.updates[3]
    assert set(sw.updates[2]) & on_sheet == {"remainingamount", "open"}
    assert set(sw.updates[4]) & on_sheet == {"remainingamount"}
    assert sw.updates[2]["open"] == P.Out(False) and sw.updates[2]["remainingamount"].value == 0
    assert sw.updates[4]["remainingamount"].value == 500.0
    a, b = copies(p, tmp_path)
    assert run_file(a, "post", engine="parts").exit_code == 0
    assert run_file(b, "post", engine="openpyxl").exit_code == 0
    ca, cb = cells(a), cells(b)
    for sheet in ("Ledger", "Applications", "GLEntries"):
        assert ca[sheet] == cb[sheet], sheet
    wb = openpyxl.load_workbook(a)
    assert wb["Ledger"]["I2"].value == "kept" and wb["Ledger"].max_row == 6


def test_lost_agrees_with_a_full_rederivation(make_book):
    """The shortcut for changed rows (same derivation inputs) gives the columns a re-derivation gives."""
    p = make_book(Journal=[["Posting Date", "Document Type", "Document No.", "Customer No.", "Amount",
                            "Applies-to Doc. No."],
                           [date(2026, 1, 12), "Payment", "PAY-1", "C10000", 500.0, "INV-1001"],
                           [date(2026, 1, 14), "Payment", "PAY-2", "C20000", 500.0, "INV-1002"]])
    read = read_book(X.open_parts(p).grids, need=("Journal",))
    s = post_journal(read.book)
    before = {e.entry_no: e for e in read.book.ledger}
    present = {c.field for c in S.LEDGER.columns if read.index.bound["Ledger"].has(c)}
    rederive = {c.field for c in S.LEDGER.columns if not c.extension} | present
    missing = [c for c in S.LEDGER.columns if c.extension and c.field not in present]
    inputs = tuple(f for f in P._INPUTS if f in rederive)
    checked = 0
    for e in s.ledger:
        old = before.get(e.entry_no)
        if old is None or e is old:
            continue
        again = P._rederived(read, e, rederive)
        full = [c for c in missing if again is None or getattr(again, c.field) != getattr(e, c.field)]
        assert P._lost(read, e, old, rederive, inputs, missing, "EUR", None) == full
        checked += 1
    assert checked == 2


@pytest.mark.parametrize("when", [datetime(2026, 1, 2, 12, 0), ("a", "b")])
def test_a_block_writes_other_values_as_the_dict_path(when):
    """Values a block meets rarely (a datetime, a tuple) go through ``cell_xml`` like a dict row."""
    class Rec:
        description = when

    col = S.Column("Description", "description")
    block = P.Block([Rec()], (col,), lambda r: {Cur.ROW: "EUR"}, None)
    xml = b"".join(X._block_rows(block, 2, {col.key: 1}, _styles(), False))
    want = X.cell_xml(b"A2", block.rows()[0][col.key], None, _styles(), False)
    assert xml == b'<row r="2">' + want + b"</row>"


def test_zip_member_sizes_and_levels():
    """Big new parts are deflated at level 1, small ones at 6; a deflated part is written as it is."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in (("big", b"ab" * (1 << 20)), ("small", b"<x/>" * 10),
                           ("done", X._Deflated.of([b"<y/>" * 5000], 6))):
            zi = zipfile.ZipInfo(name)
            zi.compress_type = zipfile.ZIP_DEFLATED
            X._write_member(z, zi, data)
        levels = {i.filename: i._compresslevel for i in z.infolist()}
    assert levels["big"] == 1 and levels["small"] == 6
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        assert z.testzip() is None
        assert z.read("big") == b"ab" * (1 << 20) and z.read("small") == b"<x/>" * 10
        assert z.read("done") == b"<y/>" * 5000


def test_a_generated_row_renderer_writes_every_kind_as_the_dict_path():
    """Odd values of each kind (a decimal in exponent form, a negative zero, an enum, a bool, an
    empty text, None) give the same cell values and formats as a dict row written by cell_xml."""
    from xlar.core.model import DocumentType

    class Rec:
        def __init__(self, **kw: object) -> None:
            self.__dict__.update(kw)

    cols = (S.Column("Amount", "amount", S.Kind.MONEY), S.Column("Rate", "rate", S.Kind.RATE),
            S.Column("No", "no", S.Kind.INT), S.Column("Open", "open", S.Kind.BOOL),
            S.Column("Type", "type", S.Kind.CHOICE), S.Column("When", "when", S.Kind.DATE),
            S.Column("Text", "text"), S.Column("Count", "count", S.Kind.INT))
    recs = [Rec(amount=Decimal("1E+2"), rate=Decimal("1.2345678901234567890"), no=7, open=True,
                type=DocumentType.INVOICE, when=date(2026, 2, 1), text="a&b", count=Decimal(3)),
            Rec(amount=Decimal("-0.00"), rate=Decimal("0.5E-3"), no=None, open=False, type="Payment",
                when=None, text="", count=True),
            Rec(amount=Decimal("-12.345"), rate=None, no=0, open=None, type=None, when=date(1904, 1, 2),
                text="=SUM(A1)", count=None)]
    block = P.Block(recs, cols, lambda r: {Cur.ROW: "USD", Cur.LCY: "EUR"}, None)
    xa, xb = _block_and_dicts(block, {c.key: i for i, c in enumerate(cols, start=1)})
    cell = re.compile(rb'<c r="([A-Z]+\d+)"([^>]*)>(?:<v>([^<]*)</v>|<is><t>([^<]*)</t></is>)</c>')
    ca = {m.group(1): m.groups()[1:] for m in cell.finditer(xa) if int(m.group(1)[1:]) >= 5}
    cb = {m.group(1): m.groups()[1:] for m in cell.finditer(xb) if int(m.group(1)[1:]) >= 5}
    assert ca.keys() == cb.keys() and len(ca) == 8 + 5 + 4
    for ref, (sa, va, ta) in ca.items():
        sb, vb, tb = cb[ref]
        assert sa == sb and ta == tb, ref
        assert (va is None) == (vb is None) and (va is None or float(va) == float(vb)), ref
    assert ca[b"G7"][2] == b"=SUM(A1)" and b"<f>" not in xa[xa.index(b'<row r="5"'):]  # never a formula
    assert ca[b"A6"][1] == b"0" and ca[b"A5"][1] == b"100"


def test_lost_new_agrees_with_a_full_rederivation_for_payments_and_refunds(make_book):
    """New payments (EUR and USD, applied or not) and a refund: the shortcut gives the columns a
    re-derivation gives; invoices are always re-derived."""
    p = make_book(Journal=[["Posting Date", "Document Type", "Document No.", "Customer No.", "Amount",
                            "Applies-to Doc. No.", "Currency"],
                           [date(2026, 1, 12), "Payment", "PAY-1", "C10000", 500.0, "INV-1001", ""],
                           [date(2026, 1, 14), "Payment", "PAY-2", "C30000", 120.0, "", "USD"],
                           [date(2026, 1, 15), "Refund", "REF-1", "C20000", 50.0, "", ""],
                           [date(2026, 1, 16), "Invoice", "INV-9", "C20000", 70.0, "", ""]])
    read = read_book(X.open_parts(p).grids, need=("Journal",))
    s = post_journal(read.book)
    before = {e.entry_no for e in read.book.ledger}
    present = {c.field for c in S.LEDGER.columns if read.index.bound["Ledger"].has(c)}
    rederive = {c.field for c in S.LEDGER.columns if not c.extension} | present
    missing = [c for c in S.LEDGER.columns if c.extension and c.field not in present]
    assert {c.field for c in missing} >= {"remaining_amount_lcy", "document_date", "unrealized_lcy"}
    kinds = set()
    for e in s.ledger:
        if e.entry_no in before:
            continue
        quick = P._lost_new(e, missing, "EUR", None)
        if e.document_type.value in ("Invoice", "Credit Memo"):
            assert quick is None
            continue
        again = P._rederived(read, e, rederive)
        assert quick == [c for c in missing if getattr(again, c.field) != getattr(e, c.field)], e
        kinds.add((e.document_type.value, e.currency))
    assert kinds == {("Payment", "EUR"), ("Payment", "USD"), ("Refund", "EUR")}


def test_big_rewritten_parts_are_deflated_fast(make_book, monkeypatch):
    """The fast deflater is chosen from the part's size, dict rows counted as well as blocks."""
    p = make_book()
    book = X.open_parts(p)
    plan = P.WritePlan()
    sw = plan.sheet(S.GL_ENTRIES)
    for i in range(3000):  # about 1.3 MB of rows as dicts
        sw.appends.append({"entryno": P.Out(i), "description": P.Out("x" * 400)})
    plan.sheet(S.RUN_LOG).appends.append({"run": P.Out(1)})
    fast = {}
    real = X._Deflated.of.__func__

    def spy(cls, pieces, big):
        d = real(cls, pieces, big)
        fast[d.size > 1 << 20] = big
        return d

    monkeypatch.setattr(X._Deflated, "of", classmethod(spy))
    X.save_parts(book, plan)
    assert fast == {True: True, False: False}
    assert openpyxl.load_workbook(p)["GLEntries"].max_row == 3001


@pytest.mark.parametrize("engine", ["isal", "zlib"])
def test_deflate_streams_round_trip_and_check_crc(tmp_path, monkeypatch, engine):
    """ISA-L (and the zlib fallback, where isal is not installed) inflates what zipfile wrote; the
    fast reader and the chunked reader give the member's bytes exactly, and a damaged member is
    refused by its CRC-32."""
    import zlib

    from xlar.book.xlsx import deflate

    if engine == "zlib":
        monkeypatch.setattr(deflate, "_fast", None)
        monkeypatch.setattr(deflate, "crc32", zlib.crc32)
    elif deflate._fast is None:
        pytest.skip("isal is not installed")

    payload = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i * 7) for i in range(1, 200_000))
    path = tmp_path / "z.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", payload)
    data = path.read_bytes()
    z = zipfile.ZipFile(path)
    assert deflate.read_member(z, data, "xl/worksheets/sheet1.xml") == payload
    assert b"".join(deflate.iter_member(z, data, "xl/worksheets/sheet1.xml", 1 << 16)) == payload
    comp = deflate.big_compressor()
    raw = comp.compress(payload) + comp.flush()
    assert deflate.inflate(raw) == payload and deflate.crc32(payload) == z.getinfo("xl/worksheets/sheet1.xml").CRC
    # the member's bytes against another CRC-32 in the central directory: refused, never returned
    bad = bytearray(data)
    cd = bad.index(b"PK\x01\x02")
    bad[cd + 16:cd + 20] = ((z.getinfo("xl/worksheets/sheet1.xml").CRC ^ 0x5A5A5A5A) & 0xFFFFFFFF).to_bytes(4, "little")
    with pytest.raises(zipfile.BadZipFile):
        deflate.read_member(zipfile.ZipFile(io.BytesIO(bytes(bad))), bytes(bad), "xl/worksheets/sheet1.xml")
    with pytest.raises(zipfile.BadZipFile):
        b"".join(deflate.iter_member(zipfile.ZipFile(io.BytesIO(bytes(bad))), bytes(bad),
                                     "xl/worksheets/sheet1.xml", 1 << 16))


def test_builtin_number_formats_are_the_spreadsheetml_table():
    """The part writer's copy of the built-in formats (so writing never imports openpyxl) is openpyxl's table."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS_REVERSE

    assert X._BUILTIN_FORMATS == BUILTIN_FORMATS_REVERSE
    assert X._BUILTIN_FORMATS["0.00"] == 2 and X._BUILTIN_FORMATS["mm-dd-yy"] == 14


def test_a_post_through_the_part_path_never_imports_openpyxl(make_book):
    """A run on the fast path (read, settle, write) loads neither openpyxl nor numpy: a second
    of start-up on a small book."""
    import subprocess
    import sys

    p = make_book()
    code = ("import sys; from xlar.book.commands import run_file; run_file(sys.argv[1], 'post', engine='parts'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_illegal_characters_are_openpyxls():
    """Both writers drop the same control characters from text as openpyxl does."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from xlar.book.files import ILLEGAL_CHARACTERS

    assert ILLEGAL_CHARACTERS.pattern == ILLEGAL_CHARACTERS_RE.pattern
    assert ILLEGAL_CHARACTERS.sub("", "a\x00b\x0bc\td\ne\x1f") == "abc\td\ne"
