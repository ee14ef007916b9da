"""xlwings tests run the real remote engine (xlwings Lite / Server) on JSON payloads.

The PRO engines register only if the license key is set before ``import xlwings``; the
``noncommercial`` key is for this open-source project's own tests (PolyForm Noncommercial).
``XLWINGS_ON_SERVER`` binds ``xw.func``/``xw.script`` to the Office.js versions.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
os.environ.setdefault("XLWINGS_ON_SERVER", "true")

import pytest
import xlwings as xw

assert xw.__pro__, "the xlwings remote engine needs XLWINGS_LICENSE_KEY before xlwings is imported"


@pytest.fixture(autouse=True)
def _clear_remote_cache():
    """The remote engine caches whole-sheet tuples per read in an unbounded lru_cache."""
    yield
    import xlwings.pro._xlremote as remote

    remote.get_range_api.cache_clear()
