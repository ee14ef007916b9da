"""Structured payment references: generation and validation (issue 24).

How most invoices in the Nordics and much of Europe are paid: the payer types (or scans)
a reference whose check digits the bank validates. Each scheme builds a reference from
a *base* (the digits of the invoice number) and validates a typed one:

========  =================================================================  ==================
scheme    check digits                                                       example
========  =================================================================  ==================
``RF``    ISO 11649 creditor reference: ``RF`` + mod 97-10 over the base     RF18 5390 0754 7034
``SE``    Swedish OCR (Bankgirot): Luhn, optionally a length digit before it 1234 5682
``NO``    Norwegian KID: Luhn (mod 10) or mod 11 (weights 2-7, 10 = ``-``)   234 5676
``FI``    Finnish reference number: weights 7, 3, 1 from the right           617 4354
``CH``    Swiss QR reference: 27 digits, recursive mod 10                    21 00000 00003 13947 14300 09017
``BE``    Belgian structured communication: 10 digits + (base mod 97)        +++090/9337/55493+++
========  =================================================================  ==================

``python-stdnum`` has some of these schemes but is LGPL, which the core install does not
take (docs/decisions.md); each scheme is a few lines of arithmetic, tested against the
published examples above.
"""

from __future__ import annotations

import re

SCHEMES = ("RF", "SE", "NO", "NO11", "FI", "CH", "BE")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_SWISS = (0, 9, 4, 6, 8, 2, 7, 1, 3, 5)


class PaymentReferenceError(ValueError):
    """A base that a scheme cannot turn into a reference (wrong characters or length)."""


def _digits_only(base: str, scheme: str, lo: int, hi: int) -> str:
    b = _NON_ALNUM.sub("", base)
    if not b.isdigit() or not lo <= len(b) <= hi:
        raise PaymentReferenceError(f"{scheme} reference: the base must be {lo} to {hi} digits, not {base!r}")
    return b


