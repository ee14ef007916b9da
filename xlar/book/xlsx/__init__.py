"""The xlsx file format: zip parts, deflate and the parsing of sheet XML.

Nothing here knows the workbook contract (sheet names, columns, issue codes); the
import-linter contract "xlsx knows no contract" in ``pyproject.toml`` keeps it so.
The contract lives one level up, in :mod:`xlar.book`.
"""
