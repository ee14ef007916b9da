"""Bank statement files to statement lines: CAMT.053 (lxml), MT940 (mt-940), BAI2 (bai2), OFX
(ofxtools) and CSV/XLSX by profile.

Every parser returns a :class:`Parsed`: the lines (with the file name and the line's
position in the file), the statement balances, and problems as text. Nothing here knows
workbook sheets; :mod:`xlar.book.bank` puts the lines on ``BankStatement``.

- **CAMT.053**: any version (``camt.053.001.02`` ... ``.13``); elements are found by local
  name, so the namespace version does not matter. One line per transaction detail
  (``TxDtls``) of a batch entry, else per entry (a batch without details takes its
  ``Btch/PmtInfId``, else ``MsgId``, as reference: a SEPA collection). Opening
  (``OPBD``/``PRCD``) plus the entries must equal the closing balance (``CLBD``), else
  the statement is refused.
- **MT940**: parsed by the ``mt-940`` package; ``:86:`` sub-fields ``?20``-``?29`` and
  ``?60``-``?63`` (purpose), ``?31`` (IBAN), ``?32``/``?33`` (name) are read when present.
  Opening plus entries must equal the closing balance, per statement: a file holding several
  statements (chained balances) is split at each ``:20:`` and every statement checked on its own.
- **BAI2** (US cash management): parsed by the ``bai2`` package with its integrity checks
  (record counts and control totals of every account, group and file). One line per
  transaction detail (``16``, with its ``88`` continuations), signed by its type code
  (credit/debit), dated the group's as-of date, amounts in the currency's minor units.
  Opening ledger (``010``) plus the details must equal the closing ledger (``015``).
- **OFX** 1.x (SGML) and 2.x (XML), parsed by ``ofxparse`` (MIT; ``ofxtools`` is GPL): one
  line per ``STMTTRN``, the payer from ``NAME``/``PAYEE``, the text from ``MEMO``, the
  reference from ``CHECKNUM``. OFX gives only the closing ``LEDGERBAL``; the opening balance is taken as
  the closing balance less the statement's lines, so no balance check is possible.
- **CSV / XLSX**: columns named by a :class:`Profile` (a row of the ``BankProfiles`` sheet),
  or found by common header names when no profile is given.

The import key of a line is its statement's identity (account + statement id for CAMT
and MT940, account + as-of date for BAI2, account for OFX, the file's digest for CSV)
and the line's position (for BAI2 and OFX the bank's own transaction reference, ``FITID``
or the bank reference, with its occurrence number when a file repeats one), so the same
statement imported twice adds nothing, while two identical transactions in one file both
stay.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from xlar.book.cells import CELL_TEXT_MAX
from xlar.core.bank import StatementLine, import_key
from xlar.core.money import EXCEL_DIGITS, exponent, fits_excel, to_money

_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b")


class StatementError(Exception):
    """A statement file xlar cannot read (not a bank file, balances that do not add up)."""


@dataclass(slots=True)
class Parsed:
    lines: list[StatementLine] = field(default_factory=list)
    format: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """How to read one bank's CSV/XLSX export (a row of ``BankProfiles``).

    Column fields name the file's headers (case and punctuation ignored); ``text`` may
    name several, separated by ``;``, which are joined. ``debit``/``credit`` replace
    ``amount`` for banks that split them.
    """

    name: str = "default"
    delimiter: str = ""  # blank: sniffed
    decimal: str = "."
    thousands: str = ""
    date_format: str = "%Y-%m-%d"
    skip_rows: int = 0
    encoding: str = "utf-8-sig"
    date: str = "Date"
    amount: str = "Amount"
    debit: str = ""
    credit: str = ""
    currency: str = "Currency"
    payer_name: str = "Payer Name"
    payer_iban: str = "Payer IBAN"
    text: str = "Transaction Text"
    reference: str = "Reference"
    statement_no: str = ""  # a column; blank: the --statement option or the file name
    default_currency: str = ""


#: header names tried when a column of the profile is not in the file
SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("date", "bookingdate", "transactiondate", "valuedate", "buchungstag", "datum", "valuta"),
    "amount": ("amount", "betrag", "value", "umsatz"),
    "currency": ("currency", "ccy", "wahrung", "wahrung"),
    "payer_name": ("payername", "name", "payer", "counterparty", "beguenstigterzahlungspflichtiger",
                   "auftraggeber", "relatedpartyname"),
    "payer_iban": ("payeriban", "iban", "counterpartyiban", "kontonummeriban", "relatedpartybankaccno"),
    "text": ("transactiontext", "text", "description", "verwendungszweck", "purpose", "remittanceinformation",
             "details"),
    "reference": ("reference", "endtoendid", "endtoendreference", "kundenreferenz", "ref"),
}


def _norm(text: object) -> str:
    return re.sub(r"[^a-z0-9]+", "", str(text or "").lower())


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def detect(path: Path, data: bytes) -> str:
    """``camt``, ``mt940``, ``bai2``, ``ofx``, ``bgmax``, ``xlsx`` or ``csv``, from the content first, then the suffix."""
    head = data[:4096].lstrip().removeprefix(b"\xef\xbb\xbf")
    if head.startswith(b"01BGMAX"):
        return "bgmax"
    if head.startswith(b"OFXHEADER") or re.search(rb"<\?OFX\b|<OFX>", head, re.IGNORECASE):
        return "ofx"
    if head.startswith(b"<"):
        return "camt"
    if re.match(rb"01,[^,\r\n]*,[^,\r\n]*,\d{6},", head):
        return "bai2"
    if data[:2] == b"PK":
        return "xlsx"
    text = head.decode("latin-1")
    if re.search(r"^:20:", text, re.MULTILINE) and re.search(r"^:6[01][FM]:", text, re.MULTILINE):
        return "mt940"
    if path.suffix.lower() in (".sta", ".mt940", ".940"):
        return "mt940"
    return "csv"


def parse_file(path: Path, *, profile: Profile | None = None, statement_no: str = "",
               currency: str = "EUR") -> Parsed:
    """Read a statement file; raises :class:`StatementError` for a file that is not one."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StatementError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    return parse_data(data, path.name, profile=profile, statement_no=statement_no, currency=currency)


