"""``xlar.xlam`` (the ribbon add-in) and ``xlar-starter.xlsm`` (the starter workbook), built from text.

Sources (package data beside this file): ``xlar.bas`` (the VBA module with one macro per
button) and ``customUI14.xml`` (the ribbon). The xlwings VBA module comes from the
installed xlwings package at build time, so the add-in always matches the ``xlwings``
package it runs with: the add-in gets ``xlwings_custom_addin.bas`` (it works on the
active workbook), the starter workbook the standalone ``xlwings.bas`` (it works on itself).

Both files are deterministic: fixed zip timestamps, fixed part order, fixed document
dates, and a ``vbaProject.bin`` without timestamps (:mod:`xlar.addin.vba`), so
``workbooks/`` can be rebuilt and compared in a test.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from xlar import __version__
from xlar.addin import vba

HERE = Path(__file__).resolve().parent
BAS = HERE / "xlar.bas"
RIBBON = HERE / "customUI14.xml"
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
FIXED_DATE = "2026-01-01T00:00:00Z"

XLAM_MAIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA_CT = "application/vnd.ms-office.vbaProject"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
RIBBON_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
DRAWING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"

START_SHEET = "Start"
AS_OF_NAME = "AsOfDate"
AS_OF_CELL = "C4"
#: the complete xlwings.conf sheet of the starter workbook (keys as xlwings' GetConfig reads them; no
#: Interpreter row: an empty one would hide the interpreter ``xlar addin install`` writes to the user config)
XLWINGS_CONF = (
    ("UDF Modules", "udfs.ar;udfs.predict"),
    ("Use UDF Server", "True"),
    ("Debug UDFs", "False"),
    ("Show Console", "False"),
    ("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
)


@dataclass(frozen=True, slots=True)
class Action:
    """One button: ribbon group, label, the VBA macro (``Xlar<name>``; the ribbon calls ``Ribbon<name>``),
    the ``xlar.macros`` function it runs, and what it does."""

    group: str
    label: str
    name: str
    function: str
    tells: str

    @property
    def macro(self) -> str:
        return "Xlar" + self.name

    @property
    def callback(self) -> str:
        return "Ribbon" + self.name


ACTIONS: tuple[Action, ...] = (
    Action("Cash", "Check", "Check", "check", "Validate the workbook and dry-run the Journal; posts nothing."),
    Action("Cash", "Post", "Post", "post", "Post the Journal: ledger entries, applications, G/L lines."),
    Action("Cash", "Post skipping bad lines", "PostSkipErrors", "post_skip_errors",
           "Post the good Journal lines; the bad ones stay, listed on Issues."),
    Action("Cash", "Apply", "Apply", "apply", "Apply open entries that share an Applies-to ID."),
    Action("Cash", "Unapply selected application", "Unapply", "unapply",
           "Select a row on Applications first: that application is reversed."),
    Action("Bank", "Import statement...", "ImportStatement", "import_statement",
           "Read a bank statement file (CAMT.053, MT940, BAI2, OFX, CSV, XLSX)."),
    Action("Bank", "Match", "Match", "match", "Propose matches for the open statement lines."),
    Action("Bank", "Accept", "Accept", "accept", "Post the lines matched with High confidence or marked Manual."),
    Action("Bank", "Reconcile selected statement", "Reconcile", "reconcile",
           "Select a line on BankStatement first: its statement is reconciled."),
    Action("Month end", "Month end", "MonthEnd", "month_end",
           "Aging, G/L tie-out, statements, reminders to suggest, as of the date above."),
    Action("Month end", "Issue reminders and memos", "MonthEndIssue", "month_end_issue",
           "Month end, then issue and post the reminders and finance charge memos."),
    Action("Month end", "Documents", "Documents", "documents",
           "Month end with a PDF per statement, reminder and memo, in a folder beside the workbook."),
    Action("Month end", "SEPA collect", "SepaCollect", "sepa",
           "Collect the direct debits due; the pain.008 file goes beside the workbook."),
    Action("Month end", "SEPA confirm selected collection", "SepaConfirm", "sepa_confirm",
           "Select a row on DirectDebit first: that collection's payments are posted."),
    Action("Month end", "Predict", "Predict", "predict", "Which open invoices will be paid late (Outlook sheet)."),
    Action("Month end", "Collections", "Collections", "collections",
           "The collector's worklist (Collections sheet) and the promises on Activities, as of the date above."),
    Action("Help", "Documentation", "Help", "help", "Open the xlar documentation."),
    Action("Help", "Version", "Version", "version", "Versions of xlar, xlwings and the add-in, and whether they match."),
)


# --------------------------------------------------------------------------- the VBA project

def xlwings_dir() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent


def xlwings_version() -> str:
    import xlwings

    return str(xlwings.__version__)


def xlar_source() -> str:
    return BAS.read_text(encoding="ascii").replace("@XLAR_VERSION@", __version__)


def vba_modules(addin: bool) -> list[vba.Module]:
    """ThisWorkbook, Sheet1 (document modules), the xlwings module, xlwings' Dictionary class and xlar.

    The project records and the document/class modules come from the vbaProject.bin of xlwings'
    ``quickstart_standalone.xlsm`` (saved by Excel); see :mod:`xlar.addin.vba`.
    """
    xw = xlwings_dir()
    skeleton = vba.read_skeleton(vba.vba_project_of(xw / "quickstart_standalone.xlsm"))
    if addin:
        # the add-in's xlwings module: RunPython on the active workbook, the xlwings.conf sheet and
        # ~/.xlwings/xlwings.conf as the xlwings add-in reads them
        text = (xw / "xlwings_custom_addin.bas").read_text(encoding="cp1252")
        text = text.replace('PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "xlwings"')
    else:
        text = (xw / "xlwings.bas").read_text(encoding="cp1252")
    mods = skeleton.modules
    return [mods["ThisWorkbook"], mods["Sheet1"], vba.Module("xlwings", "module", text), mods["Dictionary"],
            vba.Module("xlar", "module", xlar_source())]


def vba_project(addin: bool) -> bytes:
    xw = xlwings_dir()
    skeleton = vba.read_skeleton(vba.vba_project_of(xw / "quickstart_standalone.xlsm"))
    return vba.build_project(skeleton, vba_modules(addin))


_VERSION = re.compile(r'Public Const (XLWINGS_VERSION|XLAR_VERSION) As String = "([^"]*)"')


def embedded_versions(workbook: Path | bytes) -> dict[str, str]:
    """``{"xlar": ..., "xlwings": ...}``: the versions built into an add-in or starter workbook."""
    found: dict[str, str] = {}
    for text in vba.read_modules(vba.vba_project_of(workbook)).values():
        for key, value in _VERSION.findall(text):
            found["xlar" if key == "XLAR_VERSION" else "xlwings"] = value
    return found


# --------------------------------------------------------------------------- zip parts

def _write_zip(path: Path, parts: dict[str, bytes]) -> Path:
    """The package with ``[Content_Types].xml`` and ``_rels/.rels`` first, then the parts in name order."""
    first = ["[Content_Types].xml", "_rels/.rels"]
    names = first + sorted(n for n in parts if n not in first)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, parts[name])
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)
    return path


def _core(title: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dc:title>{escape(title)}</dc:title><dc:creator>xlar</dc:creator>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{FIXED_DATE}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{FIXED_DATE}</dcterms:modified>'
        '</cp:coreProperties>').encode()


def build_addin(path: Path) -> Path:
    """Write ``xlar.xlam``: the xlar ribbon tab, the xlar and xlwings VBA modules, one sheet saying what it is."""
    ribbon = RIBBON.read_bytes()
    sheet_rows = [("xlar add-in", f"xlar {__version__}"), ("xlwings VBA module", f"xlwings {xlwings_version()}"),
                  ("Ribbon", "the xlar tab: Cash, Bank, Month end, Help"),
                  ("Install", "xlar addin install (or copy this file to Excel's XLSTART folder)")]
    cells = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                                   for c, v in zip("AB", row, strict=True)) + "</row>"
        for r, row in enumerate(sheet_rows, start=1))
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Default Extension="bin" ContentType="{VBA_CT}"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{XLAM_MAIN}"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            '</Types>').encode(),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'extended-properties" Target="docProps/app.xml"/>'
            f'<Relationship Id="rId4" Type="{RIBBON_REL}" Target="customUI/customUI14.xml"/>'
            '</Relationships>').encode(),
        "customUI/customUI14.xml": ribbon,
        "docProps/core.xml": _core("xlar add-in"),
        "docProps/app.xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            b'<Application>Microsoft Excel</Application></Properties>'),
        "xl/workbook.xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<workbookPr codeName="ThisWorkbook"/><bookViews><workbookView/></bookViews>'
            b'<sheets><sheet name="xlar" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{VBA_REL}" Target="vbaProject.bin"/>'
            '</Relationships>').encode(),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetPr codeName="Sheet1"/><cols><col min="1" max="1" width="22" customWidth="1"/>'
            '<col min="2" max="2" width="60" customWidth="1"/></cols>'
            f'<sheetData>{cells}</sheetData></worksheet>').encode(),
        "xl/styles.xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
            b'<fill><patternFill patternType="gray125"/></fill></fills>'
            b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
            b'</styleSheet>'),
        "xl/vbaProject.bin": vba_project(addin=True),
    }
    return _write_zip(path, parts)


# --------------------------------------------------------------------------- the starter workbook

_EMU_PX = 9525
_COLS = {"A": 3.0, "B": 36.0, "C": 14.0, "D": 72.0}
_ROW_PT = 30.0


def _col_px(width: float) -> int:
    return int(width * 7 + 5)


def _start_sheet(ws: object, currency: str) -> list[tuple[int, Action]]:
    """Cells of the Start sheet; returns (row, action) of each button."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.workbook.defined_name import DefinedName  # noqa: F401 - used by the caller

    from xlar.book.plan import DATE_FORMAT

    ws.title = START_SHEET  # type: ignore[attr-defined]
    for col, width in _COLS.items():
        ws.column_dimensions[col].width = width  # type: ignore[attr-defined]
    ws["B1"] = "xlar: accounts receivable in Excel"  # type: ignore[index]
    ws["B1"].font = Font(bold=True, size=16)  # type: ignore[index]
    ws["B2"] = ("Click a button. Results go to the sheets it names; problems to the Issues sheet and a "  # type: ignore[index]
                "message. Needs Python with xlar installed (see the README).")
    ws["B4"] = "As-of date (month end)"  # type: ignore[index]
    ws["B4"].font = Font(bold=True)  # type: ignore[index]
    cell = ws[AS_OF_CELL]  # type: ignore[index]
    cell.value = "=EOMONTH(TODAY(),-1)"
    cell.number_format = DATE_FORMAT
    cell.fill = PatternFill("solid", fgColor="FFF2CC")
    cell.alignment = Alignment(horizontal="center")
    ws["D4"] = (f"Named {AS_OF_NAME}: month end ages, issues and dates statements as of this day "  # type: ignore[index]
                "(default: the end of last month; empty: today).")
    ws["B5"] = f"Company currency of this workbook: {currency} (Settings sheet)."  # type: ignore[index]
    rows: list[tuple[int, Action]] = []
    r = 6
    group = ""
    for a in ACTIONS:
        if a.group != group:
            r += 1
            group = a.group
            ws.cell(r, 2, group).font = Font(bold=True, size=12, color="1F4E79")  # type: ignore[attr-defined]
            r += 1
        ws.cell(r, 4, a.tells).alignment = Alignment(vertical="center", wrap_text=True)  # type: ignore[attr-defined]
        ws.row_dimensions[r].height = _ROW_PT  # type: ignore[attr-defined]
        rows.append((r, a))
        r += 1
    ws.sheet_view.showGridLines = False  # type: ignore[attr-defined]
    ws.page_setup.orientation = "landscape"  # type: ignore[attr-defined]
    ws.page_setup.fitToWidth = 1  # type: ignore[attr-defined]
    ws.page_setup.fitToHeight = 0  # type: ignore[attr-defined]
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[attr-defined]
    return rows


