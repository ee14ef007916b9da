"""The committed xlar.xlam and xlar-starter.xlsm: rebuilt from the text sources, read back with olevba."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from oletools.olevba import VBA_Parser

import xlar.macros
from xlar import __version__
from xlar.addin import vba
from xlar.addin.workbooks import (
    ACTIONS,
    AS_OF_NAME,
    RIBBON,
    XLAM_MAIN,
    XLSM_MAIN,
    build_addin,
    build_starter,
    embedded_versions,
    xlwings_dir,
    xlwings_version,
)

ROOT = Path(__file__).resolve().parents[2]
ADDIN = ROOT / "workbooks" / "xlar.xlam"
STARTER = ROOT / "workbooks" / "xlar-starter.xlsm"
RUN = re.compile(r'^\s*RunPython "import xlar\.macros as m; m\.(\w+)\(\)"\s*$')


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def olevba_modules(path: Path) -> dict[str, str]:
    """Module name -> source, as oletools' olevba reads them (independent of xlar.addin.vba)."""
    p = VBA_Parser(str(path))
    try:
        return {Path(name).stem: code.replace("\r\n", "\n") for _, _, name, code in p.extract_macros()}
    finally:
        p.close()


def subs(source: str) -> dict[str, tuple[str, list[str]]]:
    """Sub name -> (its parameter list, its body lines)."""
    out: dict[str, tuple[str, list[str]]] = {}
    for m in re.finditer(r"^Sub (\w+)\(([^)]*)\)\n(.*?)^End Sub", source, re.MULTILINE | re.DOTALL):
        out[m.group(1)] = (m.group(2), [x for x in m.group(3).splitlines() if x.strip()])
    return out


def macro_function(all_subs: dict[str, tuple[str, list[str]]], name: str) -> str:
    """The xlar.macros function a VBA macro runs (following one call to another macro)."""
    _params, body = all_subs[name]
    assert len(body) == 1, (name, body)
    m = RUN.match(body[0])
    if m is None:
        callee = body[0].strip()
        assert callee in all_subs and not all_subs[callee][0], (name, body)
        return macro_function(all_subs, callee)
    return m.group(1)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    d = tmp_path_factory.mktemp("addin")
    return build_addin(d / "xlar.xlam"), build_starter(d / "xlar-starter.xlsm")


def test_committed_workbooks_are_what_the_build_makes(rebuilt):
    """Every part the same bytes (the build is deterministic), and the same VBA read back with olevba."""
    for fresh, committed in zip(rebuilt, (ADDIN, STARTER), strict=True):
        assert committed.exists(), "run: python workbooks/build.py"
        a, b = parts(fresh), parts(committed)
        assert sorted(a) == sorted(b), committed.name
        stale = [n for n in a if a[n] != b[n]]
        assert not stale, f"{committed.name} is stale ({stale}): python workbooks/build.py"
        assert olevba_modules(fresh) == olevba_modules(committed)
    assert build_addin(rebuilt[0].with_name("again.xlam")).read_bytes() == rebuilt[0].read_bytes()


def test_every_ribbon_button_runs_an_existing_macro_function():
    xml = RIBBON.read_text()
    actions = re.findall(r'onAction="(\w+)"', xml)
    labels = re.findall(r'<button [^>]*label="([^"]+)"', xml)
    assert len(actions) == len(labels) == len(ACTIONS) == 18
    ids = re.findall(r'\bid="(\w+)"', xml)
    assert len(ids) == len(set(ids)) == 1 + 4 + len(ACTIONS)  # Excel refuses a ribbon with a repeated id
    groups = re.findall(r'<group id="\w+" label="([^"]+)"', xml)
    assert groups == ["Cash", "Bank", "Month end", "Help"]
    mods = olevba_modules(ADDIN)
    assert set(mods) == {"ThisWorkbook", "Sheet1", "xlwings", "Dictionary", "xlar"}
    xlar_subs = subs(mods["xlar"])
    ran = []
    for cb in actions:
        assert cb in xlar_subs, f"ribbon onAction {cb} is not a macro of the xlar VBA module"
        assert xlar_subs[cb][0] == "control As IRibbonControl", cb
        fn = macro_function(xlar_subs, cb)
        assert callable(getattr(xlar.macros, fn, None)), f"{cb} runs xlar.macros.{fn}, which does not exist"
        ran.append(fn)
    assert ran == [a.function for a in ACTIONS]
    assert {"post", "post_skip_errors", "unapply", "import_statement", "reconcile", "month_end",
            "month_end_issue", "documents", "sepa", "sepa_confirm", "predict", "help", "version"} <= set(ran)


