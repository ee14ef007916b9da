"""The workbook contract: the only package that knows sheet and column names."""
