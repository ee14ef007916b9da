"""Quality and speed of ``xlar.core.match``: generated statements with real-bank noise.

Builds customers (names from word lists, some names shared, about 70 % with an IBAN),
open invoices (``--entries``, about 50 per customer, a third on 2 % / 10 days terms)
and statement lines (``--lines``), each with its ground truth (customer and documents
paid). The lines mix what banks really send:

Customer names are a made-up word plus an industry word and a legal form (half with a
brand word in front); 2 % of customers share another customer's exact name.

- clean: payer IBAN, name and the document number in the text;
- typos / abbreviations in the payer name (``Adatum Corporaton``, ``ADATUM CORP``);
- document number missing, mistyped (a digit changed) or written without the hyphen;
- several invoices in one line (2-4 numbers in the text, or none: subset-sum);
- short payments (the payer pays less), deducted bank fees (5-25 less);
- discounted amounts paid inside the discount window, and (about 2 %) full amounts paid
  inside it, the discount not taken; every other line pays a discounted invoice's full
  amount after its discount date, as customers do;
- payments by a parent company (a name that is not the customer's, no IBAN);
- duplicates (the same transaction twice in the file).

Remittance habits of issue 24, each its own kind (weights in ``KINDS``):

- ``ref_digits``: the document number without its prefix (``INV-2026-0000123`` paid as
  ``20260000123``); ``ref_short``: only its last group without leading zeros (``Inv 123``);
  ``ref_spaced``: blanks for the dashes (``INV 2026 0000123``);
- ``list_slash`` (``INV-2026-0001484/0001894/0002336``) and ``list_comma``
  (``RE 1484, 1894, 2336``): several invoices, each named, only the first one in full;
- ``named_closed``: the text names an invoice already paid (a duplicate payment): right
  is no High and a proposal that says *possible duplicate payment*;
- ``holding_customer``: a holding that is itself a customer (its IBAN and name) pays an
  invoice of its subsidiary, named in the text: right is the subsidiary's invoice;
- ``custno``: the payer's name in capitals, no IBAN, the customer number in the text
  and a *twin* customer with the same words in another order and another legal form
  (``SAUER & WINKLER GMBH``, customer ``Winkler & Sauer SARL`` exists);
- ``translit``: a customer name with umlauts as MT940 delivers it
  (``BECKER BAECKEREI GMBH`` for ``Becker Bäckerei GmbH``), no IBAN;
- ``lookalike``: not a customer: a company whose name is a customer's words in another
  order with another legal form (``Hofmann Software AG`` vs ``Software Hofmann GmbH``);
- ``person``: not a customer: a person whose name is near a customer's (``Jürgen
  Kraus`` vs ``Jürgens & Krause AG``), paying an amount of their own.

*Matchable* lines are the customer lines whose amount is what the books expect for the
paid documents and whose text or payer lets a BC rule reach High: not ``short``,
``fee_deducted``, ``disc_not_taken`` (BC's amount criterion misses them), ``parent`` and
``holding_customer`` (the payer is not the customer and no mapping says so),
``multi_unnamed`` (an amount-only combination is never High), ``named_closed``, nor a
``no_doc`` line without IBAN whose customer's name is not unique.

Fees and interest (money out / unmatched text) are left out of the figures.

Printed: per confidence level the lines proposed at that level and the precision of
the first proposal (customer and document set both right); the share of lines at High;
the share whose right match is among the proposals; and the seconds to build the index
and to match.

    python bench/matching.py                           # 100k lines vs 1M open entries
    python bench/matching.py --lines 10000 --entries 100000
    python bench/matching.py --json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xlar.core.bank import StatementLine
from xlar.core.match import MatchSettings, OpenItemIndex, Party, Proposal, gc_paused, match_line
from xlar.core.model import DocumentType, LedgerEntry

FIRST = ["Adatum", "Alpine", "Blue", "Contoso", "Fabrikam", "Litware", "Northwind", "Proseware", "Tailspin", "Wingtip", "Woodgrove", "Fourth", "Coffee", "Graphic", "Humongous", "Lucerne", "Margie", "Relecloud", "Trey", "Wide", "World", "Southridge", "Coho", "Consolidated", "Datum", "Fincher", "Granite", "Harbor", "Ironwood", "Juniper", "Keystone", "Lakeside", "Meridian", "Nimbus", "Orchid", "Pioneer", "Quarry", "Redwood", "Summit", "Timber", "Upland", "Vertex", "Willow", "Yardley", "Zenith", "Atlas", "Beacon", "Cedar", "Delta", "Ember"]
SECOND = ["Research", "Systems", "Trading", "Logistics", "Foods", "Motors", "Consulting", "Media", "Health", "Energy", "Partners", "Industries", "Software", "Textiles", "Marine", "Pharma", "Capital", "Retail", "Solutions", "Engineering", "Design", "Airlines", "Brewing", "Farms", "Electric", "Studios", "Ventures", "Labs", "Metals", "Printing"]
LEGAL = ("GmbH", "Inc.", "Ltd", "AG", "LLC", "S.A.", "B.V.", "plc", "Corporation", "KG")
ABBR = {"Corporation": "Corp", "Research": "Rsrch", "Systems": "Sys", "Trading": "Trdg", "Logistics": "Log",
        "Industries": "Ind", "Engineering": "Eng", "Consulting": "Cons", "International": "Intl"}
START = date(2026, 3, 1)
UMLAUT = ["Bäckerei", "Müller", "Köhler", "Schäfer", "Grünwald", "Brückenbau", "Straßenbau", "Böttcher", "Jäger", "Fuß"]
GERMAN = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "AE", "Ö": "OE", "Ü": "UE"}
OTHER_LEGAL = {"GmbH": "AG", "AG": "GmbH", "Inc.": "LLC", "LLC": "Inc.", "Ltd": "plc", "plc": "Ltd", "S.A.": "SARL",
               "B.V.": "N.V.", "Corporation": "GmbH", "KG": "AG", "SARL": "S.A.", "N.V.": "B.V."}
KINDS = (("clean", 40), ("name_typo", 10), ("abbrev", 6), ("no_doc", 8), ("doc_typo", 5), ("doc_nohyphen", 4),
         ("multi_named", 7), ("multi_unnamed", 3), ("short", 4), ("fee_deducted", 4), ("discount", 5),
         ("parent", 3), ("duplicate", 1), ("disc_not_taken", 2),
         # issue 24
         ("ref_digits", 3), ("ref_short", 3), ("ref_spaced", 2), ("list_slash", 3), ("list_comma", 2),
         ("named_closed", 2), ("holding_customer", 2), ("custno", 2), ("translit", 3), ("lookalike", 2),
         ("person", 2))
#: kinds of lines whose right outcome is no High at all (not a customer, or a duplicate payment)
NOT_CUSTOMER = ("lookalike", "person")
UNMATCHABLE = ("short", "fee_deducted", "disc_not_taken", "parent", "holding_customer", "multi_unnamed",
               "named_closed") + NOT_CUSTOMER


@dataclass(frozen=True, slots=True)
class Truth:
    kind: str
    customer_no: str
    documents: frozenset[str]


SYLLABLES = ["ka", "lo", "mar", "ten", "vi", "ro", "sa", "del", "an", "ber", "tu", "mi", "no", "gra", "fel", "hol", "is", "ur", "quen", "zo", "pa", "li", "ster", "wen"]


def coined(rng: random.Random) -> str:
    """A made-up company word (``Kalomar``): real customer bases repeat few exact names."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def iban(rng: random.Random) -> str:
    return "DE" + f"{rng.randint(10, 99)}" + "".join(str(rng.randint(0, 9)) for _ in range(18))


