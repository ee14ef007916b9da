"""``python -m xlar``: the ``xlar`` command (for a Python whose scripts folder is not on the PATH)."""

from xlar.cli import main

main()
