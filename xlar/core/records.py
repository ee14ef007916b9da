"""Fast builders for the frozen, slotted records of ``xlar.core.model`` (posting hot paths).

A frozen dataclass sets each field through ``object.__setattr__``, which costs a function
call per field; posting a million-entry ledger builds hundreds of thousands of 10-35
field records. These builders fill the record as an instance of a *twin* class (a
subclass that adds no slots and restores the plain ``object`` attribute setting, so the
stores are ordinary slot stores) and then give it its real class. CPython allows the
switch because the layouts are identical (and, the twin adding nothing to its base, it
does not even compare the two slot lists); where an interpreter refuses it, the builders
fall back to ``object.__setattr__``. The records built are indistinguishable from ones
built by the dataclass ``__init__`` (same class, same fields, equal, same hash).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import Any


def unrolled(cls: type, signature: str, assignments: dict[str, str],
             defaults: dict[str, object] | None = None) -> Callable[..., Any]:
    """Generate ``def make(<signature>)`` that builds a ``cls`` with every slot set directly.

    ``assignments`` maps each field to the expression (over the parameters) that gives its
    value; ``defaults`` are names the signature may use for default values.
    """
    slots = cls.__dict__.get("__slots__")
    # object's own __setattr__/__delattr__ (both, they share one type slot) undo the frozen ones, so
    # stores on the twin are plain slot stores; object's __init__ lets ``_T()`` skip the dataclass's
    twin: type | None = type(f"_{cls.__name__}Twin", (cls,), {
        "__slots__": (), "__setattr__": object.__setattr__, "__delattr__": object.__delattr__,
        "__init__": object.__init__,
    }) if slots is not None else None
    if twin is not None:
        try:
            probe = object.__new__(twin)
            probe.__class__ = cls
        except TypeError:
            twin = None
    if twin is not None:
        body = [f"def make({signature}):", "    x = _T()"]  # calling the twin: cheaper than object.__new__(_T)
        body += [f"    x.{name} = {expr}" for name, expr in assignments.items()]
        body.append("    x.__class__ = _C")
    else:
        body = [f"def make({signature}):", "    x = _new(_C)"]
        body += [f"    _set(x, {name!r}, {expr})" for name, expr in assignments.items()]
    body.append("    return x")
    ns: dict[str, object] = {"_new": object.__new__, "_C": cls, "_T": twin, "_set": object.__setattr__,
                             **(defaults or {})}
    exec("\n".join(body), ns)  # noqa: S102 - generated from the dataclass's own field names
    return ns["make"]  # type: ignore[return-value]


def constructor(cls: type) -> Callable[..., Any]:
    """A keyword-only constructor for ``cls`` with the same defaults (the very default objects).

    Only for records whose defaults are immutable values (no ``default_factory``).
    """
    params = []
    defaults: dict[str, object] = {}
    for f in fields(cls):
        if f.default is not MISSING:
            defaults[f"_D_{f.name}"] = f.default
            params.append(f"{f.name}=_D_{f.name}")
        elif f.default_factory is not MISSING:  # type: ignore[misc]
            raise TypeError(f"{cls.__name__}.{f.name} has a default factory")
        else:
            params.append(f.name)
    return unrolled(cls, "*, " + ", ".join(params), {f.name: f.name for f in fields(cls)}, defaults)


def positional(cls: type, names: tuple[str, ...]) -> Callable[..., Any]:
    """``make(*values)``: a ``cls`` with ``names`` set from the positional values in that order and every
    other field at its default (immutable defaults only). Positional calls skip keyword matching,
    which is a fair share of a 30-field constructor call."""
    defaults: dict[str, object] = {}
    assignments: dict[str, str] = {}
    for f in fields(cls):
        if f.name in names:
            assignments[f.name] = f.name
        elif f.default is not MISSING:
            defaults[f"_D_{f.name}"] = f.default
            assignments[f.name] = f"_D_{f.name}"
        else:
            raise TypeError(f"{cls.__name__}.{f.name} has no default and is not among the names")
    unknown = set(names) - set(assignments)
    if unknown:
        raise TypeError(f"{cls.__name__} has no fields {sorted(unknown)}")
    return unrolled(cls, ", ".join(names), assignments, defaults)


def rebuilder(cls: type, changing: tuple[str, ...]) -> Callable[..., Any]:
    """``rebuild(record, <changing fields, positionally>)``: a fast ``dataclasses.replace``."""
    return unrolled(cls, "e, " + ", ".join(changing),
                    {f.name: f.name if f.name in changing else f"e.{f.name}" for f in fields(cls)})
