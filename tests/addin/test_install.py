"""``xlar addin install / remove / status`` and ``xlar template --macro-enabled``: the paths
``xlwings addin install`` uses, on a Windows and a Mac layout under a temporary folder."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xlar import __version__
from xlar.addin import install as ins
from xlar.addin.workbooks import XLSM_MAIN, build_addin, embedded_versions, xlwings_dir, xlwings_version
from xlar.cli import app

MAC_STARTUP = "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"


def machine(tmp_path: Path, platform: str, monkeypatch) -> Path:
    """A home folder with Excel's settings folder, selected as this machine's platform; returns the
    folder the add-in belongs in."""
    home = tmp_path / "home"
    appdata = home / "AppData" / "Roaming"
    if platform == "windows":
        (appdata / "Microsoft" / "Excel").mkdir(parents=True)
        where = appdata / "Microsoft" / "Excel" / "XLSTART"
    else:
        (home / "Library/Group Containers/UBF8T346G9.Office").mkdir(parents=True)
        where = home / MAC_STARTUP
    monkeypatch.setenv("APPDATA", str(appdata))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(ins, "current_platform", lambda: platform)
    monkeypatch.setattr(ins.Path, "home", classmethod(lambda cls: home))
    return where


@pytest.mark.parametrize("platform", ["windows", "mac"])
def test_install_status_remove(tmp_path, monkeypatch, platform):
    where = machine(tmp_path, platform, monkeypatch)
    run = CliRunner().invoke
    r = run(app, ["addin", "status"])
    assert r.exit_code == 0 and "not installed" in r.output, r.output
    r = run(app, ["addin", "install"])
    assert r.exit_code == 0, r.output
    addin = where / "xlar.xlam"
    assert addin.is_file() and f"installed {addin}" in r.output
    assert embedded_versions(addin) == {"xlar": __version__, "xlwings": xlwings_version()}
    home = tmp_path / "home"
    if platform == "mac":
        script = home / "Library/Application Scripts/com.microsoft.Excel" / f"xlwings-{xlwings_version()}.applescript"
        assert script.read_bytes() == (xlwings_dir() / script.name).read_bytes()
        config = home / "Library/Containers/com.microsoft.Excel/Data/xlwings.conf"
        key = "INTERPRETER_MAC"
    else:
        config = home / ".xlwings" / "xlwings.conf"
        key = "INTERPRETER_WIN"
    import sys
    assert config.read_text() == f'"{key}","{sys.executable}"\n'
    r = run(app, ["addin", "status"])
    assert r.exit_code == 0 and "versions match" in r.output, r.output
    # a second install keeps the user's config and says what it replaced
    config.write_text('"INTERPRETER_WIN","C:\\\\Python\\\\pythonw.exe"\n')
    r = run(app, ["addin", "install"])
    assert r.exit_code == 0 and "replaced the add-in for xlar" in r.output and "kept" in r.output, r.output
    assert "pythonw" in config.read_text()
    r = run(app, ["addin", "remove"])
    assert r.exit_code == 0 and not addin.exists() and f"removed {addin}" in r.output, r.output
    r = run(app, ["addin", "remove"])
    assert r.exit_code == 0 and "nothing removed" in r.output


def test_status_names_a_version_mismatch(tmp_path, monkeypatch):
    where = machine(tmp_path, "windows", monkeypatch)
    where.mkdir(parents=True)
    build_addin(where / "xlar.xlam")
    built = embedded_versions(where / "xlar.xlam")["xlwings"]
    monkeypatch.setattr(ins, "xlwings_version", lambda: "0.99.0")  # the xlwings package was upgraded since
    r = CliRunner().invoke(app, ["addin", "status"])
    assert r.exit_code == 1, r.output
    text = " ".join(r.output.split())
    assert f"version mismatch: the add-in's xlwings VBA module is {built} but the xlwings package is 0.99.0" in text
    assert "xlar addin install" in r.output


@pytest.mark.parametrize("platform", ["linux", "windows"])
def test_without_excel_one_line_and_exit_2(tmp_path, monkeypatch, platform):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("APPDATA", str(home / "AppData" / "Roaming"))  # no Microsoft\Excel folder
    monkeypatch.setattr(ins, "current_platform", lambda: platform)
    for action in ("install", "remove", "status"):
        r = CliRunner().invoke(app, ["addin", action])
        assert r.exit_code == 2, r.output
        assert len(r.output.strip().splitlines()) == 1, r.output
        assert ("no desktop Excel on linux" if platform == "linux" else "Excel was not found") in r.output
    assert not (home / "AppData").exists()


def test_template_macro_enabled(tmp_path):
    out = tmp_path / "book.xlsm"
    r = CliRunner().invoke(app, ["template", "--macro-enabled", "--currency", "usd", str(out)])
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(out) as z:
        assert XLSM_MAIN in z.read("[Content_Types].xml").decode()
        assert "xl/vbaProject.bin" in z.namelist()
    import openpyxl
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Start" and wb["Settings"]["B2"].value is not None
    assert any(c.value == "USD" for row in wb["Settings"].iter_rows() for c in row)
    r = CliRunner().invoke(app, ["template", "--macro-enabled", str(tmp_path / "book.xlsx")])
    assert r.exit_code == 2 and ".xlsm" in r.output
    r = CliRunner().invoke(app, ["template", str(tmp_path / "b.xlsm")])
    assert r.exit_code == 2 and "--macro-enabled" in r.output


def test_a_command_on_the_starter_workbook_keeps_its_macros_buttons_and_name(tmp_path):
    """The xlar command on a starter workbook: the VBA project, the Start sheet's buttons and AsOfDate stay."""
    src = Path(__file__).resolve().parents[2] / "workbooks" / "xlar-starter.xlsm"
    out = tmp_path / "checked.xlsm"
    r = CliRunner().invoke(app, ["check", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        for part in ("xl/vbaProject.bin", "xl/drawings/xlarStart.xml", "xl/worksheets/sheet1.xml",
                     "xl/worksheets/_rels/sheet1.xml.rels", "[Content_Types].xml"):
            assert a.read(part) == b.read(part), part
        assert '<definedName name="AsOfDate">Start!$C$4</definedName>' in b.read("xl/workbook.xml").decode()
