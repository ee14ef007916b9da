"""Worksheet functions: plain Python calls, Office.js registration and calls through xlwings.server."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import xlwings as xw
import xlwings.server

from udfs import ar

D = dt.date
LEDGER = [
    ["Entry No.", "Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Remaining Amount",
     "Due Date", "Open"],
    [1, "C1", D(2026, 1, 5), "Invoice", "INV-1001", 1000.0, 0.0, D(2026, 2, 4), False],
    [2, "C1", D(2026, 1, 20), "Invoice", "INV-1002", 500.0, 500.0, D(2026, 2, 19), True],
    [3, "C1", D(2026, 1, 12), "Payment", "PAY-1", -1000.0, 0.0, D(2026, 1, 12), False],
    [4, "C2", D(2026, 3, 1), "Invoice", "INV-2001", 250.0, 250.0, D(2026, 3, 31), True],
    [5, "C2", D(2025, 11, 1), "Invoice", "INV-2000", 100.0, 100.0, D(2025, 12, 1), True],
]


def test_due_and_discount_dates_serials_dates_text_and_errors():
    assert ar.ar_due_date(46023, "1M") == D(2026, 2, 1)  # serial 46023 = 2026-01-01
    assert ar.ar_due_date(D(2026, 1, 15), "CM+10D") == D(2026, 2, 10)
    assert ar.ar_due_date("2024-01-31", "1M") == D(2024, 2, 29)
    assert ar.ar_due_date([[46023], [D(2026, 1, 31)], ["31.01.2026"], [None]], [["cm + 10d"]]) == [
        [D(2026, 2, 10)], [D(2026, 2, 10)], ["#VALUE!"], ["#VALUE!"]]
    assert ar.ar_due_date([[46023, 46024]], [["0D"], ["1D"]]) == [[D(2026, 1, 1), D(2026, 1, 2)],
                                                                  [D(2026, 1, 2), D(2026, 1, 3)]]
    assert ar.ar_discount_date(D(2026, 1, 5), "8D") == D(2026, 1, 13)
    assert ar.ar_discount_date(D(2026, 1, 5), "XYZ") == "#VALUE!"
    with pytest.raises(ValueError, match="different sizes"):
        ar.ar_due_date([[1], [2]], [["1D"], ["2D"], ["3D"]])


def test_discount_and_settling_amount():
    # 2 % until 2026-01-13, with and without a 3-day grace period
    assert ar.ar_discount(1000, 2, D(2026, 1, 13), D(2026, 1, 13)) == 20.0
    assert ar.ar_discount(1000, 2, D(2026, 1, 13), D(2026, 1, 14)) == 0.0
    assert ar.ar_discount(1000, 2, D(2026, 1, 13), D(2026, 1, 16), "3D") == 20.0
    assert ar.ar_discount(1000.5, 2.5, D(2026, 1, 13), D(2026, 1, 1)) == 25.01  # 25.0125 -> 25.01
    assert ar.ar_discount(1001, 2.5, D(2026, 1, 13), D(2026, 1, 1), None, "JPY") == 25.0  # 25.025 -> 25
    assert ar.ar_discount(1000, 2, None, D(2026, 1, 1)) == 0.0  # no discount date
    assert ar.ar_discount("abc", 2, D(2026, 1, 13), D(2026, 1, 1)) == "#VALUE!"
    assert ar.ar_discount([[1000], [500]], 2, D(2026, 1, 13), [[D(2026, 1, 10)], [D(2026, 2, 1)]]) == [[20.0], [0.0]]
    assert ar.ar_settling_amount(1000, 2, D(2026, 1, 13), D(2026, 1, 12)) == 980.0
    assert ar.ar_settling_amount(1000, 2, D(2026, 1, 13), D(2026, 1, 20), 5) == 995.0
    assert ar.ar_settling_amount(-200, 2, D(2026, 1, 13), D(2026, 1, 1)) == -200.0  # a credit: nothing to pay


def test_max_tolerance_as_business_central():
    assert ar.ar_max_tolerance(1234.56, 1, 5) == 5.0  # 1 % = 12.35, capped at 5
    assert ar.ar_max_tolerance(100, 1, 5) == 1.0
    assert ar.ar_max_tolerance(100, 0, 5) == 5.0
    assert ar.ar_max_tolerance(-100, 1, 0, "Credit Memo") == -1.0
    assert ar.ar_max_tolerance(100, 1, 5, "Payment") == 0.0
    assert ar.ar_max_tolerance(100, 1, 5, "Nonsense") == "#VALUE!"


def test_interest():
    # 1000 x 30 days / 30 x 1.5 % = 15.00
    assert ar.ar_interest(1000, D(2026, 1, 1), D(2026, 1, 31), 1.5) == 15.0
    assert ar.ar_interest(1000, D(2026, 1, 1), D(2026, 1, 11), 12, 360) == 3.33
    assert ar.ar_interest(1000, D(2026, 2, 1), D(2026, 1, 1), 1.5) == 0.0
    assert ar.ar_interest([[100], [200]], 46023, 46053, 1) == [[1.0], [2.0]]


def test_iban():
    assert ar.ar_iban_valid("DE89 3704 0044 0532 0130 00") is True
    assert ar.ar_iban_valid([["DE89370400440532013000"], ["DE89370400440532013001"], [None], [42]]) == [
        [True], [False], [False], [False]]


def test_balance_and_aging_as_of_any_date():
    assert ar.ar_balance(LEDGER, D(2026, 1, 31)) == [["Customer No.", "Balance"], ["C1", 500.0], ["C2", 100.0]]
    assert ar.ar_balance(LEDGER, D(2026, 1, 10)) == [["Customer No.", "Balance"], ["C1", 1000.0], ["C2", 100.0]]
    assert ar.ar_balance(LEDGER, D(2026, 3, 31), [["C1"], ["C2"], ["C9"]]) == [[500.0], [350.0], [0.0]]
    assert ar.ar_balance(LEDGER, D(2026, 3, 31), "C2") == 350.0
    aging = ar.ar_aging(LEDGER, D(2026, 3, 31))
    assert aging[0] == ["Customer No.", "Balance", "Not Due", "1-30 Days", "31-60 Days", "61-90 Days",
                        "Over 90 Days"]
    # C1: 500 open, due 2026-02-19 -> 40 days late; C2: 250 due today, 100 due 2025-12-01 -> 120 days
    assert aging[1:] == [["C1", 500.0, 0.0, 0.0, 500.0, 0.0, 0.0], ["C2", 350.0, 250.0, 0.0, 0.0, 0.0, 100.0]]
    # as of an earlier date the payment is not there yet: C1 owes both invoices' balance
    early = ar.ar_aging(LEDGER, D(2026, 1, 10), 15, 2)
    assert early[0][2:] == ["Not Due", "1-15 Days", "16-30 Days", "Over 30 Days"]
    assert early[1] == ["C1", 1000.0, 1000.0, 0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="customerno"):
        ar.ar_balance([["Amount"], [1]], D(2026, 1, 1))


def test_match_proposes_open_documents():
    got = ar.ar_match("Zahlung INV-2001 Fabrikam", 250, LEDGER)
    assert got[0] == ["Document No.", "Customer No.", "Remaining Amount", "Score"]
    assert got[1][:3] == ["INV-2001", "C2", 250.0]
    assert "INV-1001" not in [r[0] for r in got[1:]]  # closed documents are never proposed
    customers = [["Customer No.", "Name"], ["C1", "Adatum Corporation"], ["C2", "Fabrikam"]]
    by_name = ar.ar_match("ADATUM CORP payment", 500, LEDGER, customers, 1)
    assert by_name[1][:2] == ["INV-1002", "C1"] and len(by_name) == 2
    assert ar.ar_match("anything", 0, [LEDGER[0]]) == "#N/A"


# --------------------------------------------------------------------------- as Excel calls them

def test_registrable_as_office_js_custom_functions():
    meta = xlwings.server.custom_functions_meta(ar)
    names = sorted(f["name"] for f in meta["functions"])
    # no namespace of xlar's own: the same names as the classic desktop functions (=AR_DUE_DATE)
    assert names == sorted(n.upper() for n in ar.__all__)
    for f in meta["functions"]:
        assert f["description"], f["name"]  # the function wizard shows the docstring
        assert all(p.get("description") for p in f["parameters"]), f["name"]
        assert not f["options"].get("volatile")


def _call(name, args):
    base = {"version": xw.__version__, "client": "Office.js", "runtime": "1.4",
            "caller_address": "[xlar.xlsx]Sheet1!H2"}
    return asyncio.run(xlwings.server.custom_functions_call({**base, "func_name": name, "args": args}, ar))


def test_called_the_way_office_js_calls_them():
    assert _call("ar_due_date", [[[46023]], [["1M"]]]) == [[46054]]  # dates come back as serials
    # a bad cell is a real #VALUE! error cell in Excel, only in its own cell
    assert _call("ar_due_date", [[[46023], [0]], [["1M"]]]) == [[46054], [{"type": "Error", "errorType": "Value"}]]
    assert _call("ar_discount", [[[1000]], [[2]], [[46035]], [[46030]], [[None]], [[None]]]) == [[20]]
    ledger = [[None if v is None else (v - D(1899, 12, 30)).days if isinstance(v, D) else v for v in row]
              for row in LEDGER]
    assert _call("ar_balance", [ledger, [[46112]], [[None]], [[None]]]) == [
        ["Customer No.", "Balance"], ["C1", 500], ["C2", 350]]
    assert _call("ar_iban_valid", [[["DE89370400440532013000"]]]) == [[True]]


def test_a_percent_cell_and_a_typed_percent_give_the_same_result():
    # 2 % typed as 2, or a percent cell (2 % stored as 0.02), or the text "2%"
    for pct in (2, 0.02, "2%", "2 %"):
        assert ar.ar_discount(1000, pct, D(2026, 1, 13), D(2026, 1, 10)) == 20.0, pct
        assert ar.ar_settling_amount(1000, pct, D(2026, 1, 13), D(2026, 1, 10)) == 980.0, pct
    for pct in (1, 0.01, "1%"):
        assert ar.ar_max_tolerance(250, pct, 5) == 2.5, pct  # 1 % of 250, under the 5.00 cap
    for rate in (1.5, 0.015, "1.5%"):
        assert ar.ar_interest(1000, D(2026, 1, 1), D(2026, 1, 31), rate) == 15.0, rate
    # below 1 %: a percent cell (0.5 % = 0.005) or text; a plain 0.5 is a fraction, i.e. 50 %
    assert ar.ar_max_tolerance(1000, 0.005, 0) == ar.ar_max_tolerance(1000, "0.5%", 0) == 5.0
    assert ar.ar_interest(1000, D(2026, 1, 1), D(2026, 1, 31), 0.5) == 500.0
    # a whole column of percent cells, as Office.js passes a range
    assert ar.ar_discount([[1000], [500]], [[0.02], [0.03]], D(2026, 1, 13), D(2026, 1, 1)) == [[20.0], [15.0]]
    assert ar.ar_interest(1000, D(2026, 1, 1), D(2026, 1, 31), "x%") == "#VALUE!"
    assert ar.ar_interest(1000, D(2026, 1, 1), D(2026, 1, 31), None) == "#VALUE!"
    # through xlwings Server / Lite: a percent cell arrives as its fraction
    assert _call("ar_discount", [[[1000]], [[0.02]], [[46035]], [[46030]], [[None]], [[None]]]) == [[20]]


ERR = {"#N/A": {"type": "Error", "errorType": "NotAvailable"}, "#VALUE!": {"type": "Error", "errorType": "Value"}}


def test_errors_are_excel_error_values_on_office_js():
    """A bad cell, nothing found, a wrong-shaped call: each is an error cell Excel's IFERROR catches."""
    assert _call("ar_interest", [[[1000]], [[46023]], [[46053]], [["abc"]], [[None]], [[None]]]) == [[ERR["#VALUE!"]]]
    ledger = [[None if v is None else (v - D(1899, 12, 30)).days if isinstance(v, D) else v for v in row]
              for row in LEDGER]
    assert _call("ar_match", [[["nothing like it"]], [[0]], [LEDGER[0]], [[None]], [[None]]]) == [[ERR["#N/A"]]]
    lines = _call("ar_match", [[["INV-2001"], ["???"], ["INV-1002"]], [[250], [0], ["x"]], ledger,
                               [[None]], [[None]]])
    assert lines == [["INV-2001", "C2", 250, 100], [ERR["#N/A"]] * 4, [ERR["#VALUE!"]] * 4]
    with pytest.raises(ValueError, match="different sizes"):  # Office.js shows the exception as #VALUE!
        _call("ar_due_date", [[[1], [2]], [["1D"], ["2D"], ["3D"]]])