def parse_data(data: bytes, name: str, *, profile: Profile | None = None, statement_no: str = "",
               currency: str = "EUR") -> Parsed:
    """A statement's bytes (a file's, or text pasted into a sheet) named ``name``: the format from the
    content (then the name's suffix); a CSV's statement number defaults to the name's stem."""
    path = Path(name)
    kind = detect(path, data)
    if kind == "camt":
        p = parse_camt(data, path.name, currency=currency)
    elif kind == "mt940":
        p = parse_mt940(data, path.name, currency=currency)
    elif kind == "bai2":
        p = parse_bai2(data, path.name, currency=currency)
    elif kind == "ofx":
        p = parse_ofx(data, path.name, currency=currency)
    elif kind == "bgmax":
        from xlar.book.bgmax import parse_bgmax  # Bankgirot's incoming payments (issue 24)

        p = parse_bgmax(data, path.name)
    else:
        p = parse_table(data, path.name, kind, profile or Profile(), statement_no=statement_no or path.stem,
                        currency=currency)
    return p


# --------------------------------------------------------------------------- pasted into a sheet

def _cell_text(v: object) -> str:
    """A pasted cell as the text it came from (Excel turned numbers and dates into values)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


_TEXT_START = re.compile(r"^\s*(<|OFXHEADER|:20:|\{1:|01,)")


def from_cells(cells: list[list[object]]) -> tuple[bytes | None, list[list[object]] | None, str]:
    """A statement pasted into a sheet: (its text as bytes, None, digest) when it is text (XML, MT940, BAI2,
    OFX, or CSV lines in one column; cells a tab split into columns are joined with tabs again), or (None,
    its rows, digest) when it is a table (a CSV or sheet pasted as columns); (None, None, "") when empty."""
    rows = [list(r) for r in cells]
    for r in rows:
        while r and (r[-1] is None or r[-1] == ""):
            r.pop()
    while rows and not rows[-1]:
        rows.pop()
    while rows and not rows[0]:
        rows.pop(0)
    if not rows:
        return None, None, ""
    first = next(_cell_text(v) for r in rows for v in r if v not in (None, ""))
    width = max(len(r) for r in rows)
    if width == 1 or _TEXT_START.match(first):
        text = "".join("\t".join(_cell_text(v) for v in r) + "\n" for r in rows).encode("utf-8")
        return text, None, digest(text)
    return None, rows, digest(repr(rows).encode())


def parse_cells(rows: list[list[object]], name: str, *, profile: Profile | None = None, statement_no: str = "",
                currency: str = "EUR") -> Parsed:
    """A statement pasted as a table (its header row first): the CSV / XLSX reader on the cells."""
    return parse_table(repr(rows).encode(), name, "cells", profile or Profile(),
                       statement_no=statement_no or Path(name).stem, currency=currency, rows=rows)


def check_balances(label: str, opening: Decimal | None, lines: list[StatementLine], closing: Decimal | None,
                   words: tuple[str, str, str] = ("opening balance", "entries", "closing balance")) -> None:
    """Refuse a statement whose opening balance plus its lines is not its closing balance."""
    if opening is None or closing is None:
        return
    moved = sum((ln.amount for ln in lines), Decimal(0))
    if opening + moved != closing:
        raise StatementError(f"{label}: {words[0]} {opening} + {words[1]} {moved} = {opening + moved}, but the "
                             f"{words[2]} is {closing}; the file is incomplete or damaged")


# --------------------------------------------------------------------------- CAMT.053

def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _kids(el: object, name: str) -> list:
    return [c for c in el if _local(c.tag) == name]  # type: ignore[attr-defined]


def _at(el: object, *path: str) -> object | None:
    cur = el
    for name in path:
        if cur is None:
            return None
        found = _kids(cur, name)
        cur = found[0] if found else None
    return cur


def _txt(el: object, *path: str) -> str:
    node = _at(el, *path)
    return (node.text or "").strip() if node is not None else ""  # type: ignore[attr-defined]


def _camt_date(el: object, *path: str) -> date | None:
    node = _at(el, *path)
    if node is None:
        return None
    d = _txt(node, "Dt") or _txt(node, "DtTm")
    try:
        return date.fromisoformat(d[:10]) if d else None
    except ValueError:
        return None


def money_of(value: object, cur: str) -> Decimal:
    """A statement amount as money of ``cur``; ValueError for NaN, infinity, garbage and amounts
    with more than Excel's 15 significant digits (they would not come back as imported)."""
    try:
        d = to_money(value, cur)
    except ArithmeticError:  # more digits than the decimal context holds (1e30, 29 digits)
        raise ValueError(f"{value!s:.40} is too large for an amount") from None
    except ValueError:
        raise ValueError(f"{value!s:.40} is not an amount") from None
    if not fits_excel(d):
        raise ValueError(f"{value!s:.40} has more than {EXCEL_DIGITS} significant digits (Excel keeps {EXCEL_DIGITS})")
    return d


