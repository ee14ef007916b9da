"""The button macros run on xlwings' remote engine: the key is set before xlwings is imported."""

from tests.xl.conftest import _clear_remote_cache  # noqa: F401 - sets XLWINGS_LICENSE_KEY first; the fixture
