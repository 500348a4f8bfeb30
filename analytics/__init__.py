"""Pure customer-value analytics: DataFrames in, DataFrames or frozen dataclasses out.

Nothing here imports streamlit, sqlalchemy or plotly, reads files or mutates its inputs.
"""

from analytics._memory import configure as _configure_memory

_configure_memory()  # before NumPy and Arrow are imported below, where this is the first import

from analytics.summary import SUMMARY_COLUMNS, UNIT_DAYS, resolve_as_of, summarise  # noqa: E402

__all__ = ["SUMMARY_COLUMNS", "UNIT_DAYS", "resolve_as_of", "summarise"]