def _signed(el: object, cur: str) -> Decimal:
    amt = _at(el, "Amt")
    text = (amt.text or "0").strip() if amt is not None else ""  # type: ignore[union-attr]
    value = money_of(text, cur)
    return -value if _txt(el, "CdtDbtInd") == "DBIT" else value


def _party(tx: object, role: str) -> tuple[str, str, str]:
    rp = _at(tx, "RltdPties")
    if rp is None:
        return "", "", ""
    who = _at(rp, role)
    pty = _at(who, "Pty") if who is not None and _at(who, "Pty") is not None else who
    name = _txt(pty, "Nm") if pty is not None else ""
    addr = ""
    if pty is not None and _at(pty, "PstlAdr") is not None:
        a = _at(pty, "PstlAdr")
        parts = [_txt(a, "StrtNm"), _txt(a, "BldgNb"), _txt(a, "PstCd"), _txt(a, "TwnNm")]
        parts += [(x.text or "").strip() for x in _kids(a, "AdrLine")]  # type: ignore[arg-type]
        addr = " ".join(p for p in parts if p)
    iban = _txt(rp, role + "Acct", "Id", "IBAN") or _txt(rp, role + "Acct", "Id", "Othr", "Id")
    return name, iban, addr


def parse_camt(data: bytes, name: str = "", *, currency: str = "EUR") -> Parsed:
    from lxml import etree  # I/O library: book layer only

    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise StatementError(f"{name}: not an XML file: {exc}") from exc
    ns = etree.QName(root).namespace or ""
    if "camt.053" not in ns and _at(root, "BkToCstmrStmt") is None:
        raise StatementError(f"{name}: not a CAMT.053 statement (namespace {ns or 'none'})")
    out = Parsed(format="CAMT.053 " + ns.rsplit(":", 1)[-1] if ns else "CAMT.053")
    stmts = _kids(_at(root, "BkToCstmrStmt"), "Stmt") if _at(root, "BkToCstmrStmt") is not None else []
    position = 0
    for st in stmts:
        st_id = _txt(st, "Id") or _txt(st, "ElctrncSeqNb")
        account = _txt(st, "Acct", "Id", "IBAN") or _txt(st, "Acct", "Id", "Othr", "Id")
        cur = _txt(st, "Acct", "Ccy") or currency
        opening = closing = None
        for bal in _kids(st, "Bal"):
            code = _txt(bal, "Tp", "CdOrPrtry", "Cd")
            try:
                if code in ("OPBD", "PRCD") and opening is None:
                    opening = _signed(bal, cur)
                elif code == "CLBD":
                    closing = _signed(bal, cur)
            except ValueError as exc:
                raise StatementError(f"{name}: statement {st_id}, balance {code} (line {bal.sourceline}): {exc}") \
                    from None
        lines: list[StatementLine] = []
        bad = False  # a line left out: the balances cannot add up, the problems say why
        for ntry in _kids(st, "Ntry"):
            if _txt(ntry, "RvslInd").lower() == "true":
                pass  # a reversal is still a booked movement: kept, with its sign
            status = _txt(ntry, "Sts") or _txt(ntry, "Sts", "Cd")
            if status and status not in ("BOOK",):
                continue  # pending / information entries are not on the statement balance
            amt_el = _at(ntry, "Amt")
            try:
                ntry_amt = _signed(ntry, amt_el.get("Ccy", cur) if amt_el is not None else cur)  # type: ignore
            except ValueError as exc:
                position += 1
                out.problems.append(f"{name}: statement {st_id} entry {position} (line {ntry.sourceline}): {exc}")
                bad = True
                continue
            day = _camt_date(ntry, "BookgDt") or _camt_date(ntry, "ValDt")
            txs = [tx for d in _kids(ntry, "NtryDtls") for tx in _kids(d, "TxDtls")]
            extra = _txt(ntry, "AddtlNtryInf")
            for tx in txs or [None]:
                position += 1
                amount = ntry_amt
                if tx is not None and len(txs) > 1 and _at(tx, "Amt") is not None:
                    try:
                        value = money_of((_at(tx, "Amt").text or "0").strip(), cur)  # type: ignore[union-attr]
                    except ValueError as exc:
                        out.problems.append(f"{name}: statement {st_id} entry {position} (line {tx.sourceline}): "
                                            f"{exc}")
                        bad = True
                        continue
                    amount = value if ntry_amt >= 0 else -value
                role = "Dbtr" if amount >= 0 else "Cdtr"
                payer, iban, addr = _party(tx, role) if tx is not None else ("", "", "")
                texts = [(u.text or "").strip() for u in _kids(_at(tx, "RmtInf"), "Ustrd")] \
                    if tx is not None and _at(tx, "RmtInf") is not None else []
                ref = ""
                if tx is not None:
                    ref = _txt(tx, "RmtInf", "Strd", "CdtrRefInf", "Ref")
                    e2e = _txt(tx, "Refs", "EndToEndId")
                    if not ref and e2e and e2e.upper() != "NOTPROVIDED":
                        ref = e2e
                    add = _txt(tx, "AddtlTxInf")
                    if add:
                        texts.append(add)
                else:  # a batch booked as one amount: the creditor's payment information or message id
                    ref = _txt(ntry, "NtryDtls", "Btch", "PmtInfId") or _txt(ntry, "NtryDtls", "Btch", "MsgId")
                if extra and not texts:
                    texts.append(extra)
                if day is None:
                    out.problems.append(f"{name}: statement {st_id} entry {position} has no booking date")
                    continue
                lines.append(StatementLine(
                    statement_no=st_id, line_no=len(lines) + 1, transaction_date=day, amount=amount,
                    currency=cur, payer_name=payer, payer_iban=iban, payer_address=addr,
                    text=" ".join(t for t in texts if t), reference=ref, source_file=name, source_line=position,
                    import_key=import_key(f"camt:{account}:{st_id}", len(lines) + 1),
                    opening_balance=opening, ending_balance=closing))
        if not bad:
            check_balances(f"{name}: statement {st_id}", opening, lines, closing)
        out.lines.extend(lines)
    if not stmts:
        raise StatementError(f"{name}: the CAMT file holds no statement (Stmt)")
    return out


