"""Bankgirot's BgMax file (Sweden's incoming-payment file) to statement lines (issue 24).

BgMax is fixed-width, 80 characters a record, ISO 8859-1; the transaction code (``TK``)
is in positions 1-2. The records read (positions 1-based, inclusive, per Bankgirot's
*BgMax technical manual*):

==  ============  ==========================================================================
TK  record        fields
==  ============  ==========================================================================
01  start         3-22 layout name ``BGMAX``, 23-24 version, 25-44 written at, 45 ``P``/``T``
05  opening       3-12 payee bankgiro number, 13-22 plusgiro, 23-25 currency (one deposit)
20  payment       3-12 payer bankgiro, 13-37 reference, 38-55 amount in öre, 56 reference
                  code (2 = OCR reference), 57 channel, 58-69 BGC serial number, 70 image
21  deduction     as 20, the amount taken off the deposit; 71 deduction code
22  extra ref.    as 20: a further reference of the payment before it (23: a negative one)
25  information   3-52 free text of the payment
26  name          3-37 payer name, 38-72 extra name
29  org. number   3-14 payer's organisation number
15  deposit       3-37 payee bank account, 38-45 payment date, 46-50 deposit serial number,
                  51-68 deposit amount in öre, 69-71 currency, 72-79 number of payments
70  end           3-10 payment records, 11-18 deduction records, 19-26 extra reference
                  records, 27-34 deposit records
==  ============  ==========================================================================

One statement line per payment (TK20, with its 22/23 references, 25 texts and 26 name;
a TK21 deduction is a line of its own with the negative amount), dated the deposit's
payment date. Each deposit's payments must add up to its amount and count, and the end
record's counts must be the file's, else the file is refused (it is incomplete). The
import key is the payee's bankgiro number and the payment's BGC serial number, which
Bankgirot gives each payment once: the same payment in a second file is not imported
again. The statement number is ``BG<bankgiro>-<payment date>-<deposit serial>``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from xlar.book.bankfiles import Parsed, StatementError
from xlar.core.bank import StatementLine, import_key

_OCR = "2"


def _field(rec: str, a: int, b: int) -> str:
    return rec[a - 1:b].strip()


def parse_bgmax(data: bytes, name: str = "") -> Parsed:
    """A BgMax file's payments as statement lines; raises :class:`StatementError` for a damaged file."""
    text = data.decode("latin-1")
    records = [r.rstrip("\r") for r in text.split("\n") if r.strip()]
    if not records or not records[0].startswith("01BGMAX"):
        raise StatementError(f"{name}: not a BgMax file (the first record is not 01BGMAX)")
    out = Parsed(format="BgMax")
    bankgiro, currency = "", "SEK"
    deposit: list[dict] = []
    counts = {"20": 0, "21": 0, "22": 0, "15": 0}
    ended = False

    def amount(rec: str, no: int, a: int, b: int) -> Decimal:
        raw = _field(rec, a, b)
        if not raw.isdigit():
            raise StatementError(f"{name}: record {no} (TK{rec[:2]}), positions {a}-{b}: amount {raw!r} is not "
                                 "a whole number of öre")
        return Decimal(int(raw)) / 100

    for no, rec in enumerate(records, start=1):
        tk = rec[:2]
        if tk == "05":
            bankgiro, currency = _field(rec, 3, 12).lstrip("0"), _field(rec, 23, 25) or "SEK"
            deposit = []
        elif tk in ("20", "21"):
            counts[tk] += 1
            sign = 1 if tk == "20" else -1
            deposit.append({"amount": sign * amount(rec, no, 38, 55), "ref": _field(rec, 13, 37),
                            "ocr": rec[55:56] == _OCR, "serial": _field(rec, 58, 69), "payer_bg": _field(rec, 3, 12),
                            "texts": [], "name": "", "record": no})
        elif tk in ("22", "23"):
            counts["22"] += 1
            if not deposit:
                raise StatementError(f"{name}: record {no} (TK{tk}): an extra reference with no payment before it")
            ref = _field(rec, 13, 37)
            if ref:
                deposit[-1]["texts"].append(ref)
        elif tk == "25":
            if deposit and _field(rec, 3, 52):
                deposit[-1]["texts"].append(_field(rec, 3, 52))
        elif tk == "26":
            if deposit:
                deposit[-1]["name"] = " ".join(x for x in (_field(rec, 3, 37), _field(rec, 38, 72)) if x)
        elif tk == "15":
            counts["15"] += 1
            raw_day = _field(rec, 38, 45)
            try:
                day = date(int(raw_day[:4]), int(raw_day[4:6]), int(raw_day[6:8]))
            except ValueError:
                raise StatementError(f"{name}: record {no} (TK15), positions 38-45: payment date {raw_day!r} "
                                     "is not YYYYMMDD") from None
            serial = _field(rec, 46, 50)
            total = amount(rec, no, 51, 68)
            n_pay = _field(rec, 72, 79)
            got = sum((p["amount"] for p in deposit), Decimal(0))
            if got != total:
                raise StatementError(f"{name}: deposit {serial} of {raw_day} (record {no}): its payments add up to "
                                     f"{got:.2f}, but the deposit amount is {total:.2f}; the file is incomplete")
            pays = sum(1 for p in deposit if p["amount"] > 0)
            if n_pay.isdigit() and int(n_pay) != pays:
                raise StatementError(f"{name}: deposit {serial} of {raw_day} (record {no}): {pays} payments, but "
                                     f"the deposit record says {int(n_pay)}")
            st_no = f"BG{bankgiro}-{raw_day}-{serial}"
            for pos, p in enumerate(deposit, start=1):
                key = p["serial"] or f"{raw_day}:{serial}:{pos}"
                out.lines.append(StatementLine(
                    statement_no=st_no, line_no=pos, transaction_date=day, amount=p["amount"],
                    currency=_field(rec, 69, 71) or currency, payer_name=p["name"],
                    text=" ".join(([] if p["ocr"] else [p["ref"]]) + p["texts"]).strip(),
                    reference=p["ref"] if p["ocr"] else "", source_file=name, source_line=p["record"],
                    import_key=import_key(f"bgmax:{bankgiro}", key)))
            deposit = []
        elif tk == "70":
            ended = True
            expected = {"20": _field(rec, 3, 10), "21": _field(rec, 11, 18), "22": _field(rec, 19, 26),
                        "15": _field(rec, 27, 34)}
            for k, v in expected.items():
                if v.isdigit() and int(v) != counts[k]:
                    raise StatementError(f"{name}: the end record (TK70) counts {int(v)} TK{k} records, the file "
                                         f"holds {counts[k]}; the file is incomplete")
    if not ended:
        raise StatementError(f"{name}: no end record (TK70): the file is incomplete")
    if deposit:
        raise StatementError(f"{name}: payments after the last deposit record (TK15): the file is incomplete")
    return out
