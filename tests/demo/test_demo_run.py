"""``run_demo``: the demo journal posts through the book layer, all but the one bad line."""

from __future__ import annotations

import io
import re
import shutil
from collections import defaultdict
from decimal import Decimal

import pytest
from rich.console import Console

from xlar.demo import (
    BAD_DOCUMENT_NO,
    DEMO_FILE,
    OPENING_DOCUMENT,
    generate_demo,
    open_balance,
    run_demo,
    summarize,
)

from .test_demo_workbook import SMALL, dec, read

DEFAULT = {"customers": 300, "open_invoices": 4000, "journal_lines": 1000}  # what `xlar demo` builds


def _post(folder, sizes):
    out = io.StringIO()
    code = run_demo(folder, Console(file=out, width=120, color_system=None), seed=7, **sizes)
    path = folder / DEMO_FILE
    return code, out.getvalue(), path, read(path), generate_demo(seed=7, **sizes), sizes


@pytest.fixture(scope="module")
def posted_small(tmp_path_factory: pytest.TempPathFactory):
    return _post(tmp_path_factory.mktemp("run"), SMALL)


@pytest.fixture(scope="module", params=["small", "default"])
def posted(request, posted_small, tmp_path_factory: pytest.TempPathFactory):
    """The demo posted at a small size and at the size ``xlar demo`` uses (about 20 s)."""
    if request.param == "small":
        return posted_small
    return _post(tmp_path_factory.mktemp("run-default"), DEFAULT)


def test_exit_code_and_summary(posted):
    code, text, path, _, _, sizes = posted
    assert code == 0
    assert f"Journal lines posted {sizes['journal_lines'] - 1:,}" in re.sub(r"\s+", " ", text)
    assert BAD_DOCUMENT_NO in text and "every document balances" in text
    assert str(path) in text


def test_everything_but_the_bad_line_is_posted(posted):
    _, _, _, sheets, data, sizes = posted
    status = {r["lineno"]: r["status"] for r in sheets["Journal"]}
    assert [n for n, s in status.items() if s != "Posted"] == [data.bad_line_no]
    assert status[data.bad_line_no] == "Error"
    assert all(r["postedentryno"] for r in sheets["Journal"] if r["status"] == "Posted")
    (issue,) = sheets["Issues"]
    assert issue["sheet"] == "Journal" and issue["value"] == BAD_DOCUMENT_NO
    bad_row = 2 + [r["lineno"] for r in sheets["Journal"]].index(data.bad_line_no)
    assert int(issue["row"]) == bad_row
    (run,) = sheets["RunLog"]
    assert run["linesposted"] == sizes["journal_lines"] - 1 and run["errors"] == 1


def test_gl_balances_per_document_and_ties_to_the_ledger(posted):
    _, _, path, sheets, data, sizes = posted
    per_doc: dict[str, Decimal] = defaultdict(Decimal)
    for g in sheets["GLEntries"]:
        per_doc[g["documentno"]] += dec(g["debit"] or 0) - dec(g["credit"] or 0)
        assert bool(g["debit"]) != bool(g["credit"])
    assert per_doc and all(v == 0 for v in per_doc.values())
    # the receivables account moved exactly as much as the ledger's open balance (LCY)
    s = summarize(path, open_balance(data))
    receivables = sum((dec(g["debit"] or 0) - dec(g["credit"] or 0) for g in sheets["GLEntries"]
                       if str(g["accountno"]) == "1100" and g["documentno"] != OPENING_DOCUMENT), Decimal(0))
    # the opening pair holds the receivables the opening ledger stands for, so the account ties
    opening = [g for g in sheets["GLEntries"] if g["documentno"] == OPENING_DOCUMENT]
    assert [(str(g["accountno"]), dec(g["debit"] or 0), dec(g["credit"] or 0)) for g in opening] == [
        ("1100", s.open_before, Decimal(0)), ("3900", Decimal(0), s.open_before)]
    assert s.unbalanced_documents == []
    assert receivables != 0 and s.open_after - s.open_before == receivables
    assert s.lines_posted == sizes["journal_lines"] - 1 and s.lines_failed == 1
    assert s.discounts > 0 and s.late_discounts > 0 and s.tolerance_underpaid > 0 and s.tolerance_overpaid > 0
    assert s.realized_fx != 0