# --------------------------------------------------------------------------- MT940

_SUB = re.compile(r"\?(\d{2})")


def _mt86(details: str) -> tuple[str, str, str]:
    """(text, payer name, IBAN) of an ``:86:`` field, German ``?nn`` sub-fields when present."""
    details = details.replace("\n", "").replace("\r", "")
    if "?" not in details:
        m = _IBAN.search(details.upper())
        return details.strip(), "", m.group(1).replace(" ", "") if m else ""
    parts = _SUB.split(details)
    fields: dict[str, list[str]] = {}
    for code, value in zip(parts[1::2], parts[2::2]):
        fields.setdefault(code, []).append(value)
    purpose = "".join(v for c in [f"{n:02d}" for n in list(range(20, 30)) + list(range(60, 64))]
                      for v in fields.get(c, []))
    name = "".join(fields.get("32", []) + fields.get("33", []))
    iban = "".join(fields.get("31", [])).strip()
    return purpose.strip(), name.strip(), iban


def _short(exc: BaseException) -> str:
    """A parser's complaint in one short line (mt-940 puts its whole regular expression in it)."""
    text = re.sub(r"<[\w.]*?(\w+) object at 0x[0-9a-fA-F]+>", r"\1", " ".join(str(exc).split()))
    if "re.compile" in text or len(text) > 120:
        text = text[:120].rsplit(" ", 1)[0] + " ..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_MT940_STATEMENT = re.compile(r"(?m)^(?=:20:)")


