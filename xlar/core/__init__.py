"""The pure accounting core: no Excel, no I/O, no pandas. Deterministic functions of typed records."""