def test_each_case_did_what_it_says(posted):
    _, _, _, sheets, data, _ = posted
    journal = {r["lineno"]: r for r in sheets["Journal"]}
    ledger = {r["entryno"]: r for r in sheets["Ledger"]}
    apps = defaultdict(list)
    for a in sheets["Applications"]:
        apps[a["applyingentryno"]].append(a)

    def lines(case):
        return [journal[n] for n in data.cases[case]]

    def applied(ln):
        return apps[ln["postedentryno"]]

    def total(ln, field):
        return sum((dec(a[field] or 0) for a in applied(ln)), Decimal(0))

    def remaining(ln):
        return dec(ledger[ln["postedentryno"]]["remainingamount"])

    for case in ("exact", "exact_usd", "blocked_invoice_payment", "multi_doc"):
        for ln in lines(case):
            assert applied(ln) and remaining(ln) == 0, (case, ln)
            assert all(not ledger[a["appliedentryno"]]["open"] for a in applied(ln))
    assert all(total(ln, "realizedgainlosslcy") != 0 for ln in lines("exact_usd"))
    for ln in lines("applies_to_id"):
        assert len(applied(ln)) >= 2
    for ln in lines("discount") + lines("discount_2nd_period"):
        assert total(ln, "discount") > 0 and remaining(ln) == 0
    for ln in lines("late_discount_grace"):
        assert total(ln, "paymentdiscounttolerance") > 0 and remaining(ln) == 0
    for ln in lines("short_pay_tolerance"):
        assert total(ln, "paymenttolerance") > 0 and remaining(ln) == 0
        assert all(not ledger[a["appliedentryno"]]["open"] for a in applied(ln))
    for ln in lines("overpay_tolerance"):
        assert total(ln, "paymenttolerance") < 0 and remaining(ln) == 0
    for ln in lines("overpay"):
        assert remaining(ln) < 0 and ledger[ln["postedentryno"]]["open"]
    for ln in lines("partial"):
        (a,) = applied(ln)
        assert ledger[a["appliedentryno"]]["open"] and remaining(ln) == 0
    for ln in lines("apply_to_oldest"):
        assert applied(ln)
    for ln in lines("credit_memo") + lines("refund"):
        assert len(applied(ln)) == 1 and remaining(ln) == 0
    customers = {r["customerno"]: r for r in sheets["Customers"]}
    for ln in lines("new_invoice"):
        e = ledger[ln["postedentryno"]]
        assert e["documenttype"] == "Invoice" and e["duedate"] >= e["postingdate"]
        if not e["open"]:  # Apply to Oldest: a new invoice takes up the customer's open credit memos (BC)
            assert customers[ln["customerno"]]["applicationmethod"] is None
            assert applied(ln) and all(ledger[a["appliedentryno"]]["documenttype"] == "Credit Memo"
                                       for a in applied(ln))
    for ln in lines("manual_on_account"):
        assert not applied(ln) and remaining(ln) == -dec(ln["amount"])


def test_posting_the_demo_again_posts_nothing_twice(posted_small, tmp_path):
    from xlar.book.commands import run_file

    _, _, path, sheets, _, _ = posted_small
    copy = tmp_path / "again.xlsx"
    copy.write_bytes(path.read_bytes())
    outcome = run_file(copy, "post", skip_errors=True)
    assert outcome.lines_posted == 0 and outcome.applications == 0
    again = read(copy)
    assert len(again["Applications"]) == len(sheets["Applications"])
    assert len(again["GLEntries"]) == len(sheets["GLEntries"])


