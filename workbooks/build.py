"""Rebuild the committed workbooks: ``python workbooks/build.py``.

- ``workbooks/template.xlsx``: ``xlar template`` with the default currency (EUR).

``tests/book/test_template.py`` fails when the committed file differs (cells, formats,
tables, drop-downs) from what this script builds.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from xlar.book.template import build_template

TEMPLATE = HERE / "template.xlsx"


def main() -> None:
    print(build_template(TEMPLATE))


if __name__ == "__main__":
    main()
