"""Lean write-back on a live book: a post writes the cells that change, a few rectangles, never a cell it
does not change (a user's formula between them stays: the remote engine sends ``null`` for it, which
Office.js leaves as it is; the desktop writes its formula back)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import openpyxl
import pytest

from tests.xl.harness import AppliedBook, excel_value, make_payload, open_book, sheet_dicts
from xlar import macros
from xlar.book import excel
from xlar.book.plan import Out
from xlar.demo import generate_demo, write_workbook

USER_COL = "Days Open (user formula)"


def _sheet(payload: dict, name: str) -> dict:
    return next(s for s in payload["sheets"] if s["name"] == name)


@pytest.fixture(scope="module")
def demo_posted(tmp_path_factory) -> tuple[dict, list[list]]:
    """The demo book (seed 7: 300 customers, 8,212 ledger rows) after a first post of its journal without
    its last ten payments (that run fills the derived columns), with a user's formula column inserted in
    the middle of the ledger; and those ten payments."""
    path = write_workbook(tmp_path_factory.mktemp("demo") / "demo.xlsx", generate_demo(seed=7))
    wb = openpyxl.load_workbook(path, read_only=True)
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    wb.close()
    journal = sheets["Journal"]
    payments = [r for r in journal[1:] if r[2] == "Payment"][-10:]
    sheets["Journal"] = [journal[0]] + [r for r in journal[1:] if r not in payments]
    payload = make_payload(sheets)
    book = open_book(payload)
    first = macros.post(book, skip_errors=True)
    assert first.exit_code == 0 and first.lines_posted > 900
    after = AppliedBook(payload).apply(book.json()["actions"]).payload
    book.close()
    ledger = _sheet(after, "Ledger")["values"]
    at = ledger[0].index("Open")  # between Remaining Amount and the Closed-by columns xlar writes
    for i, row in enumerate(ledger):
        row.insert(at, USER_COL if i == 0 else 1000 + i)
    head = _sheet(after, "Journal")["values"][0]
    _sheet(after, "Journal")["values"] = [head] + [[excel_value(v) for v in r] + [""] * (len(head) - len(r))
                                                   for r in payments]
    return after, payments


def test_ten_payments_on_the_demo_write_a_few_hundred_cells(demo_posted):
    before, payments = demo_posted
    ledger_before = _sheet(before, "Ledger")["values"]
    rows, width = len(ledger_before), len(ledger_before[0])
    assert rows > 9_000 and width == 27  # 8,212 demo rows + 989 posted entries; 26 columns + the user's
    user = ledger_before[0].index(USER_COL)
    applied = AppliedBook(before)
    applied.formulas.update({("Ledger", r, user): f"=TODAY()-C{r + 1}" for r in range(1, rows)})

    book = open_book(before)
    outcome = macros.post(book)
    assert outcome.exit_code == 0 and outcome.lines_posted == 10, outcome.issues[:3]
    actions = book.json()["actions"]
    book.close()
    names = [s["name"] for s in before["sheets"]] + ["RunLog"]
    written: Counter[str] = Counter()  # cells given a value (null: left as it is)
    sent: Counter[str] = Counter()
    blocks: Counter[str] = Counter()
    for a in actions:
        if a["func"] == "setValues":
            name = names[a["sheet_position"]]
            written[name] += sum(v is not None for line in a["values"] for v in line)
            sent[name] += a["row_count"] * a["column_count"]
            blocks[name] += 1
    size = len(json.dumps(actions))
    print(f"\n10 payments on the {rows - 1}-row demo ledger: {sum(written.values())} cells written "
          f"({dict(written)}), {sum(sent.values())} sent with nulls, {len(actions)} actions, {size:,} bytes")
    # before: every ledger cell from the first changed row down, 240,208 cells over all sheets
    assert written["Ledger"] <= 400 and sum(written.values()) <= 1_200
    assert blocks["Ledger"] <= 20 and size < 40_000
    ten = 10 * (width - 1)  # the appended entries: one block over every column but the user's
    assert written["Ledger"] - ten < 15 * 9  # the settled invoices: a few cells each

    state = applied.apply(actions)
    # the user's formulas between xlar's columns are all still there, their values untouched
    assert len(state.formulas) == rows - 1
    ledger = _sheet(state.payload, "Ledger")["values"]
    assert [r[user] for r in ledger[1:rows]] == [1000 + i for i in range(1, rows)]
    assert len(ledger) == rows + 10 and ledger[-1][user] == ""
    # every existing ledger cell given a value changed (nothing rewritten as it was)
    for a in actions:
        if a["func"] == "setValues" and names[a["sheet_position"]] == "Ledger":
            for i, line in enumerate(a["values"]):
                r = a["start_row"] + i
                for j, v in enumerate(line):
                    if v is not None and r < rows:
                        assert ledger_before[r][a["start_column"] + j] != ledger[r][a["start_column"] + j]
    # and the figures: each payment's invoices are closed by it, the amounts balance
    entries = sheet_dicts(state.payload, "Ledger")
    open_before = {e["Entry No."]: e["Remaining Amount"] for e in sheet_dicts(before, "Ledger")}
    new = {e["Document No."]: e for e in entries[rows - 1:]}
    assert sorted(new) == sorted(p[3] for p in payments)
    for p in payments:
        pay = new[p[3]]
        assert pay["Amount"] == -p[6] and pay["Open"] is False and pay["Remaining Amount"] == 0
        closed = [e for e in entries if e["Closed by Entry No."] == pay["Entry No."]]
        assert closed and all(e["Open"] is False and e["Remaining Amount"] == 0 for e in closed)
        # each invoice is closed by its whole remaining amount; a payment short of them by a discount
        assert all(e["Closed by Amount"] == -open_before[e["Entry No."]] for e in closed)
        short = round(sum(open_before[e["Entry No."]] for e in closed) - p[6], 2)
        assert 0 <= short <= 0.03 * p[6]
    apps = sheet_dicts(state.payload, "Applications")
    assert len(apps) == len(sheet_dicts(before, "Applications")) + 15


# --------------------------------------------------------------------------- the planner itself

def _job(cells: dict[tuple[int, int], object], block: list[list[object]]) -> excel._SheetJob:
    live = excel.LiveSheet(None, "Ledger", 1, 1, block, excel.Region(1, 1, len(block[0]), len(block)))
    return excel._SheetJob("Ledger", live, {k: Out(v) for k, v in cells.items()}, 1, 1, None, len(block))


BLOCK = [["A", "B", "C", "D"]] + [[r * 10 + c for c in range(4)] for r in range(1, 400)]


def test_cells_apart_are_one_block_when_the_cells_between_cost_less_than_a_write():
    job = _job({(5, 1): "x", (5, 4): "y", (7, 2): "z"}, BLOCK)
    # remote: one block, the cells between as null (left as they are)
    (b,) = excel.blocks(job, keep=True)
    assert (b.row, b.col) == (5, 1)
    assert b.values == [["'x", None, None, "'y"], [None] * 4, [None, "'z", None, None]]
    # desktop with the formulas read: the cells between get their formula, else their value, back
    (b,) = excel.blocks(job, {(5, 2): "=A5*2"})
    assert b.values == [["'x", "=A5*2", 42, "'y"], [50, 51, 52, 53], [60, "'z", 62, 63]]
    # desktop without formulas (an engine that cannot read them): only the plan's cells
    parts = excel.blocks(job, None)
    assert [(p.row, p.col, p.values) for p in parts] == [(5, 1, [["'x"]]), (5, 4, [["'y"]]), (7, 2, [["'z"]])]


def test_far_apart_rows_are_separate_blocks_and_adjacent_ones_one():
    gap = -(-excel.MERGE_CELLS // 3)  # rows between two 3-column runs that cost as much as a write
    cells = {(r, c): r for r in (10, 11, 12, 13 + gap) for c in (2, 3, 4)}
    parts = excel.blocks(_job(cells, BLOCK), keep=True)
    assert [(p.row, p.col, len(p.values), len(p.values[0])) for p in parts] == [(10, 2, 3, 3), (13 + gap, 2, 1, 3)]
    near = {(r, c): r for r in (10, 11, 12, 12 + gap) for c in (2, 3, 4)}
    (b,) = excel.blocks(_job(near, BLOCK), keep=True)
    assert len(b.values) == 3 + gap and sum(v is None for line in b.values for v in line) == 3 * (gap - 1)


def test_appended_rows_are_one_block_apart_from_the_changed_ones():
    cells = {(3, 2): 1.5, (401, 1): "n1", (401, 3): 7, (402, 1): "n2", (402, 2): date(2026, 1, 2)}
    parts = excel.blocks(_job(cells, BLOCK), None)
    assert [(p.row, p.col, p.values) for p in parts] == [
        (3, 2, [[1.5]]), (401, 1, [["'n1", "", 7], ["'n2", date(2026, 1, 2), ""]])]


def test_number_formats_are_one_range_per_column_and_format():
    job = excel._SheetJob("Ledger", None, {(2, 1): Out(1.0, "0.00"), (90, 1): Out(2.0, "0.00"),
                                           (2, 2): Out(3.0, "0.00"), (90, 2): Out(4.0, "0.00"),
                                           (5, 3): Out(date(2026, 1, 1), "yyyy-mm-dd")}, 1, 1, None, 100)
    assert excel.format_ranges(job) == [(2, 90, 1, 2, "0.00"), (5, 5, 3, 3, "yyyy-mm-dd")]



# --------------------------------------------------------------------------- report sheets: styling capped

def _month_end(customers: int, rows: int):
    from tests.xl.test_io_counts import month_end_payload

    payload = month_end_payload(rows, customers=customers)
    book = open_book(payload)
    outcome = macros.month_end(book, as_of=date(2026, 3, 31))
    assert outcome.exit_code == 0, outcome.issues[:3]
    actions = book.json()["actions"]
    book.close()
    return payload, actions


def _style_calls(payload: dict, actions: list[dict]) -> Counter[str]:
    state = AppliedBook(payload)
    names = []
    calls: Counter[str] = Counter()
    for a in actions:  # sheet positions change as report sheets are added: follow them
        state.apply([a])
        names = [s["name"] for s in state.payload["sheets"]]
        if a["func"] in ("setFontProperty", "setRangeColor"):
            calls[names[a["sheet_position"]]] += 1
    return calls


def test_report_styling_on_a_live_book_is_capped():
    """Statements for 600 customers: a title, headings and a total per customer would be 4,000 font and
    fill calls; the sheet gets at most MAX_STYLE_CALLS, its frozen heading still styled."""
    payload, actions = _month_end(600, 2_000)
    calls = _style_calls(payload, actions)
    print(f"\nstyle calls per report sheet, 600 customers: {dict(calls)}")
    assert calls and all(n <= excel.MAX_STYLE_CALLS for n in calls.values())
    state = AppliedBook(payload).apply(actions)
    styles = state.styles["Statements"]
    assert ("bold", True, 0, 0) in [s[:4] for s in styles]  # the title row, in the frozen heading
    # what the full styling would have cost, and every statement is on the sheet (values untouched)
    from xlar.book.month_end import MonthEndOptions, execute_month_end

    live = excel.read_book(open_book(payload))
    plan, _, _ = execute_month_end(live.grids, MonthEndOptions(as_of=date(2026, 3, 31)))
    statements = next(t for t in plan.reports if t.name == "Statements")
    layout = excel.report_layout(statements, plan.exps)
    full = sum(excel._style_props(e) for *_, e in layout.styles)
    assert full > 3_000
    heads = [r for r in _sheet(state.payload, "Statements")["values"] if str(r[0]).startswith("Statement C")]
    assert len(heads) == sum(str(r[0]).startswith("'Statement C") for r in layout.values) > 500


def test_report_styling_on_a_small_book_is_complete():
    payload, actions = _month_end(10, 400)
    calls = _style_calls(payload, actions)
    live = excel.read_book(open_book(payload))
    from xlar.book.month_end import MonthEndOptions, execute_month_end

    plan, _, _ = execute_month_end(live.grids, MonthEndOptions(as_of=date(2026, 3, 31)))
    for table in plan.reports:
        layout = excel.report_layout(table, plan.exps)
        want = sum(excel._style_props(e) for *_, e in layout.styles)
        assert calls[table.name] == want <= excel.MAX_STYLE_CALLS, table.name


def test_report_styling_over_the_cap_keeps_bold_before_fills():
    """150 statements: the fills and title sizes go first, the headings and titles stay bold."""
    payload, actions = _month_end(150, 1_500)
    calls = _style_calls(payload, actions)
    assert 0 < calls["Statements"] <= excel.MAX_STYLE_CALLS
    state = AppliedBook(payload).apply(actions)
    values = _sheet(state.payload, "Statements")["values"]
    styles = state.styles["Statements"]
    bold_rows = {r0 + i for what, v, r0, _, n, _ in styles if what == "bold" for i in range(n)}
    titles = [i for i, r in enumerate(values) if str(r[0]).startswith("Statement C")]
    headings = [i for i, r in enumerate(values) if r[0] == "Date" and r[1] == "Document Type"]
    assert len(titles) > 100 and set(titles) <= bold_rows and set(headings) <= bold_rows
    frozen = int(state.frozen["Statements"].split(":")[1])
    assert not [s for s in styles if s[0] in ("fill", "size") and s[2] >= frozen]  # no fills below the heading
