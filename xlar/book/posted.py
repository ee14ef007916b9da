"""Journal lines posted before, remembered by their content (the ``PostedLines`` sheet).

The journal's ``Status = Posted`` is what makes ``post`` idempotent, but a status cleared by
hand (or a line copied back into the journal) would be posted a second time. Every line
``post`` posts is also recorded on ``PostedLines`` with a key of its content (posting date,
document type and number, customer, amount, currency, applies-to, external document no.,
description); a line whose key is there is refused (``reposted-line``) unless ``post
--repost``. Deleting the row on ``PostedLines`` also lets the line be posted again.
"""

from __future__ import annotations

import dataclasses
import hashlib

from xlar.book import plan as P
from xlar.book.grid import Grid, find
from xlar.book.issues import SheetIssue
from xlar.book.rows import ReadResult
from xlar.book.schema import Column as C
from xlar.book.schema import Cur, SheetSpec, norm
from xlar.book.schema import Kind as K
from xlar.core.model import JournalLine, LineResult, Severity

POSTED_LINES = SheetSpec(
    "PostedLines",
    (
        C("Line Key", "key"),
        C("Run", "run", K.INT),
        C("Posting Date", "posting_date", K.DATE),
        C("Document Type", "document_type"),
        C("Document No.", "document_no"),
        C("Customer No.", "customer_no"),
        C("Amount", "amount", K.DECIMAL),
        C("Posted Entry No.", "posted_entry_no", K.INT),
    ),
)
CODE = "reposted-line"


def line_key(ln: JournalLine) -> str:
    """The content of a journal line, as a short hex key (the same line gives the same key)."""
    parts = (ln.posting_date.isoformat(), ln.document_type.value, ln.document_no.strip().upper(),
             ln.customer_no.strip().upper(), str(ln.amount), ln.currency.strip().upper(),
             ";".join(a.strip().upper() for a in ln.applies_to_doc_nos), ln.applies_to_id.strip().upper(),
             ln.external_document_no.strip().upper(), ln.description.strip())
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def _posted_keys(grids: dict[str, Grid]) -> dict[str, tuple[object, object]]:
    """Key -> (run, entry no.) of the lines on PostedLines."""
    g = find(grids, POSTED_LINES.name)
    if g is None:
        return {}
    keys = [norm(h) for h in g.headers]
    if "linekey" not in keys:
        return {}
    k, r, e = keys.index("linekey"), keys.index("run") if "run" in keys else None, \
        keys.index("postedentryno") if "postedentryno" in keys else None
    out: dict[str, tuple[object, object]] = {}
    for _, vals in g.rows:
        key = str(vals[k] or "").strip().lower() if k < len(vals) else ""
        if key:
            out[key] = (vals[r] if r is not None and r < len(vals) else None,
                        vals[e] if e is not None and e < len(vals) else None)
    return out


def refuse_reposts(read: ReadResult, grids: dict[str, Grid], *, repost: bool) -> list[SheetIssue]:
    """Journal lines not marked Posted whose content was posted before: bad lines (unless ``repost``)."""
    if repost:
        return []
    known = _posted_keys(grids)
    if not known:
        return []
    out: list[SheetIssue] = []
    bad: set[int] = set()
    for ln in read.book.journal:
        if ln.status.strip().lower() == "posted" or ln.line_no in read.bad_lines:
            continue
        hit = known.get(line_key(ln))
        if hit is None:
            continue
        run, entry = hit
        msg = (f"This line was posted before (run {_n(run)}, entry {_n(entry)}; see PostedLines) and its Status was "
               "cleared; it is not posted again. Use post --repost to post it a second time.")
        row = read.journal_rows.get(ln.line_no)
        out.append(SheetIssue("Journal", row, "Status", ln.status or None, msg, CODE, Severity.ERROR))
        read.bad_lines.setdefault(ln.line_no, msg)
        bad.add(ln.line_no)
    if bad:
        read.book = dataclasses.replace(read.book, journal=tuple(ln for ln in read.book.journal
                                                                 if ln.line_no not in bad))
    return out


def _n(v: object) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v if v not in (None, "") else "?")


@dataclasses.dataclass(slots=True)
class _Posted:
    key: str
    run: int
    posting_date: object
    document_type: str
    document_no: str
    customer_no: str
    amount: object
    posted_entry_no: int | None


def plan_posted(plan: P.WritePlan, read: ReadResult, results: dict[int, LineResult], run: int) -> None:
    """A PostedLines row for each journal line this run posted (a block: the part writer's fast path)."""
    lines = {ln.line_no: ln for ln in read.book.journal}
    rows = [_Posted(line_key(ln), run, ln.posting_date, ln.document_type.value, ln.document_no, ln.customer_no,
                    ln.amount, r.posted_entry_no)
            for n, r in results.items()
            if r.status == "Posted" and n not in read.posted_lines and (ln := lines.get(n)) is not None]
    if rows:
        cur = dict.fromkeys(Cur, read.book.settings.company_currency)
        plan.sheet(POSTED_LINES).add(P.Block(rows, POSTED_LINES.columns, lambda _: cur))


DUPLICATE_DOC = "duplicate-open-document"


def warn_duplicate_documents(read: ReadResult) -> list[SheetIssue]:
    """A journal line whose Applies-to Doc. No. is on two or more open entries of its customer: the
    settlement picks one of them; a warning names them all so the user can check it was the one meant."""
    todo = [ln for ln in read.book.journal if ln.applies_to_doc_nos and ln.status.strip().lower() != "posted"]
    if not todo:
        return []
    wanted = {d.strip().upper() for ln in todo for d in ln.applies_to_doc_nos}
    open_by_doc: dict[tuple[str, str], list[int]] = {}
    for e in read.book.ledger:
        doc = e.document_no.strip().upper()
        if doc in wanted and e.open:
            open_by_doc.setdefault((e.customer_no.strip().upper(), doc), []).append(e.entry_no)
    dups = {k: v for k, v in open_by_doc.items() if len(v) > 1}
    if not dups:
        return []
    out: list[SheetIssue] = []
    for ln in todo:
        cust = ln.customer_no.strip().upper()
        for d in ln.applies_to_doc_nos:
            for (c, doc), entries in dups.items():
                if doc == d.strip().upper() and (c == cust or not cust):
                    out.append(SheetIssue(
                        "Journal", read.journal_rows.get(ln.line_no), "Applies-to Doc. No.", d,
                        f"Document No. {d} is on {len(entries)} open ledger entries of customer {c} (entries "
                        f"{', '.join(map(str, sorted(entries)))}); the line is applied to one of them. Check it is "
                        "the one meant, or give the entries different document numbers.", DUPLICATE_DOC,
                        Severity.WARNING))
    return out
