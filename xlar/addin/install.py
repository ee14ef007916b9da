"""``xlar addin install / remove / status``: the add-in where ``xlwings addin install`` puts xlwings'.

- Windows: ``%APPDATA%\\Microsoft\\Excel\\XLSTART\\xlar.xlam`` (Excel's user startup folder, the
  ``Application.StartupPath`` that ``xlwings addin install`` copies to).
- Mac: ``~/Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel/xlar.xlam``;
  RunPython on a Mac also needs xlwings' AppleScript in ``~/Library/Application Scripts/com.microsoft.Excel``
  (``xlwings runpython install``), which install copies too.
- The interpreter: like ``xlwings addin install``, a user config file with ``INTERPRETER_WIN`` /
  ``INTERPRETER_MAC`` = this Python is written when there is none yet (``~/.xlwings/xlwings.conf``; on a
  Mac ``~/Library/Containers/com.microsoft.Excel/Data/xlwings.conf``).

The add-in is built on the spot from the installed xlwings package (:func:`build_addin`), so its
xlwings VBA module is always the package's version; :func:`status` names a mismatch when either was
upgraded since. The platform logic takes the platform, the environment and the home folder as
arguments, so tests select Windows or Mac and point them at a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xlar import __version__
from xlar.addin.workbooks import build_addin, embedded_versions, xlwings_dir, xlwings_version

ADDIN_NAME = "xlar.xlam"
MAC_OFFICE = Path("Library/Group Containers/UBF8T346G9.Office")
MAC_STARTUP = MAC_OFFICE / "User Content.localized/Startup.localized/Excel"
MAC_SCRIPTS = Path("Library/Application Scripts/com.microsoft.Excel")
MAC_CONFIG = Path("Library/Containers/com.microsoft.Excel/Data/xlwings.conf")


def current_platform() -> str:
    """``windows``, ``mac`` or the name of a platform without desktop Excel."""
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "mac"
    return sys.platform


@dataclass(slots=True)
class Place:
    """Where the add-in and its helpers go on one machine."""

    platform: str
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    home: Path = field(default_factory=Path.home)

    @property
    def startup(self) -> Path | None:
        if self.platform == "windows":
            appdata = self.env.get("APPDATA")
            return Path(appdata) / "Microsoft" / "Excel" / "XLSTART" if appdata else None
        if self.platform == "mac":
            return self.home / MAC_STARTUP
        return None

    @property
    def addin(self) -> Path | None:
        return self.startup / ADDIN_NAME if self.startup is not None else None

    @property
    def excel_found(self) -> bool:
        """Excel has been started on this account (its settings folder exists)."""
        if self.platform == "windows":
            return self.startup is not None and self.startup.parent.is_dir()
        if self.platform == "mac":
            return (self.home / MAC_OFFICE).is_dir() or Path("/Applications/Microsoft Excel.app").is_dir()
        return False

    @property
    def user_config(self) -> Path:
        return self.home / MAC_CONFIG if self.platform == "mac" else self.home / ".xlwings" / "xlwings.conf"


class NoExcel(Exception):
    """No desktop Excel on this machine (exit 2)."""


def _no_excel(place: Place) -> NoExcel:
    if place.platform not in ("windows", "mac"):
        return NoExcel(f"there is no desktop Excel on {place.platform}: the add-in needs Excel on Windows or a Mac "
                       "(on Linux use xlwings Lite or the xlar command)")
    where = place.startup.parent if place.platform == "windows" and place.startup else place.home / MAC_OFFICE
    return NoExcel(f"Excel was not found on this account ({where} does not exist): install Excel and start it "
                   "once, then run this again")


def install(place: Place) -> list[str]:
    """Build xlar.xlam into Excel's startup folder; returns what was done, one line each."""
    if not place.excel_found or place.addin is None:
        raise _no_excel(place)
    done = []
    target = place.addin
    before = _versions(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name("~xlar-new.xlam")
    try:
        build_addin(tmp)
        os.replace(tmp, target)
    except PermissionError as exc:  # Windows: Excel has the add-in open
        tmp.unlink(missing_ok=True)
        raise PermissionError(f"cannot replace {target}: quit Excel and run this again") from exc
    was = (f" (replaced the add-in for xlar {before.get('xlar', '?')}, xlwings {before.get('xlwings', '?')})"
           if before else "")
    done.append(f"installed {target}: xlar {__version__} with the xlwings {xlwings_version()} VBA module{was}")
    if place.platform == "mac":
        script = xlwings_dir() / f"xlwings-{xlwings_version()}.applescript"
        scripts = place.home / MAC_SCRIPTS
        scripts.mkdir(parents=True, exist_ok=True)
        shutil.copy(script, scripts / script.name)
        done.append(f"enabled RunPython: {scripts / script.name}")
    config = place.user_config
    if not config.exists():
        config.parent.mkdir(parents=True, exist_ok=True)
        key = "INTERPRETER_MAC" if place.platform == "mac" else "INTERPRETER_WIN"
        config.write_text(f'"{key}","{sys.executable}"\n', encoding="utf-8")
        done.append(f"wrote {config}: Excel runs {sys.executable}")
    else:
        done.append(f"kept {config} (the interpreter Excel runs is set there)")
    done.append("restart Excel: the xlar tab appears on the ribbon")
    return done


def remove(place: Place) -> list[str]:
    """Take xlar.xlam out of Excel's startup folder."""
    if not place.excel_found or place.addin is None:
        raise _no_excel(place)
    target = place.addin
    if not target.exists():
        return [f"not installed ({target} does not exist); nothing removed"]
    try:
        target.unlink()
    except PermissionError as exc:
        raise PermissionError(f"cannot remove {target}: quit Excel and run this again") from exc
    return [f"removed {target}; restart Excel"]


def _versions(path: Path) -> dict[str, str]:
    try:
        return embedded_versions(path) if path.exists() else {}
    except Exception:  # noqa: BLE001 - a damaged or foreign file: no versions
        return {"xlar": "unknown", "xlwings": "unknown"}


@dataclass(slots=True)
class Status:
    installed: Path | None
    lines: list[str]
    mismatch: bool


def status(place: Place) -> Status:
    """Whether the add-in is installed, and whether its versions match the installed packages."""
    if not place.excel_found or place.addin is None:
        raise _no_excel(place)
    target = place.addin
    if not target.exists():
        return Status(None, [f"not installed; `xlar addin install` puts it at {target}"], False)
    found = _versions(target)
    lines = [f"installed at {target}: xlar {found.get('xlar', '?')}, xlwings VBA module {found.get('xlwings', '?')}"]
    problems = []
    if found.get("xlwings") != xlwings_version():
        problems.append(f"the add-in's xlwings VBA module is {found.get('xlwings', '?')} but the xlwings package is "
                        f"{xlwings_version()} (RunPython needs both the same)")
    if found.get("xlar") != __version__:
        problems.append(f"the add-in is xlar {found.get('xlar', '?')} but the xlar package is {__version__}")
    if problems:
        lines += [f"version mismatch: {p}" for p in problems] + ["run `xlar addin install` again to rebuild it"]
    else:
        lines.append(f"versions match the packages (xlar {__version__}, xlwings {xlwings_version()})")
    return Status(target, lines, bool(problems))


def status_text(place: Place | None = None) -> str:
    """The status as one message (the ribbon's Version button)."""
    place = place or Place(current_platform())
    try:
        return "\n".join(status(place).lines)
    except NoExcel as exc:
        return str(exc)
