"""Render one sheet of a workbook the way a person prints it: LibreOffice headless to PDF, pages to PNG.

``sheet_pdf`` copies the book with every other sheet hidden (LibreOffice prints only visible
sheets) and converts the copy with a private LibreOffice profile. ``page_texts`` reads the
PDF back a page at a time (pypdf); ``pngs`` draws the pages at 60 dpi (pdftoppm) to look at.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from lxml import etree

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def only_sheet(src: Path, sheet: str, dst: Path) -> Path:
    """A copy of ``src`` in which ``sheet`` is the only visible sheet (and the active one)."""
    with zipfile.ZipFile(src) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    wb_name = next(i.filename for i, _ in items if re.fullmatch(r"xl/workbook\d*\.xml", i.filename))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == wb_name:
                root = etree.fromstring(data)
                sheets = root.find(f"{{{NS}}}sheets")
                names = [s.get("name") for s in sheets]
                if sheet not in names:
                    raise KeyError(f"{src.name} has no sheet {sheet!r}: {names}")
                for s in sheets:
                    if s.get("name") == sheet:
                        s.attrib.pop("state", None)
                    else:
                        s.set("state", "hidden")
                for view in root.iter(f"{{{NS}}}workbookView"):
                    view.set("activeTab", str(names.index(sheet)))
                    view.set("firstSheet", str(names.index(sheet)))
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            z.writestr(info, data)
    dst.write_bytes(out.getvalue())
    return dst


def soffice_pdf(files: list[Path], outdir: Path, profile: Path) -> None:
    assert SOFFICE is not None
    cmd = [SOFFICE, "--headless", "--norestore", "--nologo", f"-env:UserInstallation={profile.as_uri()}",
           "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)]
    r = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def sheet_pdfs(book: Path, sheets: list[str], work: Path, profile: Path) -> dict[str, Path]:
    """Each sheet of ``book`` alone as a PDF (one LibreOffice run for all of them)."""
    work.mkdir(parents=True, exist_ok=True)
    copies = {s: only_sheet(without_other_data(book, (s,), work / f"{book.stem}-{s}-data.xlsx"), s,
                            work / f"{book.stem}-{s}.xlsx") for s in sheets}
    soffice_pdf(list(copies.values()), work, profile)
    return {s: p.with_suffix(".pdf") for s, p in copies.items()}


def page_texts(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(str(pdf)).pages]


def pngs(pdf: Path, prefix: Path, dpi: int = 60) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True, timeout=120)
    return sorted(prefix.parent.glob(prefix.name + "*.png"))


def without_other_data(src: Path, sheets: tuple[str, ...], dst: Path) -> Path:
    """A copy of ``src`` whose sheets other than ``sheets`` are emptied (sheetData removed): quick to load."""
    with zipfile.ZipFile(src) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    data = {i.filename: d for i, d in items}
    wb_name = next(n for n in data if re.fullmatch(r"xl/workbook\d*\.xml", n))
    root = etree.fromstring(data[wb_name])
    rels = etree.fromstring(data["xl/_rels/" + wb_name.split("/")[-1] + ".rels"])
    target = {r.get("Id"): r.get("Target") for r in rels}
    drop = set()
    for s in root.find(f"{{{NS}}}sheets"):
        if s.get("name") not in sheets:
            t = target[s.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")]
            drop.add(t.lstrip("/") if t.startswith("/") else "xl/" + t)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, d in items:
            if info.filename in drop:
                d = re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData/>", d, flags=re.DOTALL)
            z.writestr(info, d)
    dst.write_bytes(out.getvalue())
    return dst
