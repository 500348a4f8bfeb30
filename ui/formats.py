"""Numbers and dates for people: counts, percentages, money (万 / 亿 in Chinese, K / M / B in
English), dates, and round axis ticks for charts. Pure functions of the value and the language.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd

__all__ = [
    "CURRENCY_SYMBOLS",
    "fmt_date",
    "fmt_int",
    "fmt_money",
    "fmt_month",
    "fmt_number",
    "fmt_pct",
    "money_ticks",
    "percent_ticks",
]

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$"}
_DASH = "–"


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_int(value) -> str:
    """``12,345``; a dash when missing."""
    if _missing(value):
        return _DASH
    return f"{int(round(float(value))):,}"


def fmt_number(value, digits: int = 2) -> str:
    if _missing(value):
        return _DASH
    return f"{float(value):,.{digits}f}"


def fmt_pct(value, digits: int = 1) -> str:
    """``12.3%``; a dash when missing."""
    if _missing(value):
        return _DASH
    return f"{float(value) * 100:.{digits}f}%"


def fmt_money(
    value, currency: str | None = None, language: str = "en", compact: bool = True
) -> str:
    """Money for display with the currency's sign (CNY ``¥``, USD ``$``).

    Compact: Chinese uses 万 (10^4) and 亿 (10^8) from 10,000 up, two decimals
    (``¥1.23万``); English uses K from 10,000, M from 10^6 and B from 10^9, one decimal
    (``¥12.3K``). Below those, whole units from 100 and two decimals under 100.
    """
    if _missing(value):
        return _DASH
    symbol = CURRENCY_SYMBOLS.get(currency or "", "")
    sign = "-" if value < 0 else ""
    magnitude = abs(float(value))
    if compact and language == "zh":
        for size, unit in ((1e8, "亿"), (1e4, "万")):
            if magnitude >= size:
                return f"{sign}{symbol}{magnitude / size:,.2f}{unit}"
    elif compact:
        for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            floor = 1e4 if unit == "K" else size
            if magnitude >= floor:
                return f"{sign}{symbol}{magnitude / size:,.1f}{unit}"
    if magnitude >= 100:
        return f"{sign}{symbol}{magnitude:,.0f}"
    return f"{sign}{symbol}{magnitude:,.2f}"


def fmt_date(value, language: str = "en") -> str:
    """``2024年3月5日`` in Chinese, ``05 Mar 2024`` in English; a dash when missing."""
    if value is None or (not isinstance(value, (date, datetime)) and _missing(value)):
        return _DASH
    stamp = pd.Timestamp(value)
    if language == "zh":
        return f"{stamp.year}年{stamp.month}月{stamp.day}日"
    return stamp.strftime("%d %b %Y")


def fmt_month(value, language: str = "en") -> str:
    """``2024年3月`` in Chinese, ``Mar 2024`` in English."""
    if _missing(value):
        return _DASH
    stamp = pd.Timestamp(value)
    return f"{stamp.year}年{stamp.month}月" if language == "zh" else stamp.strftime("%b %Y")


def _nice_step(span: float, target: int) -> float:
    """A step of 1, 2, 2.5 or 5 times a power of ten giving about ``target`` intervals."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(target, 1)
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * power >= raw:
            return multiple * power
    return 10 * power


def _ticks(low: float, high: float, target: int) -> np.ndarray:
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 0:
        high = low + 1.0
    step = _nice_step(high - low, target)
    start = math.floor(low / step) * step
    stop = math.ceil(high / step) * step
    count = int(round((stop - start) / step)) + 1
    return np.round(start + step * np.arange(count), 10)


def money_ticks(
    values, currency: str | None = None, language: str = "en", target: int = 5
) -> tuple[list[float], list[str]]:
    """Round tick values covering ``values`` (and zero), labelled with :func:`fmt_money`."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    ticks = _ticks(low, high, target)
    return ticks.tolist(), [fmt_money(v, currency, language) for v in ticks]


def percent_ticks(
    values, target: int = 5, cap: float | None = None
) -> tuple[list[float], list[str]]:
    """Round percentage ticks (steps of 1, 2, 2.5, 5, 10 ... points) covering ``values`` (and
    zero), labelled without needless decimals: ``0%, 20%, 40%`` or ``0%, 2.5%, 5%``."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    high = float(finite.max()) if len(finite) else 1.0
    if cap is not None:
        high = min(high, cap)
    ticks = _ticks(float(finite.min()) if len(finite) else 0.0, high, target)
    if cap is not None:
        ticks = ticks[ticks <= cap + 1e-12]
    step = float(np.diff(ticks).min()) if len(ticks) > 1 else 1.0
    digits = (
        max(0, -math.floor(math.log10(step * 100) + 1e-9))
        if step * 100 < 1
        else (1 if abs(step * 100 - round(step * 100)) > 1e-9 else 0)
    )
    return ticks.tolist(), [f"{v * 100:.{digits}f}%" for v in ticks]
