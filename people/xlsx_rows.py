"""Moved to ``common.xlsx_rows`` (every tabular import reads XLSX through it); kept as a name."""

from common.xlsx_rows import UnsupportedWorkbook, iter_xlsx_rows

__all__ = ["UnsupportedWorkbook", "iter_xlsx_rows"]