def typo(rng: random.Random, s: str) -> str:
    if len(s) < 5:
        return s
    i = rng.randint(1, len(s) - 2)
    op = rng.random()
    if op < 0.4:
        return s[:i] + s[i + 1:]  # drop
    if op < 0.7:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]  # swap
    return s[:i] + rng.choice("aeiourstn") + s[i + 1:]  # replace


def abbreviate(name: str) -> str:
    return " ".join(ABBR.get(w, w) for w in name.split()).upper()


def german(s: str) -> str:
    """``s`` as a German bank's MT940 spells it: umlauts written out, capitals."""
    return "".join(GERMAN.get(c, c) for c in s).upper()


def tail(doc: str) -> str:
    """The last group of a document number without its leading zeros (``INV-2026-0000123`` -> ``123``)."""
    return doc.rsplit("-", 1)[-1].lstrip("0") or "0"


def build(n_entries: int, n_lines: int, seed: int = 7) -> tuple[list[Party], list[LedgerEntry],
                                                                 list[StatementLine], list[Truth]]:
    rng = random.Random(seed)
    n_customers = max(20, n_entries // 50)
    parties: list[Party] = []
    parents: dict[str, str] = {}
    twins: dict[str, str] = {}  # customer -> its twin (same words, other order and legal form)
    umlaut: list[str] = []
    for i in range(n_customers):
        no = f"C{i + 1:06d}"
        twin_of = ""
        if parties and rng.random() < 0.02:
            name = rng.choice(parties).name  # sister companies with the very same name
        elif i and rng.random() < 0.03 and parties[-1].customer_no not in twins and " " in parties[-1].name:
            prev = parties[-1]
            *words, legal = prev.name.split()
            name = " ".join([*reversed(words), OTHER_LEGAL.get(legal, "SARL")])
            twin_of = prev.customer_no
        elif rng.random() < 0.05:
            name = f"{coined(rng)} {rng.choice(UMLAUT)} GmbH"
            umlaut.append(no)
        else:
            name = f"{coined(rng)} {rng.choice(SECOND)} {rng.choice(LEGAL)}"
            if rng.random() < 0.5:
                name = f"{rng.choice(FIRST)} {name}"
        ibans = (iban(rng),) if rng.random() < 0.7 else ()
        parties.append(Party(customer_no=no, name=name, ibans=ibans))
        if twin_of:
            twins[twin_of] = no
            twins[no] = twin_of
        if rng.random() < 0.05:
            parents[no] = f"{rng.choice(FIRST)} {rng.choice(FIRST)} Holding {rng.choice(LEGAL)}"
    parent_nos = sorted(parents)
    twin_nos = sorted(twins)
    # holdings that are customers themselves (an IBAN of their own): subsidiary -> holding
    with_iban = [p for p in parties if p.ibans]
    holding_of = {}
    for sub in rng.sample(parties, max(2, n_customers // 50)):
        h = rng.choice(with_iban)
        if h.customer_no != sub.customer_no:
            holding_of[sub.customer_no] = h
    holding_nos = sorted(holding_of)
    ledger: list[LedgerEntry] = []
    by_customer: dict[str, list[LedgerEntry]] = {}
    closed: dict[str, list[LedgerEntry]] = {}
    cents = Decimal("0.01")
    for n in range(n_entries):
        p = parties[n % n_customers]
        amount = (Decimal(rng.randint(5_000, 2_000_000)) * cents)
        posted = START + timedelta(days=rng.randint(0, 60))
        disc = (amount * Decimal("0.02")).quantize(cents) if rng.random() < 0.33 else Decimal(0)
        e = LedgerEntry(entry_no=n + 1, customer_no=p.customer_no, posting_date=posted,
                        document_type=DocumentType.INVOICE, document_no=f"INV-2026-{n + 1:07d}", amount=amount,
                        remaining_amount=amount, currency="EUR", amount_lcy=amount, remaining_amount_lcy=amount,
                        due_date=posted + timedelta(days=30),
                        pmt_discount_date=posted + timedelta(days=10) if disc else None,
                        original_pmt_disc_possible=disc, remaining_pmt_disc_possible=disc,
                        external_document_no=f"PO{rng.randint(10000, 99999)}" if rng.random() < 0.3 else "")
        if rng.random() < 0.02:  # paid already (closed): what a duplicate payment names
            e = LedgerEntry(**{**{f: getattr(e, f) for f in e.__slots__}, "remaining_amount": Decimal(0),
                               "remaining_amount_lcy": Decimal(0), "remaining_pmt_disc_possible": Decimal(0),
                               "open": False, "closed_at_date": posted + timedelta(days=20)})
            closed.setdefault(p.customer_no, []).append(e)
            ledger.append(e)
            continue
        ledger.append(e)
        by_customer.setdefault(p.customer_no, []).append(e)
    closed_nos = sorted(closed)
    lines: list[StatementLine] = []
    truths: list[Truth] = []
    population = [k for k, w in KINDS for _ in range(w)]
    used: set[int] = set()
    pmap = {p.customer_no: p for p in parties}
    while len(lines) < n_lines:
        kind = rng.choice(population)
        if kind == "duplicate" and lines:
            src = lines[-1]
            lines.append(StatementLine(**{**{f: getattr(src, f) for f in src.__slots__}, "line_no": len(lines) + 1}))
            truths.append(truths[-1])
            continue
        day0 = START + timedelta(days=rng.randint(30, 90))
        if kind in NOT_CUSTOMER:
            p = pmap[f"C{rng.randint(1, n_customers):06d}"]
            words = [w for w in p.name.split() if w not in LEGAL and w != "GmbH"]
            if len(words) < 2:
                continue
            if kind == "lookalike":
                name = " ".join([*reversed(words), OTHER_LEGAL.get(p.name.split()[-1], "SARL")])
            else:  # a person: the customer's words, one letter short, no legal form
                name = " ".join(w[:-1] for w in words[:2])
            lines.append(StatementLine(statement_no="B1", line_no=len(lines) + 1, transaction_date=day0,
                                       amount=Decimal(rng.randint(5_000, 500_000)) * cents, currency="EUR",
                                       payer_name=name, text=rng.choice(("Gutschrift", "Refund", "Transfer"))))
            truths.append(Truth(kind, "", frozenset()))
            continue
        if kind == "named_closed":
            p = pmap[rng.choice(closed_nos)]
            e = rng.choice(closed[p.customer_no])
            lines.append(StatementLine(statement_no="B1", line_no=len(lines) + 1, transaction_date=day0,
                                       amount=e.amount, currency="EUR", payer_name=p.name,
                                       payer_iban=p.ibans[0] if p.ibans else "", text=f"Payment {e.document_no}"))
            truths.append(Truth(kind, p.customer_no, frozenset({e.document_no})))
            continue
        # the kind is drawn first and a customer that can produce it is found for it, so every
        # kind occurs as often as its weight says
        if kind == "parent":
            p = pmap[rng.choice(parent_nos)]
        elif kind == "custno":
            p = pmap[rng.choice(twin_nos)]
        elif kind == "translit":
            p = pmap[rng.choice(umlaut)]
        elif kind == "holding_customer":
            p = pmap[rng.choice(holding_nos)]
        else:
            p = pmap[f"C{rng.randint(1, n_customers):06d}"]
        items = [e for e in by_customer.get(p.customer_no, ()) if e.entry_no not in used]
        if kind in ("discount", "disc_not_taken"):
            items = [e for e in items if e.remaining_pmt_disc_possible]
        if not items:
            continue
        k = rng.randint(2, 4) if kind.startswith(("multi", "list")) else 1
        if len(items) < k:
            continue
        chosen = rng.sample(items, k)
        used.update(e.entry_no for e in chosen)
        total = sum((e.remaining_amount for e in chosen), Decimal(0))
        # when the customer pays: 1 to 40 days after the (last) invoice; a customer who pays the
        # full amount of an invoice on discount terms pays after the discount date (inside the
        # window it would take the discount: the kinds "discount" and "disc_not_taken")
        last = max(e.posting_date for e in chosen)
        first_day = max([1] + [(e.pmt_discount_date - last).days + 1 for e in chosen
                               if e.remaining_pmt_disc_possible and e.pmt_discount_date])
        day = last + timedelta(days=rng.randint(first_day, 40))
        docs = [e.document_no for e in chosen]
        amount = total
        name, payer_iban = p.name, (p.ibans[0] if p.ibans and rng.random() < 0.85 else "")
        text = "Payment " + " ".join(docs)
        if kind == "name_typo":
            name, payer_iban = typo(rng, name), ""
        elif kind == "abbrev":
            name, payer_iban = abbreviate(name), ""
        elif kind == "no_doc":
            text = rng.choice(("Payment", "Invoice payment", "Thank you", "Transfer"))
        elif kind == "doc_typo":
            d = docs[0]
            j = rng.randint(9, len(d) - 1)
            text = "Payment " + d[:j] + str((int(d[j]) + 1) % 10) + d[j + 1:]
        elif kind == "doc_nohyphen":
            text = "Rechnung " + docs[0].replace("-", "")
        elif kind == "ref_digits":
            text = "Zahlung " + "".join(c for c in docs[0] if c.isdigit())
        elif kind == "ref_short":
            text = f"{rng.choice(('Inv', 'Invoice', 'RE', 'Rg.'))} {tail(docs[0])}"
        elif kind == "ref_spaced":
            text = "Payment " + docs[0].replace("-", " ")
        elif kind == "list_slash":
            text = docs[0] + "".join("/" + d.rsplit("-", 1)[-1] for d in docs[1:])
        elif kind == "list_comma":
            text = "RE " + ", ".join(tail(d) for d in docs)
        elif kind == "multi_unnamed":
            text = "Sammelzahlung"
        elif kind == "short":
            amount = (total * Decimal(rng.choice(("0.5", "0.8", "0.9")))).quantize(cents)
        elif kind == "fee_deducted":
            amount = total - Decimal(rng.randint(5, 25))
        elif kind == "discount":
            e = chosen[0]
            day = e.posting_date + timedelta(days=rng.randint(1, 10))
            amount = e.remaining_amount - e.remaining_pmt_disc_possible
        elif kind == "disc_not_taken":
            day = chosen[0].posting_date + timedelta(days=rng.randint(1, 10))
        elif kind == "parent":
            name, payer_iban = parents[p.customer_no], ""
        elif kind == "holding_customer":
            h = holding_of[p.customer_no]
            name, payer_iban = h.name, h.ibans[0]
        elif kind == "custno":
            name, payer_iban = p.name.upper(), ""
            text = f"{rng.choice(('Kd-Nr', 'Customer', 'Kunde'))} {p.customer_no} " + rng.choice(("Zahlung", "Payment"))
        elif kind == "translit":
            name, payer_iban = german(p.name), ""
            if rng.random() < 0.5:
                text = "Zahlung"
        if rng.random() < 0.1 and chosen[0].external_document_no and kind == "clean":
            text = "Your PO " + chosen[0].external_document_no
        lines.append(StatementLine(statement_no="B1", line_no=len(lines) + 1, transaction_date=day, amount=amount,
                                   currency="EUR", payer_name=name, payer_iban=payer_iban, text=text))
        truths.append(Truth(kind, p.customer_no, frozenset(docs)))
    return parties, ledger, lines, truths


def right(p: Proposal, truth: Truth) -> bool:
    """Whether a proposal is the right outcome for the line.

    A customer line: its customer and documents. A line that is not a customer's: no High.
    A duplicate payment (``named_closed``): no High and the proposal says so.
    """
    if truth.kind in NOT_CUSTOMER:
        return p.confidence.value != "High"
    if truth.kind == "named_closed":
        return p.confidence.value != "High" and "duplicate" in p.explanation
    return p.customer_no == truth.customer_no and frozenset(p.documents) == truth.documents


def matchable(ln: StatementLine, truth: Truth, unique: set[str]) -> bool:
    """A line whose amount and text or payer let a BC rule reach High (see the module's docstring)."""
    if truth.kind in UNMATCHABLE:
        return False
    return not (truth.kind == "no_doc" and not ln.payer_iban and truth.customer_no not in unique)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tolerance", default="1.00", help="Match Tolerance Value")
    ap.add_argument("--tolerance-type", default="Amount", choices=("Amount", "Percentage"))
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    with gc_paused():
        parties, ledger, lines, truths = build(a.entries, a.lines, a.seed)
    t1, c1 = time.perf_counter(), time.process_time()
    idx = OpenItemIndex(ledger, parties)
    t2, c2 = time.perf_counter(), time.process_time()
    settings = MatchSettings(tolerance_type=a.tolerance_type, tolerance_value=Decimal(a.tolerance))
    with gc_paused():
        props = [match_line(ln, idx, settings) for ln in lines]
    t3, c3 = time.perf_counter(), time.process_time()
    levels: Counter[str] = Counter()
    rights: Counter[str] = Counter()
    among = 0
    by_kind: dict[str, Counter[str]] = {}
    by_doc = {e.document_no: e for e in ledger}
    keys = Counter(p.name for p in parties)
    unique = {p.customer_no for p in parties if keys[p.name] == 1}
    weights = dict(KINDS)
    n_matchable = matchable_high = non_customer_high = 0
    for ln, ps, truth in zip(lines, props, truths):
        best = ps[0]
        ok = [right(p, truth) for p in ps]
        high = best.confidence.value == "High"
        levels[best.confidence.value] += 1
        rights[best.confidence.value] += ok[0]
        among += any(ok)
        m = matchable(ln, truth, unique)
        n_matchable += m
        matchable_high += m and high
        non_customer_high += high and truth.kind in NOT_CUSTOMER
        c = by_kind.setdefault(truth.kind, Counter())
        c["n"] += 1
        c["high"] += high
        c["high_ok"] += high and ok[0]
        c["among"] += any(ok)
        c["matchable"] += m
        # paid the full amount of an invoice while its discount was still granted: BC's rules do not
        # match that amount (§7.1), so such a line is not High (Medium with the number, Low without)
        c["disc_not_taken"] += truth.kind not in ("discount", "named_closed") and any(
            e.remaining_pmt_disc_possible and e.pmt_discount_date and ln.transaction_date <= e.pmt_discount_date
            for e in (by_doc[d] for d in truth.documents))
    n = len(lines)
    result = {
        "lines": n, "open_entries": sum(e.open for e in ledger), "customers": len(parties),
        "per_confidence": {k: {"lines": levels[k], "share": round(levels[k] / n, 4),
                               "precision": round(rights[k] / levels[k], 4) if levels[k] else None}
                           for k in ("High", "Medium", "Low", "None")},
        "matched_at_high": round(levels["High"] / n, 4),
        "matchable_lines": n_matchable,
        "matchable_at_high": round(matchable_high / n_matchable, 4) if n_matchable else None,
        "high_on_non_customer_lines": non_customer_high,
        "right_match_among_proposals": round(among / n, 4),
        "first_proposal_right": round(sum(rights.values()) / n, 4),
        "seconds": {"generate": round(t1 - t0, 2), "index": round(t2 - t1, 2), "match": round(t3 - t2, 2),
                    "index_plus_match": round(t3 - t1, 2)},
        "cpu_seconds": {"index": round(c2 - c1, 2), "match": round(c3 - c2, 2), "index_plus_match": round(c3 - c1, 2)},
        "lines_per_second": round(n / (t3 - t2)),
        "by_kind": {k: {"weight": weights[k], "lines": c["n"], "matchable": c["matchable"],
                        "high": round(c["high"] / c["n"], 3),
                        "high_precision": round(c["high_ok"] / c["high"], 4) if c["high"] else None,
                        "among": round(c["among"] / c["n"], 3),
                        "discount_not_taken": round(c["disc_not_taken"] / c["n"], 3)}
                    for k, c in sorted(by_kind.items(), key=lambda kv: list(weights).index(kv[0]))},
        "discount_not_taken": round(sum(c["disc_not_taken"] for c in by_kind.values()) / n, 4),
    }
    if a.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{n:,} statement lines vs {len(ledger):,} open entries ({len(parties):,} customers), "
          f"tolerance {a.tolerance_type} {a.tolerance}")
    print(f"{'confidence':<11}{'lines':>9}{'share':>9}{'precision':>11}")
    for k, v in result["per_confidence"].items():
        prec = f"{v['precision']:.2%}" if v["precision"] is not None else "-"
        print(f"{k:<11}{v['lines']:>9,}{v['share']:>9.1%}{prec:>11}")
    print(f"matchable lines: {result['matchable_lines']:,}, at High: {result['matchable_at_high']:.1%}   "
          f"High on lines that are not a customer's: {result['high_on_non_customer_lines']}")
    print(f"matched at High: {result['matched_at_high']:.1%}   first proposal right: "
          f"{result['first_proposal_right']:.1%}   right match among proposals: "
          f"{result['right_match_among_proposals']:.1%}")
    s = result["seconds"]
    print(f"seconds: generate {s['generate']}  index {s['index']}  match {s['match']}  "
          f"(index + match {s['index_plus_match']}; {result['lines_per_second']:,} lines/s)")
    c = result["cpu_seconds"]
    print(f"CPU seconds of this process: index {c['index']}  match {c['match']}  (index + match "
          f"{c['index_plus_match']}; wall and CPU differ when the machine is shared)")
    print(f"{'kind':<17}{'weight':>7}{'lines':>8}{'matchable':>10}{'High':>8}{'High prec.':>12}{'among':>8}"
          f"{'disc. not taken':>17}")
    for k, v in result["by_kind"].items():
        hp = f"{v['high_precision']:.2%}" if v["high_precision"] is not None else "-"
        print(f"{k:<17}{v['weight']:>7}{v['lines']:>8,}{v['matchable']:>10,}{v['high']:>8.1%}{hp:>12}"
              f"{v['among']:>8.1%}{v['discount_not_taken']:>17.1%}")
    print(f"disc. not taken: the line pays the full amount of an invoice while its discount is still granted "
          f"({result['discount_not_taken']:.1%} of all lines); BC's amount criterion does not match it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