def test_match_a_range_of_bank_lines_in_one_call():
    customers = [["Customer No.", "Name"], ["C1", "Adatum Corporation"], ["C2", "Fabrikam"]]
    texts = [["Zahlung INV-2001 Fabrikam"], ["ADATUM CORP payment"], [None], ["ZZZZ"]]
    got = ar.ar_match(texts, [[250], [500], [0], [0]], LEDGER, customers)
    # one row per bank line, the best proposal of each; the same as asking line by line
    assert got[0][:3] == ["INV-2001", "C2", 250.0] and got[1][:3] == ["INV-1002", "C1", 500.0]
    assert got[2] == ["", "", "", ""] and got[3] == ["#N/A"] * 4
    for line, row in zip(texts[:2], got[:2]):
        assert ar.ar_match(line[0], row[2], LEDGER, customers, 1)[1] == row
    two = ar.ar_match(texts[:2], [[250], [500]], LEDGER, customers, 2)
    assert [len(r) for r in two] == [8, 8] and two[0][:4] == got[0]


def test_match_500_bank_lines_against_the_demo_ledger_under_2_s_cpu():
    import time
    from decimal import Decimal

    from xlar.demo import generate_demo

    def cells(rows):  # as Excel passes them: numbers as floats
        return [[float(v) if isinstance(v, Decimal) else v for v in r] for r in rows]

    sheets = generate_demo(seed=7).sheets
    head, rows = sheets["Ledger"]
    rows = cells(rows)
    ledger = [head] + rows
    customers = [sheets["Customers"][0]] + cells(sheets["Customers"][1])
    open_docs = [r for r in rows if r[head.index("Document Type")] == "Invoice"
                 and (r[head.index("Remaining Amount")] or 0) > 0]
    texts, amounts = [], []
    for k in range(500):
        r = open_docs[(k * 7919) % len(open_docs)]
        doc, rem = r[head.index("Document No.")], float(r[head.index("Remaining Amount")])
        texts.append([f"SEPA GUTSCHRIFT {doc} KD {r[head.index('Customer No.')]} REF {k:08d}" if k % 3
                      else f"UEBERWEISUNG RECHNUNG {k:06d}"])
        amounts.append([rem])
    t0 = time.process_time()
    got = ar.ar_match(texts, amounts, ledger, customers)
    cpu = time.process_time() - t0
    print(f"\nAR_MATCH: 500 bank lines against {len(ledger) - 1} ledger rows ({len(open_docs)} open) "
          f"in {cpu:.2f} s CPU")
    assert len(got) == 500 and all(len(r) == 4 for r in got)
    named = [k for k in range(500) if k % 3]
    hit = sum(got[k][0] == open_docs[(k * 7919) % len(open_docs)][head.index("Document No.")] for k in named)
    assert hit == len(named)  # every line naming its invoice finds it first
    assert len(open_docs) >= 4_000 and cpu < 2.0


