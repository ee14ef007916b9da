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
    assert names == sorted(f"XLAR.{n.upper()}" for n in ar.__all__)
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
