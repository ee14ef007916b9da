"""A SEPA collection from the file to the bank reconciliation, on a real .xlsx, timed per command.

One workbook with N customers, each with a signed recurring mandate and one invoice due on
the collection date; then, through the same functions as the ``xlar`` commands:

1. ``collect``: ``xlar sepa --collection-date`` (N debits, the pain.008 file);
2. ``confirm``: ``xlar sepa --confirm DD0001`` (N payments posted, N open BankLedger entries);
3. ``import``: ``xlar import-statement`` of a CAMT.053 whose one batch entry credits the
   whole collection (``Btch/MsgId`` = DD0001);
4. ``match``, 5. ``accept`` (the line is linked to the N entries, nothing posted),
6. ``reconcile`` (one line against N entries: difference 0.00, the entries closed).

Per step wall and CPU seconds (``time.process_time``; the box is shared), and checks that the
figures are right: N BankLedger entries adding up to the statement line, nothing posted by
``accept``, reconcile complete with difference 0.

``python bench/sepa_bank.py [--debits 1000,10000] [--json]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xlar.book.bank import run_bank_file
from xlar.book.sepa import run_sepa_file

DAY = date(2026, 1, 30)


def build(path: Path, n: int, seed: int = 5) -> Decimal:
    """The workbook; returns the collection's total."""
    rnd = random.Random(seed)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    sheets = {
        "Settings": [["Setting", "Value"], ["Company Currency", "EUR"], ["Application Method", "Manual"]],
        "SEPASetup": [["Setting", "Value"], ["Creditor Name", "Cronus AG"],
                      ["Creditor Identifier", "DE98ZZZ09999999999"], ["Creditor IBAN", "DE02120300000000202051"],
                      ["Creditor BIC", "BYLADEM1001"]],
    }
    customers = [["Customer No.", "Name"]]
    ledger = [["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Due Date"]]
    mandates = [["Mandate ID", "Customer No.", "IBAN", "BIC", "Type", "Signature Date", "Valid From",
                 "Expected Number of Debits", "Debits Made"]]
    total = Decimal(0)
    for i in range(1, n + 1):
        c = f"C{i:06d}"
        amount = Decimal(rnd.randrange(2000, 500000)) / 100
        total += amount
        customers.append([c, f"Customer {i}"])
        ledger.append([c, date(2025, 12, 31), "Invoice", f"INV-{i:06d}", float(amount), DAY])
        mandates.append([f"M-{i:06d}", c, "DE89370400440532013000", "COBADEFFXXX", "Recurring", date(2025, 1, 2),
                         date(2025, 1, 2), None, rnd.randrange(0, 5)])
    sheets.update(Customers=customers, Ledger=ledger, Mandates=mandates)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return total


def statement(path: Path, total: Decimal) -> Path:
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
  <GrpHdr><MsgId>S1</MsgId><CreDtTm>2026-01-30T18:00:00</CreDtTm></GrpHdr>
  <Stmt><Id>S-1</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id><Ccy>EUR</Ccy></Acct>
    <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <Dt><Dt>2026-01-30</Dt></Dt></Bal>
    <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <Dt><Dt>2026-01-30</Dt></Dt></Bal>
    <Ntry><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>2026-01-30</Dt></BookgDt><ValDt><Dt>2026-01-30</Dt></ValDt>
      <NtryDtls><Btch><MsgId>DD0001</MsgId></Btch></NtryDtls><AddtlNtryInf>SEPA SAMMLER</AddtlNtryInf>
    </Ntry>
  </Stmt></BkToCstmrStmt></Document>""", encoding="utf-8")
    return path


def run(n: int) -> dict[str, object]:
    out: dict[str, object] = {"debits": n}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        book = folder / "book.xlsx"
        total = build(book, n)
        out["total"] = str(total)
        steps = [
            ("collect", lambda: run_sepa_file(book, collection_date=DAY, xml_out=folder / "dd.xml")),
            ("confirm", lambda: run_sepa_file(book, confirm_id="DD0001")),
            ("import", lambda: run_bank_file(book, "import-statement", file=statement(folder / "s.xml", total))),
            ("match", lambda: run_bank_file(book, "match")),
            ("accept", lambda: run_bank_file(book, "accept")),
            ("reconcile", lambda: run_bank_file(book, "reconcile", statement_no="S-1")),
        ]
        for label, step in steps:
            w, c = time.perf_counter(), time.process_time()
            o = step()
            out[f"{label}_s"] = round(time.perf_counter() - w, 2)
            out[f"{label}_cpu_s"] = round(time.process_time() - c, 2)
            out[f"{label}_result"] = o.result
            if o.exit_code:
                raise SystemExit(f"{label} failed: {o.result} {[i.problem for i in o.issues][:5]}")
        wb = openpyxl.load_workbook(book, read_only=True)
        rows = list(wb["BankLedger"].iter_rows(min_row=2, values_only=True))
        journal = sum(1 for _ in wb["Journal"].iter_rows(min_row=2))
        wb.close()
        assert len(rows) == n and journal == n, (len(rows), journal)
        assert sum(Decimal(str(r[4])) for r in rows) == total
        assert all(r[5] is False for r in rows)  # closed by the reconciliation
        assert "difference 0.00" in str(out["reconcile_result"])
    out["load_average"] = os.getloadavg()[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--debits", default="1000,10000")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    for n in (int(x) for x in args.debits.split(",")):
        r = run(n)
        if args.json:
            print(json.dumps(r))
            continue
        print(f"{n} debits, collection {r['total']} EUR, load {r['load_average']:.1f}")
        for label in ("collect", "confirm", "import", "match", "accept", "reconcile"):
            print(f"  {label:<10} {r[f'{label}_s']:>7.2f} s wall {r[f'{label}_cpu_s']:>7.2f} s CPU  "
                  f"{r[f'{label}_result']}")


if __name__ == "__main__":
    main()