CLASSIC_SERVER = r"""
import io, json, sys, types, inspect
pythoncom = types.ModuleType("pythoncom"); pythoncom.CoInitialize = lambda: None
pywintypes = types.ModuleType("pywintypes"); pywintypes.com_error = Exception
client = types.ModuleType("win32com.client"); client.Dispatch = lambda *a, **k: None

class VARIANT:  # win32com.client.VARIANT: pywin32 converts it to exactly this variant type
    def __init__(self, vt, value):
        self.varianttype, self.value = vt, value

client.VARIANT = VARIANT
win32com = types.ModuleType("win32com"); win32com.client = client
sys.modules.update({"pythoncom": pythoncom, "pywintypes": pywintypes,
                    "win32com": win32com, "win32com.client": client,
                    "xlwings.com_server": types.ModuleType("xlwings.com_server")})  # the UDF server process
import xlwings as xw, xlwings.udfs as udfs
xw.func, xw.arg, xw.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
from udfs import ar, predict
def show(v):
    return [v.varianttype, v.value] if isinstance(v, VARIANT) else v
buf = io.StringIO()
udfs.generate_vba_wrapper("udfs.predict", predict, buf, types.SimpleNamespace(Name="xlar.xlam"))
print(json.dumps({
    "bad_cell": show(ar.ar_due_date(46023, "XYZ")),
    "column": [[show(v) for v in r] for r in ar.ar_due_date([[46023], ["x"]], "0D")[1:]],
    "shape": show(ar.ar_due_date([[1], [2]], [["1D"], ["2D"], ["3D"]])),
    "nothing": show(ar.ar_match("anything", 0, [["Customer No.", "Posting Date", "Amount", "Document No."]])),
    "late_async_mode": predict.ar_late_payment.__xlfunc__["async_mode"],
    "late_is_coroutine": inspect.iscoroutinefunction(predict.ar_late_payment),
    "late_bad_range": show(predict.ar_late_payment([["Name"], ["x"]], "INV-1")),
    "vba": buf.getvalue(),
}, default=str))
"""


def test_on_the_classic_desktop_errors_are_variant_errors_and_late_payment_runs_in_a_thread():
    """In classic xlwings' UDF server (Windows COM; stubbed here) an error is a VT_ERROR variant, which
    pywin32 hands to the VBA wrapper as an error value (#VALUE! = 0x800A07DF, #N/A = 0x800A07FA)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("XLWINGS_ON_SERVER", "XLWINGS_LICENSE_KEY")}
    env["PYTHONPATH"] = str(root)
    res = subprocess.run([sys.executable, "-c", CLASSIC_SERVER], check=False, capture_output=True, text=True,
                         env=env, cwd=root, timeout=120)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    value, na = [10, -2146826273], [10, -2146826246]
    assert got["bad_cell"] == value and got["column"] == [[value]]
    assert got["shape"] == value  # an exception would be text in the cell: #VALUE! instead
    assert got["nothing"] == na
    assert got["late_async_mode"] == "threading" and got["late_is_coroutine"] is False
    assert got["late_bad_range"] == value
    assert "Function ar_late_payment(ledger, document_no)" in got["vba"]
