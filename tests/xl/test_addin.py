"""The add-in around the macros: the demo's xlwings.conf sheet, the demo posted by macro == by CLI,
and the classic (Windows) VBA wrappers "Import Functions" would create for the UDFs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from tests.xl.harness import file_sheets, make_payload, payload_sheets, run_macro
from xlar import macros
from xlar.cli import app
from xlar.demo import XLWINGS_CONF, XLWINGS_CONF_SHEET, generate_demo, write_workbook

ROOT = Path(__file__).resolve().parents[2]
SIZES = {"customers": 30, "open_invoices": 200, "journal_lines": 60}


def _demo(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "demo.xlsx", generate_demo(seed=7, **SIZES), xlwings_conf=True)


def test_the_demo_carries_an_xlwings_conf_sheet(tmp_path):
    wb = openpyxl.load_workbook(_demo(tmp_path))
    ws = wb[XLWINGS_CONF_SHEET]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    assert rows == list(XLWINGS_CONF)
    assert ("UDF Modules", "udfs.ar") in rows


def test_demo_posted_by_macro_equals_demo_posted_by_cli(tmp_path):
    path = _demo(tmp_path)
    wb = openpyxl.load_workbook(path)
    payload = make_payload({ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets})
    outcome, _, applied = run_macro(payload, macros.post, skip_errors=True)
    r = CliRunner().invoke(app, ["post", str(path), "--skip-errors"])
    assert r.exit_code == outcome.exit_code == 0, r.output
    assert outcome.lines_posted > 40
    via_macro, via_cli = payload_sheets(applied.payload), file_sheets(path)
    assert list(via_macro) == list(via_cli)
    for name in via_cli:
        rows_m, rows_c = via_macro[name], via_cli[name]
        if name == "RunLog":  # when it ran and what was fingerprinted differ by nature
            keep = [i for i, h in enumerate(rows_c[0]) if h not in ("Started", "Workbook Fingerprint")]
            rows_m = [[row[i] for i in keep] for row in rows_m]
            rows_c = [[row[i] for i in keep] for row in rows_c]
        assert rows_m == rows_c, name


CLASSIC = r"""
import io, sys, types
pythoncom = types.ModuleType("pythoncom"); pythoncom.CoInitialize = lambda: None
pywintypes = types.ModuleType("pywintypes"); pywintypes.com_error = Exception
client = types.ModuleType("win32com.client"); client.Dispatch = lambda *a, **k: None
win32com = types.ModuleType("win32com"); win32com.client = client
sys.modules.update({"pythoncom": pythoncom, "pywintypes": pywintypes,
                    "win32com": win32com, "win32com.client": client})
import xlwings as xw, xlwings.udfs as udfs
xw.func, xw.arg, xw.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
xw.script = xw.sub = udfs.xlsub
from udfs import ar
buf = io.StringIO()
udfs.generate_vba_wrapper("udfs.ar", ar, buf, types.SimpleNamespace(Name="xlar.xlam"))
print(buf.getvalue())
"""


def test_classic_import_functions_creates_one_vba_function_per_udf():
    # the classic decorators are bound in a fresh process without the server/PRO settings (BSD code only)
    env = {k: v for k, v in os.environ.items() if k not in ("XLWINGS_ON_SERVER", "XLWINGS_LICENSE_KEY")}
    env["PYTHONPATH"] = str(ROOT)
    res = subprocess.run([sys.executable, "-c", CLASSIC], check=False, capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    vba = res.stdout
    from udfs import ar

    for name in ar.__all__:
        assert f"Function {name}(" in vba, name
    assert 'XLPy.CallUDF("udfs.ar", "ar_due_date", Array(document_date, due_date_formula)' in vba
    assert "Application.Volatile" not in vba
