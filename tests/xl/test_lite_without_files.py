"""xlwings Lite has no file system of the user's: a statement pasted into a sheet is imported with the same
readers as a file, and a SEPA collection's pain.008 file goes to a sheet, one line per row."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from lxml import etree

from tests.bank.samples import camt053, csv_statement, mt940
from tests.sepa import test_workbook as sepa_case
from tests.xl.harness import make_payload, run_macro, sheet_dicts
from tests.xl.test_bank_macros import SHEETS
from tests.xl.test_month_end_sepa_macros import SEPA
from xlar import macros
from xlar.book.bank import PASTE_SHEET
from xlar.book.sepa import FILE_SHEET

CSV_ROWS = [("12.01.2026", "980,00", "Adatum Corp", "Payment INV-1001"),
            ("12.01.2026", "750,00", "Trey Research", "INV-1002 / INV-1003"),
            ("13.01.2026", "-12,50", "", "=HYPERLINK(\"x\") fee")]
MASKED = ("Source File", "Import Key")


def _lines(payload: dict) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in MASKED} for r in sheet_dicts(payload, "BankStatement")]


def _with_paste(cells: list[list[object]]) -> dict:
    return make_payload({**SHEETS, PASTE_SHEET: cells})


def _from_file(path: Path, **kw) -> dict:
    outcome, _, applied = run_macro(make_payload(SHEETS), macros.import_statement, file=path, **kw)
    assert outcome.exit_code == 0, outcome.issues
    return applied.payload


def test_csv_lines_pasted_into_column_a_import_as_the_file_does(tmp_path: Path) -> None:
    path = csv_statement(tmp_path / "jan.csv", CSV_ROWS)
    text = path.read_text(encoding="utf-8").splitlines()
    outcome, _, applied = run_macro(_with_paste([[line] for line in text]), macros.import_statement,
                                    profile="MyBank", statement_no="S-JAN")
    assert (outcome.exit_code, outcome.result) == (0, "Imported 3 line(s) (CSV (MyBank))"), outcome.issues
    assert _lines(applied.payload) == _lines(_from_file(path, profile="MyBank", statement_no="S-JAN"))
    lines = sheet_dicts(applied.payload, "BankStatement")
    assert [(ln["Amount"], ln["Transaction Text"]) for ln in lines] == [
        (980, "Payment INV-1001"), (750, "INV-1002 / INV-1003"), (-12.5, '=HYPERLINK("x") fee')]
    assert lines[0]["Source File"].startswith("PASTE-")
    assert sheet_dicts(applied.payload, "RunLog")[-1]["Command"].startswith(
        f"import-statement --sheet {PASTE_SHEET} (PASTE-")
    # the same paste again adds nothing; without a statement number the paste's digest numbers it
    again, _, _ = run_macro(applied.payload, macros.import_statement, profile="MyBank", statement_no="S-JAN")
    assert again.result == "Imported 0 line(s) (CSV (MyBank)), 3 already imported"
    _, _, own = run_macro(_with_paste([[line] for line in text]), macros.import_statement, profile="MyBank")
    assert {ln["Statement No."] for ln in sheet_dicts(own.payload, "BankStatement")} == {
        lines[0]["Source File"]}


def test_camt_xml_pasted_line_by_line_imports_as_the_file_does(tmp_path: Path) -> None:
    path = camt053(tmp_path / "stmt.xml")
    # Excel puts each pasted line in a row; a tab splits a line into the next columns
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").replace("    ", "\t").splitlines()]
    assert max(len(r) for r in rows) > 1
    outcome, _, applied = run_macro(_with_paste(rows), macros.import_statement)
    assert (outcome.exit_code, outcome.result) == (0, "Imported 5 line(s) (CAMT.053 camt.053.001.02)"), outcome.issues
    assert _lines(applied.payload) == _lines(_from_file(path))
    assert sheet_dicts(applied.payload, "BankStatement")[3]["Transaction Text"] == '=HYPERLINK("x") MyBank fee March'
    # a statement imported from its file first is not imported again from a paste: the key is the statement's
    file_first = _from_file(path)
    file_first["sheets"].append(_with_paste(rows)["sheets"][-1])
    second, _, _ = run_macro(file_first, macros.import_statement)
    assert second.result == "Imported 0 line(s) (CAMT.053 camt.053.001.02), 5 already imported"


def test_mt940_pasted_imports(tmp_path: Path) -> None:
    path = mt940(tmp_path / "stmt.sta")
    rows = [[line] for line in path.read_text(encoding="utf-8").splitlines()]
    outcome, _, applied = run_macro(_with_paste(rows), macros.import_statement)
    assert outcome.exit_code == 0, outcome.issues
    assert _lines(applied.payload) == _lines(_from_file(path))


def test_a_table_pasted_as_columns_imports_as_the_csv_does(tmp_path: Path) -> None:
    """A CSV opened in Excel and copied: cells with dates and numbers, not text."""
    path = csv_statement(tmp_path / "jan.csv", CSV_ROWS)
    table = [["Buchungstag", "Betrag", "Name", "Verwendungszweck"]] + [
        [date(2026, 1, int(d[:2])), float(a.replace(",", ".")), n, t] for d, a, n, t in CSV_ROWS]
    outcome, _, applied = run_macro(_with_paste(table), macros.import_statement, profile="MyBank",
                                    statement_no="S-JAN")
    assert (outcome.exit_code, outcome.result) == (0, "Imported 3 line(s) (CELLS (MyBank))"), outcome.issues
    assert _lines(applied.payload) == _lines(_from_file(path, profile="MyBank", statement_no="S-JAN"))


def test_an_empty_paste_sheet_says_what_to_do() -> None:
    outcome, actions, _ = run_macro(_with_paste([]), macros.import_statement)
    assert outcome.exit_code == 2 and [a["func"] for a in actions] == ["alert"]
    assert PASTE_SHEET in actions[0]["args"][0]


def test_sepa_collection_on_lite_writes_the_pain008_file_to_a_sheet(tmp_path: Path) -> None:
    outcome, actions, applied = run_macro(make_payload(SEPA), macros.sepa, collection_date=date(2026, 1, 31))
    assert outcome.exit_code == 0, outcome.issues
    assert f"the pain.008 file is on the {FILE_SHEET} sheet" in outcome.result
    assert "xlar-DD0001.xml" in outcome.result
    sheet = next(s for s in applied.payload["sheets"] if s["name"] == FILE_SHEET)["values"]
    # every line is text written with the prefix: none became a formula (run_macro checks) or a number
    sent = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == len(applied.payload["sheets"]) - 1]
    assert sent and all(v.startswith("'") for a in sent for line in a["values"] for v in line if v)
    xml = "".join(r[0] + "\n" for r in sheet).encode("utf-8")
    assert sepa_case.xsd("pain.008.001.02").validate(etree.fromstring(xml))
    assert {d["File"] for d in sheet_dicts(applied.payload, "DirectDebit")} == {"xlar-DD0001.xml"}
    # the same bytes as the file a desktop collection writes, but for the creation time
    _, _, _ = run_macro(make_payload(SEPA), macros.sepa, collection_date=date(2026, 1, 31),
                        xml_path=tmp_path / "dd.xml")
    stamp = re.compile(rb"<CreDtTm>[^<]*</CreDtTm>")
    assert stamp.sub(b"", xml) == stamp.sub(b"", (tmp_path / "dd.xml").read_bytes())