def _shape(idx: int, row: int, a: Action, buttons: set[int]) -> str:
    """A rounded rectangle in column B of ``row`` (1-based) that runs ``a.macro`` when clicked."""
    left_px = _col_px(_COLS["A"])
    width_px = _col_px(_COLS["B"]) - 8
    row_emu = int(_ROW_PT * 12700)
    top = sum(row_emu if r in buttons else 15 * 12700 for r in range(1, row))  # 15 pt rows, button rows taller
    x, cx = (left_px + 4) * _EMU_PX, width_px * _EMU_PX
    pad = 38100
    return (
        '<xdr:twoCellAnchor editAs="oneCell">'
        f'<xdr:from><xdr:col>1</xdr:col><xdr:colOff>{4 * _EMU_PX}</xdr:colOff><xdr:row>{row - 1}</xdr:row>'
        f'<xdr:rowOff>{pad}</xdr:rowOff></xdr:from>'
        f'<xdr:to><xdr:col>1</xdr:col><xdr:colOff>{4 * _EMU_PX + cx}</xdr:colOff><xdr:row>{row - 1}</xdr:row>'
        f'<xdr:rowOff>{row_emu - pad}</xdr:rowOff></xdr:to>'
        f'<xdr:sp macro="[0]!{a.macro}" textlink="">'
        f'<xdr:nvSpPr><xdr:cNvPr id="{idx + 2}" name="xlar {escape(a.label)}" descr="{escape(a.tells)}"/>'
        '<xdr:cNvSpPr/></xdr:nvSpPr>'
        f'<xdr:spPr><a:xfrm><a:off x="{x}" y="{top + pad}"/><a:ext cx="{cx}" cy="{row_emu - 2 * pad}"/>'
        '</a:xfrm><a:prstGeom prst="roundRect"><a:avLst/></a:prstGeom>'
        '<a:solidFill><a:srgbClr val="1F4E79"/></a:solidFill>'
        '<a:ln w="9525"><a:solidFill><a:srgbClr val="17375E"/></a:solidFill></a:ln></xdr:spPr>'
        '<xdr:txBody><a:bodyPr vertOverflow="clip" horzOverflow="clip" wrap="square" lIns="36000" tIns="0" '
        'rIns="36000" bIns="0" rtlCol="0" anchor="ctr"/><a:lstStyle/>'
        '<a:p><a:pPr algn="ctr"/><a:r><a:rPr lang="en-US" sz="1100" b="1">'
        '<a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill><a:latin typeface="Calibri"/></a:rPr>'
        f'<a:t>{escape(a.label)}</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/></xdr:twoCellAnchor>')


