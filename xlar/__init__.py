"""xlar: accounts receivable in Excel, settled the way Business Central and Dynamics 365 do it."""

__version__ = "0.1.0"
