"""isal has no Pyodide build (xlwings Lite): it is a dependency only off Emscripten, and without it the
part writer deflates and inflates with zlib; a post on a real .xlsx gives the same sheets either way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from tests.book.builders import LEDGER, standard, write_book

ROOT = Path(__file__).resolve().parents[2]

POST = r"""
import json, sys
if sys.argv[2] == "blocked":
    sys.modules["isal"] = None  # as on Pyodide: the package is not there
from pathlib import Path
from xlar.book.xlsx import deflate
from xlar.book.commands import run_file
from python_calamine import CalamineWorkbook
import zipfile
o = run_file(Path(sys.argv[1]), "post", engine="parts")  # the part writer: zip members deflated here
wb = CalamineWorkbook.from_path(sys.argv[1])
sizes = {i.filename: i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()}
print(json.dumps({"engine": deflate.ENGINE, "exit": o.exit_code, "output": o.result, "biggest": max(sizes.values()),
                  "ledger": wb.get_sheet_by_name("Ledger").to_python(),
                  "gl": wb.get_sheet_by_name("GLEntries").to_python()}, default=str))
"""


def test_isal_is_not_a_dependency_on_emscripten():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    isal = next(Requirement(d) for d in deps if Requirement(d).name == "isal")
    assert isal.marker is not None
    assert isal.marker.evaluate({"platform_system": "Emscripten"}) is False
    assert isal.marker.evaluate({"platform_system": "Linux"}) is True
    assert isal.marker.evaluate({"platform_system": "Windows"}) is True


def _post(book: Path, mode: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", POST, str(book), mode], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_a_post_without_isal_uses_zlib_and_writes_the_same_book(tmp_path):
    # 3,000 ledger rows: the sheet part is over 1 MB, where the part writer deflates with ISA-L when it can
    ledger = LEDGER + [["C20000", f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", "Invoice", f"INV-9{i:05d}", 10.0 + i % 50]
                       for i in range(3_000)]
    book = standard(Ledger=ledger)
    with_isal = _post(write_book(tmp_path / "a.xlsx", book), "normal")
    without = _post(write_book(tmp_path / "b.xlsx", book), "blocked")
    assert without["engine"] == "zlib" and without["exit"] == 0, without["output"]
    assert with_isal["engine"] == "isal" and with_isal["exit"] == 0, with_isal["output"]
    assert without["biggest"] > 1 << 20
    head = without["ledger"][0]
    assert without["ledger"] == with_isal["ledger"] and len(without["ledger"]) == 3_004
    assert without["ledger"][-1][head.index("Document No.")] == "PAY-1"
    assert without["ledger"][1][head.index("Open")] is False  # INV-1001, paid
    assert without["gl"] == with_isal["gl"] and len(without["gl"]) > 1