def _drawing(rows: list[tuple[int, Action]]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        + "".join(_shape(i, r, a, {r for r, _ in rows}) for i, (r, a) in enumerate(rows)) + "</xdr:wsDr>").encode()


def build_starter(path: Path, currency: str = "EUR") -> Path:
    """Write ``xlar-starter.xlsm``: a Start sheet with a button per action and the ``AsOfDate`` cell, the
    template's sheets, a complete ``xlwings.conf`` sheet, and the xlar + xlwings VBA modules."""
    from openpyxl.workbook.defined_name import DefinedName

    from xlar.book.template import FIXED_TIME, XLWINGS_CONF_SHEET, template_workbook

    wb = template_workbook(currency)
    start = wb.create_sheet(START_SHEET, 0)
    rows = _start_sheet(start, currency)
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is start
    conf = wb[XLWINGS_CONF_SHEET]
    conf.delete_rows(1, conf.max_row)
    for key, value in XLWINGS_CONF:
        conf.append([key, value])
    conf.column_dimensions["A"].width = 30
    conf.column_dimensions["B"].width = 24
    wb.defined_names[AS_OF_NAME] = DefinedName(AS_OF_NAME, attr_text=f"{START_SHEET}!$C$4")
    wb.code_name = "ThisWorkbook"
    for i, ws in enumerate(wb.worksheets, start=1):
        ws.sheet_properties.codeName = f"Sheet{i}"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet1 = "xl/worksheets/sheet1.xml"
    text = parts[sheet1].decode()
    if "<drawing " in text or "</worksheet>" not in text:
        raise ValueError("unexpected Start sheet part")
    # <drawing> goes after pageMargins/pageSetup/headerFooter and before tableParts/extLst
    at = min(text.find(t) for t in ("<tableParts", "<extLst", "</worksheet>") if t in text)
    text = text[:at] + '<drawing r:id="rIdXlarDrawing"/>' + text[at:]
    if 'xmlns:r="' not in text[:400]:
        text = text.replace("<worksheet ", '<worksheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
                            '2006/relationships" ', 1)
    parts[sheet1] = text.encode()
    rels = "xl/worksheets/_rels/sheet1.xml.rels"
    if rels in parts:
        raise ValueError("unexpected relationships of the Start sheet")
    parts[rels] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rIdXlarDrawing" Type="{DRAWING_REL}" Target="../drawings/xlarStart.xml"/>'
        '</Relationships>').encode()
    parts["xl/drawings/xlarStart.xml"] = _drawing(rows)
    ct = parts["[Content_Types].xml"].decode()
    ct = re.sub(r'(PartName="/xl/workbook.xml" ContentType=")[^"]*"', rf'\g<1>{XLSM_MAIN}"', ct)
    ct = ct.replace("</Types>", f'<Override PartName="/xl/vbaProject.bin" ContentType="{VBA_CT}"/>'
                    f'<Override PartName="/xl/drawings/xlarStart.xml" ContentType="{DRAWING_CT}"/></Types>')
    parts["[Content_Types].xml"] = ct.encode()
    wrels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = wrels.replace(
        "</Relationships>", f'<Relationship Id="rIdXlarVba" Type="{VBA_REL}" Target="vbaProject.bin"/>'
        "</Relationships>").encode()
    stamp = datetime.strftime(FIXED_TIME, "%Y-%m-%dT%H:%M:%SZ")
    parts["docProps/core.xml"] = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(),
                                        parts["docProps/core.xml"])
    parts["xl/vbaProject.bin"] = vba_project(addin=False)
    return _write_zip(path, parts)