def test_the_suggested_unapply_reverses_a_discounted_payment(posted_small, tmp_path):
    from xlar.book.commands import run_file

    _, text, path, sheets, data, _ = posted_small
    line = data.cases["discount"][0]
    s = summarize(path, Decimal(0))
    (app_no,) = s.applications_of_line[line]
    assert f"--application {app_no}" in text
    copy = tmp_path / "unapply.xlsx"
    copy.write_bytes(path.read_bytes())
    outcome = run_file(copy, "unapply", application_no=app_no)
    assert outcome.exit_code == 0 and outcome.applications == 1
    after = read(copy)
    ledger = {r["entryno"]: r for r in after["Ledger"]}
    (app,) = [a for a in sheets["Applications"] if a["applicationno"] == app_no]
    invoice, payment = ledger[app["appliedentryno"]], ledger[app["applyingentryno"]]
    assert invoice["open"] and dec(invoice["remainingamount"]) == dec(invoice["amount"])
    assert payment["open"] and dec(payment["remainingamount"]) == dec(payment["amount"])
    assert any(a["unapplied"] for a in after["Applications"] if a["applicationno"] == app_no)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_other_seeds_also_post_all_but_the_bad_line(seed, tmp_path):
    sizes = {"customers": 20, "open_invoices": 150, "journal_lines": 40}
    code = run_demo(tmp_path, Console(file=io.StringIO()), seed=seed, **sizes)
    s = summarize(tmp_path / DEMO_FILE, Decimal(0))
    assert code == 0
    assert (s.lines_posted, s.lines_failed, len(s.issues)) == (39, 1, 1)
    assert s.issues[0][3] == BAD_DOCUMENT_NO and s.unbalanced_documents == []
    assert s.discounts > 0 and s.late_discounts > 0 and s.tolerance_underpaid > 0 and s.tolerance_overpaid > 0


def test_month_end_on_the_posted_demo_ties_to_the_gl(posted_small, tmp_path):
    """The opening G/L pair makes the demo's receivables account tie to its ledger at month end."""
    from datetime import date

    from xlar.book.month_end import MonthEndOptions, run_month_end

    _, _, path, _, data, _ = posted_small
    copy = tmp_path / "month-end.xlsx"
    shutil.copy2(path, copy)
    o = run_month_end(copy, MonthEndOptions(as_of=date(2026, 10, 31), statements=False))
    s = summarize(path, open_balance(data))
    assert Decimal(o.tie_difference) == 0
    assert Decimal(o.ledger_lcy) == Decimal(o.gl_lcy) == s.open_after


def test_every_command_does_something_on_the_demo(posted_small, tmp_path):
    """The demo carries what month end, SEPA, matching and prediction need: month end proposes reminders and
    finance charge memos, sepa collects from the mandates, match proposes the statement's lines, predict runs;
    and issuing twice for the same date adds nothing the second time."""
    import json
    from datetime import date

    from typer.testing import CliRunner

    from xlar.book.month_end import MonthEndOptions, run_month_end
    from xlar.cli import app

    _, _, path, _, _, _ = posted_small
    copy = tmp_path / "commands.xlsx"
    shutil.copy2(path, copy)
    o = run_month_end(copy, MonthEndOptions(as_of=date(2026, 10, 31), statements=False, issue=True))
    assert o.reminders > 0 and o.finance_charges > 0 and o.new_entries == o.reminders + o.finance_charges
    again = run_month_end(copy, MonthEndOptions(as_of=date(2026, 10, 31), statements=False, issue=True))
    assert (again.reminders, again.finance_charges, again.new_entries, again.gl_lines) == (0, 0, 0, 0)

    def xlar(*args: object) -> dict:
        r = CliRunner().invoke(app, [str(a) for a in args] + ["--json"])
        assert r.exit_code == 0, r.output
        return json.loads(r.output)

    sepa = xlar("sepa", copy, "--collection-date", "2026-10-31", "--out", tmp_path / "dd.xml")
    assert re.match(r"Collection DD0001: [1-9]\d* debit\(s\)", sepa["result"]), sepa["result"]
    assert (tmp_path / "dd.xml").stat().st_size > 0
    match = xlar("match", copy)
    assert re.match(r"Matched [1-9]\d* line\(s\)", match["result"]), match["result"]
    pytest.importorskip("sklearn")
    predict = xlar("predict", copy)
    assert re.search(r"open invoice\(s\) predicted late; model quality", predict["result"]), predict["result"]