def _mt940_statements(text: str, name: str, currency: str) -> Parsed:
    """A file holding several MT940 statements (chained balances, issue 24): each read and its balances
    checked on its own; a statement number that repeats gets ``-2``, ``-3`` so import keys stay apart."""
    out = Parsed(format="MT940")
    seen: dict[str, int] = {}
    for chunk in (c for c in _MT940_STATEMENT.split(text) if c.startswith(":20:")):
        part = parse_mt940(chunk.encode("utf-8"), name, currency=currency, single=True)
        no = part.lines[0].statement_no if part.lines else ""
        seen[no] = seen.get(no, 0) + 1
        if no and seen[no] > 1:
            part.lines = [replace(ln, statement_no=f"{no}-{seen[no]}",
                                  import_key=f"{ln.import_key}-{seen[no]}") for ln in part.lines]
        out.lines.extend(part.lines)
        out.problems.extend(part.problems)
    return out


def parse_mt940(data: bytes, name: str = "", *, currency: str = "EUR", single: bool = False) -> Parsed:
    import mt940  # I/O parser: book layer only

    text = data.decode("utf-8", errors="replace") if b"\x00" not in data else ""
    if not single and len(re.findall(r"(?m)^:20:", text)) > 1:
        return _mt940_statements(text, name, currency)
    quiet = logging.getLogger("mt940")  # it logs each regular expression that did not match, as errors
    level = quiet.level
    quiet.setLevel(logging.CRITICAL + 1)  # its tag loggers inherit the level
    try:
        t = mt940.models.Transactions(processors={"post_transaction_details": []})  # raw :86:, parsed here
        t.parse(text)
    except Exception as exc:
        raise StatementError(f"{name}: not an MT940 statement xlar can read ({_short(exc)})") from exc
    finally:
        quiet.setLevel(level)
    out = Parsed(format="MT940")
    # mt-940 flattens the statements of a file; group transactions by their statement number
    st_no = str(t.data.get("statement_number") or t.data.get("transaction_reference") or "1")
    account = str(t.data.get("account_identification") or "")
    opening = t.data.get("final_opening_balance") or t.data.get("opening_balance")
    closing = t.data.get("final_closing_balance") or t.data.get("closing_balance")
    try:
        op = money_of(opening.amount.amount, currency) if opening is not None else None
        cl = money_of(closing.amount.amount, currency) if closing is not None else None
    except ValueError as exc:
        raise StatementError(f"{name}: statement {st_no}, a balance: {exc}") from None
    bad = False
    for pos, tr in enumerate(t, start=1):
        d = tr.data
        try:
            amount = money_of(d["amount"].amount, d.get("currency") or currency)
        except (ValueError, KeyError, AttributeError) as exc:
            out.problems.append(f"{name}: statement {st_no} transaction {pos}: {exc}")
            bad = True
            continue
        txt, payer, iban = _mt86(str(d.get("transaction_details") or ""))
        ref = str(d.get("customer_reference") or "")
        if ref.upper() == "NONREF":
            ref = ""
        day = d.get("date")
        out.lines.append(StatementLine(
            statement_no=st_no, line_no=pos, transaction_date=date(day.year, day.month, day.day),
            amount=amount, currency=str(d.get("currency") or currency), payer_name=payer, payer_iban=iban,
            text=txt, reference=ref, source_file=name, source_line=pos,
            import_key=import_key(f"mt940:{account}:{st_no}", pos), opening_balance=op, ending_balance=cl))
    if not out.lines and op is None and not bad:
        raise StatementError(f"{name}: no MT940 statement found")
    if not bad:
        check_balances(f"{name}: statement {st_no}", op, out.lines, cl)
    return out


