"""Numbers and dates for people: counts, percentages, money (万 / 亿 in Chinese, K / M / B in
English), dates, and round axis ticks for charts. Pure functions of the value and the language.
"""

from __future__ import annotations

import math

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
    value,
    currency: str | None = None,
    language: str = "en",
    compact: bool = True,
    trim: bool = False,
) -> str:
    """Money for display with the currency's sign (CNY ``¥``, USD ``$``).

    Compact: Chinese uses 万 (10^4) and 亿 (10^8) from 10,000 up, with two decimals below 100
    units, one below 1,000 and none above (``¥1.23万``, ``¥123.5万``, ``¥1,235万``); English uses K from 10,000, M from 10^6 and B from 10^9 with one decimal
    (``¥12.3K``). Below those, whole units from 100 and two decimals under 100; zero is ``¥0``.
    ``trim`` drops trailing zeros (axis ticks: ``¥500万``).
    """
    if _missing(value):
        return _DASH
    symbol = CURRENCY_SYMBOLS.get(currency or "", "")
    sign = "-" if value < 0 else ""
    magnitude = abs(float(value))
    number, unit = None, ""
    if compact and language == "zh":
        for size, word in ((1e8, "亿"), (1e4, "万")):
            if magnitude >= size:
                scaled = magnitude / size
                digits = 0 if scaled >= 1000 else 1 if scaled >= 100 else 2
                number, unit = f"{scaled:,.{digits}f}", word
                break
    elif compact:
        for size, word in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if magnitude >= (1e4 if word == "K" else size):
                number, unit = f"{magnitude / size:,.1f}", word
                break
    if number is None:
        if magnitude == 0:
            number = "0"
        else:
            number = f"{magnitude:,.0f}" if magnitude >= 100 else f"{magnitude:,.2f}"
    if trim and "." in number:
        number = number.rstrip("0").rstrip(".")
    return f"{sign}{symbol}{number}{unit}"


def fmt_date(value, language: str = "en") -> str:
    """``2024年3月5日`` in Chinese, ``05 Mar 2024`` in English; a dash when missing."""
    if _missing(value):
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
    return ticks.tolist(), [fmt_money(v, currency, language, trim=True) for v in ticks]


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
    labels = []
    for value in ticks:
        text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
        labels.append(f"{'0' if text in ('-0', '') else text}%")
    return ticks.tolist(), labels
