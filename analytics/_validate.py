"""Input checks shared by the analytics entry points."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def require_columns(frame: pd.DataFrame, columns: Iterable[str], where: str) -> None:
    """Raise ``ValueError`` naming every required column that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{where} needs column(s) {', '.join(missing)}; "
            f"found {', '.join(map(str, frame.columns)) or 'none'}"
        )


class CodedError(ValueError):
    """A problem the user must hear about: ``code`` names it and ``params`` hold its values, so
    the interface can word it in either language; ``str()`` is an English line for logs and the
    command line."""

    def __init__(self, message: str, code: str = "error", **params) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def as_datetimes(values: pd.Series) -> pd.Series:
    """``pd.to_datetime(values)``, without the copy it makes of a column already typed as
    dates (86 MB at ten million payments)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) or (
        values.dtype.kind == "M" and not isinstance(values.dtype, pd.api.extensions.ExtensionDtype)
    ):
        return values
    return pd.to_datetime(values)