# --------------------------------------------------------------------------- BAI2

def _occurrence_key(seen: dict[str, int], ref: str, position: int) -> str:
    """The bank's reference, numbered when one file repeats it; the position when there is none."""
    if not ref:
        return f"#{position}"
    seen[ref] = seen.get(ref, 0) + 1
    return ref if seen[ref] == 1 else f"{ref}#{seen[ref]}"


def parse_bai2(data: bytes, name: str = "", *, currency: str = "USD") -> Parsed:
    from bai2 import bai2
    from bai2.constants import TypeCodeTransaction
    from bai2.exceptions import IntegrityException, NotSupportedYetException, ParsingException

    try:
        doc = bai2.parse_from_string(data.decode("latin-1"), check_integrity=True)
    except IntegrityException as exc:
        raise StatementError(f"{name}: the BAI2 file's totals do not add up ({exc}); the file is incomplete "
                             f"or damaged") from exc
    except (ParsingException, NotSupportedYetException, ValueError, IndexError, AttributeError) as exc:
        raise StatementError(f"{name}: not a BAI2 file xlar can read: {exc}") from exc
    out = Parsed(format="BAI2")
    position = 0
    for group in doc.children:
        as_of = group.header.as_of_date
        for acct in group.children:
            number = str(acct.header.customer_account_number or "")
            cur = str(acct.header.currency or group.header.currency or currency)
            q = Decimal(1).scaleb(-exponent(cur))
            balances = {s.type_code.code: s.amount for s in acct.header.summary_items
                        if s.type_code is not None and s.amount is not None}
            opening = Decimal(balances["010"]) * q if "010" in balances else None
            closing = Decimal(balances["015"]) * q if "015" in balances else None
            st_no = f"{number}-{as_of:%Y%m%d}"
            seen: dict[str, int] = {}
            lines: list[StatementLine] = []
            for tx in acct.children:
                position += 1
                kind = tx.type_code.transaction if tx.type_code is not None else None
                if kind not in (TypeCodeTransaction.credit, TypeCodeTransaction.debit):
                    out.problems.append(f"{name}: {st_no} detail {position} has type code "
                                        f"{getattr(tx.type_code, 'code', '?')}, neither a credit nor a debit: left out")
                    continue
                amount = Decimal(tx.amount or 0) * q
                if kind is TypeCodeTransaction.debit:
                    amount = -amount
                ref = str(tx.bank_reference or "")
                lines.append(StatementLine(
                    statement_no=st_no, line_no=len(lines) + 1, transaction_date=as_of, amount=amount,
                    currency=cur, text=" ".join(str(tx.text or "").replace(",", " ").split()),
                    reference=str(tx.customer_reference or ""), source_file=name, source_line=position,
                    import_key=import_key(f"bai2:{number}:{as_of:%Y%m%d}", _occurrence_key(seen, ref, position)),
                    opening_balance=opening, ending_balance=closing))
            check_balances(f"{name}: account {number} as of {as_of}", opening, lines, closing,
                           words=("opening ledger", "details", "closing ledger"))
            out.lines.extend(lines)
    if not out.lines and not doc.children:
        raise StatementError(f"{name}: the BAI2 file holds no group")
    return out


