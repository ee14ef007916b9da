"""What the worksheet functions give back to Excel, per platform: error values and percentages.

**Error values.** ``=IFERROR(AR_DUE_DATE(...), "")`` must catch a bad cell on every platform:

- *xlwings Lite and Server (Office.js custom functions)*: xlwings turns a returned string that is
  exactly an error's text (``"#N/A"``, ``"#VALUE!"``, ...) into a real error cell (``{"type": "Error",
  "errorType": "NotAvailable"}``, ``xlwings/pro/_xlofficejs.py`` ``errorstr_to_errortype``, runtime
  1.4 and later). A function that raises shows ``#VALUE!`` too.
- *Classic desktop (Windows, "Import Functions")*: xlwings returns a UDF's value to its VBA wrapper
  through pywin32, and a string stays text; an exception becomes the wrapper's ``Err.Description``
  text (xlwings issue #776: classic UDFs have no error cells). pywin32 converts a
  ``win32com.client.VARIANT`` to exactly that variant type (``oleargs.cpp``:
  ``PyCom_VariantFromPyObject`` checks for one first), so in the UDF server an error is returned as
  ``VARIANT(VT_ERROR, 0x800A07FA)`` (#N/A; #VALUE! is 0x800A07DF): the VBA ``Function`` gets a
  Variant of subtype Error, which Excel shows as the error value, as VBA's ``CVErr(xlErrNA)`` does.
  An exception (a call with ranges of different sizes) is caught there and returned as #VALUE! for
  the same reason.
- *Python* (tests, scripts): the error's text.

**Percentages.** A percent cell holds a fraction (2 % is 0.02) and a function cannot see a cell's
format. Rule: a percentage argument whose magnitude is below 1 is a fraction and is multiplied by
100 (0.02 -> 2 %); 1 and above are percent numbers (2 -> 2 %); text such as ``"2%"`` or ``"0.5 %"``
is the number before the sign. So a rate below 1 % is typed as a percent (``0.5%``) or as text; a
plain ``0.5`` means 50 %.
"""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation

#: Excel's error values by their text, as the HRESULTs COM uses for them (0x800A0000 + xlErr*)
_HRESULT = {"#NULL!": -2146826288, "#DIV/0!": -2146826281, "#VALUE!": -2146826273, "#REF!": -2146826265,
            "#NAME?": -2146826259, "#NUM!": -2146826252, "#N/A": -2146826246}
_VT_ERROR = 10
HUNDRED = Decimal(100)


def classic() -> bool:
    """Running in classic xlwings' UDF server (Windows COM)."""
    return "xlwings.com_server" in sys.modules


def error(text: str) -> object:
    """The Excel error value ``text`` ("#N/A", "#VALUE!", ...) as this platform returns it."""
    if classic():  # pragma: no cover - Windows only
        from win32com.client import VARIANT

        return VARIANT(_VT_ERROR, _HRESULT[text])
    return text


def is_error(v: object, text: str | None = None) -> bool:
    """Is ``v`` an error value (of ``text``) as :func:`error` makes them."""
    if isinstance(v, str):
        return v in _HRESULT and (text is None or v == text)
    code = getattr(v, "value", None)
    return getattr(v, "varianttype", None) == _VT_ERROR and (text is None or code == _HRESULT[text])


def percent(v: object) -> Decimal:
    """A percentage argument as a percent number (see the module's rule); ValueError when it is none."""
    if isinstance(v, str):
        text = v.strip().replace(" ", "")
        if text.endswith("%"):
            try:
                return Decimal(text[:-1].replace(",", "."))
            except InvalidOperation:
                raise ValueError(v) from None
    if isinstance(v, bool) or v is None:
        raise ValueError(v)
    try:
        d = Decimal(repr(v)) if isinstance(v, float) else Decimal(str(v).strip())
    except InvalidOperation:
        raise ValueError(v) from None
    if not d.is_finite():
        raise ValueError(v)
    return d * HUNDRED if 0 < abs(d) < 1 else d
