"""The macros only the buttons call (month end with --issue, documents, SEPA confirm of the selected
collection, help, version) on xlwings' own Book (remote engine), actions replayed and asserted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.xl.harness import make_payload, run_macro, sheet_dicts
from tests.xl.test_month_end_sepa_macros import SEPA, _named, posted
from xlar import __version__, macros


def test_issue_reminders_and_memos_is_month_end_with_issue_as_of_the_named_cell() -> None:
    outcome, _, applied = run_macro(_named(posted(), "2026-03-31T00:00:00.000Z"), macros.month_end_issue)
    assert (outcome.as_of, outcome.issued, outcome.new_entries) == ("2026-03-31", True, 3)
    assert (outcome.reminders, outcome.finance_charges) == (2, 1)
    new = sheet_dicts(applied.payload, "Ledger")[-3:]
    assert sorted(e["Document Type"] for e in new) == ["Finance Charge Memo", "Reminder", "Reminder"]
    assert sheet_dicts(applied.payload, "RunLog")[-1]["Command"] == "month-end --as-of 2026-03-31 --issue"


def test_an_empty_as_of_date_cell_is_today() -> None:
    outcome, _, _ = run_macro(_named(posted(), ""), macros.month_end)
    assert outcome.exit_code == 0 and outcome.as_of == date.today().isoformat()


def test_documents_writes_a_pdf_per_document_beside_the_workbook(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(macros, "_folder", lambda book: tmp_path)
    outcome, _, applied = run_macro(_named(posted(), "2026-03-31T00:00:00.000Z"), macros.documents)
    assert outcome.exit_code == 0, outcome.issues
    folder = tmp_path / "xlar-documents-2026-03-31"
    pdfs = sorted(p.name for p in folder.iterdir())
    assert outcome.documents == len(pdfs) >= 3 and all(n.endswith(".pdf") for n in pdfs)
    assert all((folder / n).read_bytes().startswith(b"%PDF") for n in pdfs)
    assert "Outbox" in [s["name"] for s in applied.payload["sheets"]]
    assert sheet_dicts(applied.payload, "RunLog")[-1]["Command"] == "month-end --as-of 2026-03-31 --documents"


def test_documents_without_a_folder_asks(monkeypatch) -> None:
    monkeypatch.setattr(macros, "_folder", lambda book: None)  # xlwings Lite / Server: no workbook folder
    outcome, actions, _ = run_macro(posted(), macros.documents)
    assert outcome.exit_code == 2 and [a["func"] for a in actions] == ["alert"]
    assert "documents folder" in actions[0]["args"][0]


def test_sepa_confirm_posts_the_collection_on_the_selected_row(tmp_path: Path) -> None:
    _, _, applied = run_macro(make_payload(SEPA), macros.sepa, collection_date=date(2026, 1, 31),
                              xml_path=tmp_path / "dd.xml")
    after = applied.payload
    outcome, actions, _ = run_macro(after, macros.sepa_confirm)  # the selection is on another sheet
    assert outcome.exit_code == 2 and [a["func"] for a in actions] == ["alert"]
    assert "select a row of the collection on the DirectDebit sheet" in actions[0]["args"][0]
    after["book"]["active_sheet_index"] = [s["name"] for s in after["sheets"]].index("DirectDebit")
    after["book"]["selection"] = "C3"
    outcome, _, confirmed = run_macro(after, macros.sepa_confirm)
    assert outcome.result == "Collection DD0001: 3 payment(s) posted, 1550.50 EUR; 3 open bank ledger entries"
    assert sheet_dicts(confirmed.payload, "RunLog")[-1]["Command"] == "sepa --confirm DD0001"


def test_help_and_version(monkeypatch) -> None:
    import webbrowser

    import xlwings

    opened = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    url = macros.help()
    assert opened == [url] and url.startswith("https://")
    from xlar.addin import install

    monkeypatch.setattr(install, "current_platform", lambda: "linux")
    text = macros.version(object())  # a book without an app: no message box, the text is returned
    assert text.startswith(f"xlar {__version__}, xlwings {xlwings.__version__}, Python ")
    assert "there is no desktop Excel on linux" in text