# --------------------------------------------------------------------------- OFX

def parse_ofx(data: bytes, name: str = "", *, currency: str = "USD") -> Parsed:
    import warnings

    import ofxparse

    try:
        with warnings.catch_warnings():  # ofxparse calls BeautifulSoup 3 names that bs4 deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            doc = ofxparse.OfxParser.parse(io.BytesIO(data))
    except Exception as exc:  # ofxparse raises its own errors and ValueError/KeyError/... for bad files
        raise StatementError(f"{name}: not an OFX statement xlar can read: {exc}") from exc
    out = Parsed(format="OFX")
    accounts = [a for a in (getattr(doc, "accounts", None) or ()) if getattr(a, "statement", None) is not None]
    if not accounts:
        raise StatementError(f"{name}: the OFX file holds no bank or card statement")
    for account in accounts:
        st = account.statement
        cur = str(getattr(st, "currency", "") or currency).upper()
        acct = str(account.account_id or "")
        end = getattr(st, "end_date", None)
        st_no = f"{acct}-{end:%Y%m%d}" if end else acct
        seen: dict[str, int] = {}
        lines: list[StatementLine] = []
        for pos, tx in enumerate(st.transactions, start=1):
            lines.append(StatementLine(
                statement_no=st_no, line_no=len(lines) + 1, transaction_date=tx.date.date(),
                amount=to_money(tx.amount, cur), currency=cur, payer_name=" ".join(str(tx.payee or "").split()),
                text=" ".join(str(tx.memo or "").split()), reference=str(tx.checknum or ""),
                source_file=name, source_line=pos,
                import_key=import_key(f"ofx:{acct}", _occurrence_key(seen, str(tx.id or ""), pos))))
        balance = getattr(st, "balance", None)
        closing = to_money(balance, cur) if balance is not None else None
        opening = closing - sum((ln.amount for ln in lines), Decimal(0)) if closing is not None else None
        out.lines.extend(replace(ln, opening_balance=opening, ending_balance=closing) for ln in lines)
    return out


# --------------------------------------------------------------------------- CSV / XLSX

def _rows(data: bytes, kind: str, p: Profile) -> list[list[object]]:
    if kind == "xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)][p.skip_rows:]
        finally:
            wb.close()
    text = data.decode(p.encoding or "utf-8-sig", errors="replace")
    lines = text.splitlines()[p.skip_rows:]
    delim = p.delimiter
    if not delim:
        try:
            delim = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t|").delimiter
        except csv.Error:
            delim = ","
    rows: list[list[object]] = []
    reader = csv.reader(lines, delimiter=delim)
    while True:
        try:
            rows.append(list(next(reader)))
        except StopIteration:
            return rows
        except csv.Error as exc:  # a field over csv's limit (131,072 characters), a stray NUL ...
            rows.append(_BadRow(str(exc)))


class _BadRow(list):  # type: ignore[type-arg]
    """A CSV line the csv module refused; parse_table reports it as a problem of that line."""

    def __init__(self, problem: str) -> None:
        super().__init__()
        self.problem = problem