def luhn(base: str) -> str:
    """The Luhn (mod 10) check digit of ``base``."""
    total = 0
    for i, c in enumerate(reversed(base)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str(-total % 10)


def mod11(base: str) -> str:
    """The mod 11 check digit (weights 2, 3, 4, 5, 6, 7 from the right; ``-`` for 10, 0 for 11)."""
    total = sum(int(c) * (2 + i % 6) for i, c in enumerate(reversed(base)))
    r = 11 - total % 11
    return "0" if r == 11 else "-" if r == 10 else str(r)


def finnish(base: str) -> str:
    """The Finnish check digit: weights 7, 3, 1 repeated from the right, to the next ten."""
    weights = (7, 3, 1)
    return str(-sum(int(c) * weights[i % 3] for i, c in enumerate(reversed(base))) % 10)


def swiss(base: str) -> str:
    """The Swiss QR / ESR check digit (recursive mod 10)."""
    carry = 0
    for c in base:
        carry = _SWISS[(carry + int(c)) % 10]
    return str(-carry % 10)


def _rf_check(body: str) -> str:
    digits = "".join(str(int(c, 36)) for c in body.upper() + "RF00")
    return f"{98 - int(digits) % 97:02d}"


def create(scheme: str, base: str, *, length_digit: bool = True) -> str:
    """The reference of ``scheme`` for ``base`` (compact, no blanks; Belgian with its ``+++`` frame).

    ``length_digit`` is the Swedish OCR variant with a length digit (Bankgirot's *variable
    length, with length digit*), the common one.
    """
    scheme = scheme.upper()
    if scheme == "RF":
        body = _NON_ALNUM.sub("", base).upper()
        if not body or len(body) > 21:
            raise PaymentReferenceError(f"RF reference: the base must be 1 to 21 letters and digits, not {base!r}")
        return f"RF{_rf_check(body)}{body}"
    if scheme == "SE":
        b = _digits_only(base, scheme, 1, 23)
        if length_digit:
            b += str((len(b) + 2) % 10)
        return b + luhn(b)
    if scheme == "NO":
        b = _digits_only(base, scheme, 1, 24)
        return b + luhn(b)
    if scheme == "NO11":
        b = _digits_only(base, "NO", 1, 24)
        check = mod11(b)
        if check == "-":
            raise PaymentReferenceError(f"NO reference: {base!r} has no mod 11 check digit (it would be 10)")
        return b + check
    if scheme == "FI":
        b = _digits_only(base, scheme, 3, 19)
        return b + finnish(b)
    if scheme == "CH":
        b = _digits_only(base, scheme, 1, 26).rjust(26, "0")
        return b + swiss(b)
    if scheme == "BE":
        b = _digits_only(base, scheme, 1, 10).rjust(10, "0")
        check = int(b) % 97 or 97
        full = f"{b}{check:02d}"
        return f"+++{full[:3]}/{full[3:7]}/{full[7:]}+++"
    raise PaymentReferenceError(f"unknown payment reference scheme {scheme!r}; one of {', '.join(SCHEMES)}")


def base_of(scheme: str, reference: str, *, length_digit: bool = True) -> str | None:
    """The base of a valid ``reference`` of ``scheme`` (check digits removed), or None when it is not valid.

    Blanks, dashes and the Belgian ``+++``/``***`` frame are ignored.
    """
    scheme = scheme.upper()
    ref = _NON_ALNUM.sub("", reference).upper()
    if scheme == "RF":
        if not re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", ref):
            return None
        body = ref[4:]
        digits = "".join(str(int(c, 36)) for c in body + ref[:4])
        return body if int(digits) % 97 == 1 else None
    if not ref.isdigit():
        return None
    if scheme == "SE":
        if len(ref) < 2 or luhn(ref[:-1]) != ref[-1]:
            return None
        if length_digit:
            if len(ref) < 3 or int(ref[-2]) != len(ref) % 10:
                return None
            return ref[:-2]
        return ref[:-1]
    if scheme == "NO":
        return ref[:-1] if len(ref) >= 2 and luhn(ref[:-1]) == ref[-1] else None
    if scheme == "NO11":
        return ref[:-1] if len(ref) >= 2 and mod11(ref[:-1]) == ref[-1] else None
    if scheme == "FI":
        return ref[:-1] if 4 <= len(ref) <= 20 and finnish(ref[:-1]) == ref[-1] else None
    if scheme == "CH":
        return ref[:-1] if len(ref) == 27 and swiss(ref[:-1]) == ref[-1] else None
    if scheme == "BE":
        if len(ref) != 12:
            return None
        return ref[:10] if (int(ref[:10]) % 97 or 97) == int(ref[10:]) else None
    raise PaymentReferenceError(f"unknown payment reference scheme {scheme!r}; one of {', '.join(SCHEMES)}")


def valid(scheme: str, reference: str, *, length_digit: bool = True) -> bool:
    """Whether ``reference`` is a valid reference of ``scheme`` (its check digits right)."""
    return base_of(scheme, reference, length_digit=length_digit) is not None


def display(scheme: str, reference: str) -> str:
    """``reference`` grouped as printed on an invoice (RF and SE/NO/FI in fours or fives, CH in fives)."""
    scheme = scheme.upper()
    ref = reference if scheme == "BE" else _NON_ALNUM.sub("", reference).upper()
    if scheme == "RF":
        return " ".join(ref[i:i + 4] for i in range(0, len(ref), 4))
    if scheme == "CH":
        return ref[:2] + " " + " ".join(ref[i:i + 5] for i in range(2, len(ref), 5))
    if scheme == "FI":
        head = len(ref) % 5
        parts = ([ref[:head]] if head else []) + [ref[i:i + 5] for i in range(head, len(ref), 5)]
        return " ".join(parts)
    return ref


def base_for_document(document_no: str) -> str:
    """The base a document number gives a numeric scheme: its digits without leading zeros
    (``INV-2026-00123`` -> ``202600123``), the same digits the matcher reads back."""
    return "".join(c for c in document_no if c.isdigit()).lstrip("0") or "0"


def for_document(scheme: str, document_no: str) -> str:
    """The reference an invoice numbered ``document_no`` gets under ``scheme`` (compact; ``""`` when none).

    Deterministic: the same number always gives the same reference (posting is idempotent).
    A numeric scheme builds it from the number's digits (:func:`base_for_document`), RF from
    the whole number without separators (``INV-2026-00123`` -> ``RF..INV202600123``); a
    number the scheme cannot carry (no digits, too many) gets none.
    """
    if not scheme:
        return ""
    scheme = scheme.upper()
    if scheme == "RF":
        base = _NON_ALNUM.sub("", document_no).upper()
    else:
        base = "".join(c for c in document_no if c.isdigit()).lstrip("0")
        if not base:
            return ""
        if scheme == "FI" and len(base) < 3:
            base = base.rjust(3, "0")
    try:
        ref = create(scheme, base)
    except PaymentReferenceError:
        return ""
    return ref


def check(scheme: str, reference: str) -> str:
    """Why ``reference`` is not a valid reference of ``scheme`` (``""`` when it is, or no scheme is chosen)."""
    if not scheme or not reference.strip():
        return ""
    if valid(scheme, reference):
        return ""
    names = {"RF": "an RF creditor reference (ISO 11649)", "SE": "a Swedish OCR reference",
             "NO": "a Norwegian KID (mod 10)", "NO11": "a Norwegian KID (mod 11)", "FI": "a Finnish reference number",
             "CH": "a Swiss QR reference (27 digits)", "BE": "a Belgian structured communication (12 digits)"}
    return f"{reference.strip()!r} is not {names.get(scheme.upper(), scheme)}: its check digits are wrong or it has " \
        "the wrong length or characters"


def to_quote(references: list[tuple[str, str]], scheme: str, fallback: str, limit: int = 8) -> str:
    """The reference a statement or reminder asks the customer to quote: for one invoice its payment
    reference (grouped as printed), for several one line each (``INV-1: RF.. ``), else ``fallback``.

    ``references``: (document no., payment reference) of the invoices the document asks to be paid.
    """
    refs = [(doc, ref) for doc, ref in references if ref]
    if not refs:
        return fallback
    shown = [display(scheme, ref) if scheme and valid(scheme, ref) else ref for _, ref in refs]
    if len(refs) == 1:
        return f"{shown[0]} ({refs[0][0]})"
    lines = [f"{doc}: {ref}" for (doc, _), ref in zip(refs[:limit], shown)]
    if len(refs) > limit:
        lines.append(f"... {len(refs) - limit} more")
    return "\n".join(lines)
