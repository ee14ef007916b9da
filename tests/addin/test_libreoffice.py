"""A second, independent reader of the VBA: LibreOffice headless opens the starter workbook and
a throwaway .xlsm carrying the add-in's vbaProject.bin (LibreOffice does not load .xlam files),
saves them as .ods, and every VBA module must be there with its source, and every Start button
bound to its macro."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import pytest

from tests.compat.test_libreoffice import SOFFICE, soffice
from xlar.addin import vba
from xlar.addin.workbooks import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
ADDIN = ROOT / "workbooks" / "xlar.xlam"
STARTER = ROOT / "workbooks" / "xlar-starter.xlsm"
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; "
                                "`.ci/run` installs libreoffice-calc and poppler-utils with apt-get")


@pytest.fixture(scope="module")
def ods(tmp_path_factory) -> dict[str, dict[str, str]]:
    d = tmp_path_factory.mktemp("lo-addin")
    starter = d / "starter.xlsm"
    starter.write_bytes(STARTER.read_bytes())
    addin = d / "addin-project.xlsm"  # the starter's package with the add-in's VBA project
    with zipfile.ZipFile(STARTER) as src, zipfile.ZipFile(addin, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = vba.vba_project_of(ADDIN) if item.filename == "xl/vbaProject.bin" else src.read(item)
            dst.writestr(item, data)
    soffice(["--convert-to", "ods", "--outdir", str(d / "out"), str(starter), str(addin)], d / "profile")
    out = {}
    for name in ("starter", "addin-project"):
        with zipfile.ZipFile(d / "out" / f"{name}.ods") as z:
            files = {n: z.read(n).decode() for n in z.namelist() if n.startswith("Basic/") or n == "content.xml"}
        out[name] = files
    return out


def _module_text(xml: str) -> str:
    body = re.search(r"<script:module [^>]*>(.*)</script:module>", xml, re.DOTALL)
    assert body is not None
    return html.unescape(body.group(1))


def _code_lines(text: str) -> list[str]:
    """Source lines as both readers agree on them: no Attribute lines (LibreOffice drops them), no blanks."""
    return [x.rstrip() for x in text.replace("\r\n", "\n").split("\n") if x.strip() and not x.startswith("Attribute ")]


@pytest.mark.parametrize(("name", "source"), [("starter", STARTER), ("addin-project", ADDIN)])
def test_libreoffice_reads_every_module_with_its_source(ods, name, source):
    files = ods[name]
    ours = vba.read_modules(vba.vba_project_of(source))
    assert set(ours) == {"ThisWorkbook", "Sheet1", "xlwings", "Dictionary", "xlar"}
    for module, text in ours.items():
        part = f"Basic/VBAProject/{module}.xml"
        assert part in files, f"LibreOffice did not read the {module} module of {source.name}"
        lo = _code_lines(_module_text(files[part]))
        kind = {"xlwings": "VBAModule", "xlar": "VBAModule", "Dictionary": "VBAClassModule"}.get(module,
                                                                                                  "VBADocumentModule")
        head = [f"Rem Attribute VBA_ModuleType={kind}", "Option VBASupport 1"]
        head += ["Option ClassModule"] if kind == "VBAClassModule" else []
        assert lo[:len(head)] == head, (module, lo[:3])
        assert lo[len(head):] == _code_lines(text), f"{source.name}: {module} differs in LibreOffice"
    xlar = _module_text(files["Basic/VBAProject/xlar.xml"])
    for a in ACTIONS:
        assert f'RunPython "import xlar.macros as m; m.{a.function}()"' in xlar


def test_libreoffice_binds_each_start_button_to_its_macro(ods):
    content = ods["starter"]["content.xml"]
    bound = re.findall(r'script:event-name="dom:click" xlink:href="vnd\.sun\.star\.script:VBAProject\.xlar\.(\w+)\?'
                       r'language=Basic&amp;location=document".*?<text:span[^>]*>([^<]+)</text:span>', content, re.DOTALL)
    assert bound == [(a.macro, a.label) for a in ACTIONS]
