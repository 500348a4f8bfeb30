"""Pure customer-value analytics: DataFrames in, DataFrames or frozen dataclasses out.

Nothing here imports streamlit, sqlalchemy or plotly, reads files or mutates its inputs.
"""

from analytics.summary import SUMMARY_COLUMNS, UNIT_DAYS, resolve_as_of, summarise

__all__ = ["SUMMARY_COLUMNS", "UNIT_DAYS", "resolve_as_of", "summarise"]
