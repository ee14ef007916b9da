"""Rebuild the committed workbooks: ``python workbooks/build.py``.

- ``workbooks/template.xlsx``: ``xlar template`` with the default currency (EUR).
- ``workbooks/xlar.xlam``: the xlar ribbon add-in (``xlar addin install`` builds the same file).
- ``workbooks/xlar-starter.xlsm``: the starter workbook with the Start sheet's buttons
  (``xlar template --macro-enabled``).

The VBA and the ribbon are text: ``xlar/addin/xlar.bas`` and ``xlar/addin/customUI14.xml``; the
xlwings VBA module comes from the installed xlwings package (the dev extra pins its version).
``tests/book/test_template.py`` and ``tests/addin/`` fail when a committed file differs from
what this script builds.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from xlar.addin.workbooks import build_addin, build_starter
from xlar.book.template import build_template

TEMPLATE = HERE / "template.xlsx"
ADDIN = HERE / "xlar.xlam"
STARTER = HERE / "xlar-starter.xlsm"


def main() -> None:
    print(build_template(TEMPLATE))
    print(build_addin(ADDIN))
    print(build_starter(STARTER))


if __name__ == "__main__":
    main()
