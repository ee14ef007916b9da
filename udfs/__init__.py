"""Worksheet functions (UDFs) for Excel."""