def _number(value: object, p: Profile) -> Decimal:
    """The amount in a CSV/XLSX cell (unrounded; :func:`money_of` checks it)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and value - value != 0:
            raise ValueError(f"{value!r} is not an amount")
        return Decimal(repr(value))
    s = str(value or "").strip().replace("\u00a0", "").replace(" ", "")
    if p.thousands:
        s = s.replace(p.thousands, "")
    if p.decimal and p.decimal != ".":
        s = s.replace(p.decimal, ".")
    neg = s.endswith("-") or (s.startswith("(") and s.endswith(")"))
    s = s.strip("()-+") if neg else s
    try:
        v = Decimal(s)
    except InvalidOperation:
        raise ValueError(f"{value!s:.40} is not an amount") from None
    if not v.is_finite():
        raise ValueError(f"{value!s:.40} is not an amount")
    return -v if neg else v


def _date(value: object, p: Profile) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value or "").strip()
    for fmt in (p.date_format, "%Y-%m-%d"):
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date in the format {p.date_format}")


def parse_table(data: bytes, name: str, kind: str, p: Profile, *, statement_no: str,
                currency: str = "EUR", rows: list[list[object]] | None = None) -> Parsed:
    rows = _rows(data, kind, p) if rows is None else rows[p.skip_rows:]
    if not rows:
        raise StatementError(f"{name}: the file is empty")
    header = [_norm(h) for h in rows[0]]

    def col(field_name: str, *, required: bool = False) -> list[int]:
        given = getattr(p, field_name)
        wanted = [_norm(x) for x in str(given).split(";") if x.strip()] if given else []
        pos = [header.index(w) for w in wanted if w in header]
        if not pos:
            pos = next(([header.index(w)] for w in SYNONYMS.get(field_name, ()) if w in header), [])
        if required and not pos:
            raise StatementError(f"{name}: no {given or field_name!r} column (profile {p.name!r}); "
                                 f"the file has {', '.join(str(h) for h in rows[0])}")
        return pos

    c_date = col("date", required=True)
    c_debit, c_credit = (col("debit"), col("credit")) if p.debit and p.credit else ([], [])
    c_amount = [] if c_debit else col("amount", required=True)
    c_cur, c_name, c_iban = col("currency"), col("payer_name"), col("payer_iban")
    c_text, c_ref = col("text"), col("reference")
    c_stmt = col("statement_no") if p.statement_no else []
    file_key = digest(data)
    out = Parsed(format=f"{kind.upper()} ({p.name})")
    counters: dict[str, int] = {}

    def cell(r: list[object], pos: list[int]) -> str:
        return " ".join(str(r[i]).strip() for i in pos if i < len(r) and r[i] not in (None, "")).strip()

    def amount_of(r: list[object], pos: list[int]) -> object:
        """A number cell (XLSX, a pasted table) as it is: its text would meet the profile's separators."""
        if len(pos) == 1 and pos[0] < len(r) and isinstance(r[pos[0]], (int, float)) \
                and not isinstance(r[pos[0]], bool):
            return r[pos[0]]
        return cell(r, pos)

    for n, r in enumerate(rows[1:], start=2 + p.skip_rows):
        if isinstance(r, _BadRow):
            out.problems.append(f"{name} line {n}: cannot be read ({r.problem})")
            continue
        if not any(v not in (None, "") for v in r):
            continue
        try:
            day = _date(r[c_date[0]] if c_date[0] < len(r) else None, p)
            if c_debit:
                deb = amount_of(r, c_debit)
                cre = amount_of(r, c_credit)
                amount = (_number(cre, p) if cre not in ("", None) else Decimal(0)) - (
                    abs(_number(deb, p)) if deb not in ("", None) else Decimal(0))
            else:
                amount = _number(amount_of(r, c_amount), p)
            cur = (cell(r, c_cur) or p.default_currency or currency).upper()
            money = money_of(amount, cur)
            long = max((len(str(v)) for v in r if isinstance(v, str)), default=0)
            if long > CELL_TEXT_MAX:
                raise ValueError(f"a field is {long:,} characters long; an Excel cell holds at most "
                                 f"{CELL_TEXT_MAX:,}")
        except ValueError as exc:
            out.problems.append(f"{name} line {n}: {exc}")
            continue
        st = cell(r, c_stmt) or statement_no
        counters[st] = counters.get(st, 0) + 1
        out.lines.append(StatementLine(
            statement_no=st, line_no=counters[st], transaction_date=day, amount=money,
            currency=cur, payer_name=cell(r, c_name), payer_iban=cell(r, c_iban).replace(" ", ""),
            text=cell(r, c_text), reference=cell(r, c_ref), source_file=name, source_line=n,
            import_key=import_key(f"table:{file_key}", n)))
    return out


def renumber(lines: list[StatementLine], taken: dict[str, int]) -> list[StatementLine]:
    """Line numbers continuing after the highest already on the sheet, per statement."""
    out = []
    for ln in lines:
        taken[ln.statement_no] = taken.get(ln.statement_no, 0) + 1
        out.append(replace(ln, line_no=taken[ln.statement_no]))
    return out