def test_every_start_button_runs_an_existing_macro_function():
    p = parts(STARTER)
    drawing = p["xl/drawings/xlarStart.xml"].decode()
    shapes = re.findall(r'<xdr:sp macro="\[0\]!(\w+)".*?<a:t>([^<]+)</a:t>', drawing, re.DOTALL)
    assert [label for _, label in shapes] == [a.label for a in ACTIONS]
    xlar_subs = subs(olevba_modules(STARTER)["xlar"])
    for macro, label in shapes:
        assert macro in xlar_subs and xlar_subs[macro][0] == "", (macro, label)
        fn = macro_function(xlar_subs, macro)
        assert callable(getattr(xlar.macros, fn, None)), (label, fn)
    # the Start sheet shows the drawing; it is the first sheet
    sheet1 = p["xl/worksheets/sheet1.xml"].decode()
    assert '<drawing r:id="rIdXlarDrawing"/>' in sheet1 and 'codeName="Sheet1"' in sheet1
    assert "../drawings/xlarStart.xml" in p["xl/worksheets/_rels/sheet1.xml.rels"].decode()


def test_content_types_and_relationships_match_each_extension():
    for path, main in ((ADDIN, XLAM_MAIN), (STARTER, XLSM_MAIN)):
        p = parts(path)
        ct = p["[Content_Types].xml"].decode()
        assert re.search(rf'PartName="/xl/workbook.xml" ContentType="{re.escape(main)}"', ct), path.name
        assert "spreadsheetml.sheet.main+xml" not in ct and "template" not in ct
        assert ('Extension="bin" ContentType="application/vnd.ms-office.vbaProject"' in ct
                or 'PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"' in ct)
        rels = p["xl/_rels/workbook.xml.rels"].decode()
        assert re.search(r'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
                         r'Target="vbaProject.bin"', rels)
        assert 'codeName="ThisWorkbook"' in p["xl/workbook.xml"].decode()
    root = parts(ADDIN)["_rels/.rels"].decode()
    assert ('Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility" '
            'Target="customUI/customUI14.xml"') in root
    assert parts(ADDIN)["customUI/customUI14.xml"] == RIBBON.read_bytes()
    assert b"2009/07/customui" in RIBBON.read_bytes()


def test_the_vba_modules_are_the_installed_xlwings_and_our_source():
    """The add-in's xlwings module is xlwings' custom-add-in module of the installed version; the starter's
    the standalone one; the xlar module is xlar/addin/xlar.bas with the package version."""
    xw = xlwings_dir()
    for path, src in ((ADDIN, "xlwings_custom_addin.bas"), (STARTER, "xlwings.bas")):
        mods = olevba_modules(path)
        ours = mods["xlwings"]
        theirs = (xw / src).read_text(encoding="cp1252").replace("\r\n", "\n")
        theirs = theirs.replace('PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "xlwings"')
        assert ours.strip() == theirs.strip()
        assert embedded_versions(path) == {"xlar": __version__, "xlwings": xlwings_version()}
    assert "ActiveWorkbook" in olevba_modules(ADDIN)["xlwings"]  # the add-in runs on the open workbook
    assert 'Const PROJECT_NAME As String = "xlwings"' in olevba_modules(ADDIN)["xlwings"]


def test_starter_sheets_name_and_xlwings_conf():
    wb = openpyxl.load_workbook(STARTER)
    tpl = openpyxl.load_workbook(ROOT / "workbooks" / "template.xlsx")
    assert wb.sheetnames == ["Start", *tpl.sheetnames]
    dn = wb.defined_names[AS_OF_NAME]
    assert dn.attr_text == "Start!$C$4"
    start = wb["Start"]
    assert start["B4"].value == "As-of date (month end)" and start["C4"].value == "=EOMONTH(TODAY(),-1)"
    assert start["C4"].number_format.startswith("yyyy") or "d" in start["C4"].number_format
    conf = {r[0].value: r[1].value for r in wb["xlwings.conf"].iter_rows()}
    assert conf["UDF Modules"] == "udfs.ar;udfs.predict"
    assert not any(k.upper().startswith("INTERPRETER") for k in conf)  # an empty one would hide the user's
    import importlib
    for module in conf["UDF Modules"].split(";"):
        importlib.import_module(module)
    for name in tpl.sheetnames:  # the template's tables and formats are all there
        assert sorted(wb[name].tables) == sorted(tpl[name].tables), name


def test_compression_and_compound_file_round_trip_through_oletools():
    from oletools.olevba import decompress_stream

    text = (xlwings_dir() / "xlwings.bas").read_bytes()
    packed = vba.compress(text)
    assert bytes(decompress_stream(bytearray(packed))) == text == vba.decompress(packed)
    assert len(packed) < len(text) * 0.45  # it really compresses (46 kB of VBA)
    noise = bytes((i * 7919 + (i >> 3) * 31) % 251 for i in range(9000))
    assert bytes(decompress_stream(bytearray(vba.compress(noise)))) == noise
    import olefile

    blob = vba.write_cfb({"A": b"x" * 10, "S/B": b"y" * 5000, "S/C": b"z" * 70})
    ole = olefile.OleFileIO(io.BytesIO(blob))
    assert ole.openstream("A").read() == b"x" * 10
    assert ole.openstream("S/B").read() == b"y" * 5000 and ole.openstream("S/C").read() == b"z" * 70
