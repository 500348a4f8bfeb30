"""Number and date formats, worked out by hand, at every cut-off."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ui.formats import fmt_date, fmt_int, fmt_money, fmt_month, fmt_pct, money_ticks, percent_ticks


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "¥0"),
        (12.5, "¥12.50"),
        (99.999, "¥100.00"),  # rounds within the two-decimal band
        (100, "¥100"),
        (9_999, "¥9,999"),
        (10_000, "¥1.00万"),
        (123_456, "¥12.35万"),
        (999_949, "¥99.99万"),
        (1_000_000, "¥100.0万"),
        (12_345_678, "¥1,235万"),
        (99_990_000, "¥9,999万"),
        (100_000_000, "¥1.00亿"),
        (-25_000, "-¥2.50万"),
    ],
)
def test_chinese_money_uses_wan_and_yi(value, expected):
    assert fmt_money(value, "CNY", "zh") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "$0"),
        (9_999, "$9,999"),  # K starts at 10,000, so four-digit amounts stay whole
        (10_000, "$10.0K"),
        (999_999, "$1,000.0K"),
        (1_000_000, "$1.0M"),
        (2_500_000_000, "$2.5B"),
        (-1_500, "-$1,500"),
    ],
)
def test_english_money_uses_k_m_b(value, expected):
    assert fmt_money(value, "USD", "en") == expected


def test_money_without_currency_without_compacting_and_missing():
    assert fmt_money(12_345.678, None, "en", compact=False) == "12,346"
    assert fmt_money(12_345.678, "CNY", "zh", compact=False) == "¥12,346"
    assert fmt_money(float("nan")) == "–" and fmt_money(None) == "–"
    assert fmt_money(5_000_000, "CNY", "zh", trim=True) == "¥500万"


def test_counts_percentages_and_dates():
    assert fmt_int(1234567.4) == "1,234,567" and fmt_int(math.nan) == "–"
    assert fmt_pct(0.1234) == "12.3%" and fmt_pct(0.5, 0) == "50%" and fmt_pct(None) == "–"
    assert fmt_date("2024-03-05", "zh") == "2024年3月5日"
    assert fmt_date(pd.Timestamp("2024-03-05"), "en") == "05 Mar 2024"
    assert fmt_date(pd.NaT) == "–"
    assert fmt_month("2024-11-01", "zh") == "2024年11月" and fmt_month("2024-11-01") == "Nov 2024"


def test_money_ticks_are_round_and_worded():
    ticks, labels = money_ticks([0, 23_000_000], "CNY", "zh")
    assert ticks == [0, 5_000_000, 10_000_000, 15_000_000, 20_000_000, 25_000_000]
    assert labels == ["¥0", "¥500万", "¥1,000万", "¥1,500万", "¥2,000万", "¥2,500万"]
    ticks, labels = money_ticks([1_200, 9_800], "USD", "en")
    assert ticks == [0, 2_000, 4_000, 6_000, 8_000, 10_000]
    assert labels[-1] == "$10K" and labels[1] == "$2,000"


def test_percent_ticks_are_round():
    ticks, labels = percent_ticks([0.02, 0.58])
    assert labels == ["0%", "20%", "40%", "60%"]
    assert ticks == pytest.approx([0, 0.2, 0.4, 0.6])
    ticks, labels = percent_ticks([0.0, 0.11])
    assert labels == ["0%", "2.5%", "5%", "7.5%", "10%", "12.5%"]
    ticks, labels = percent_ticks([0.0, 0.97], cap=1.0)
    assert labels[-1] == "100%" and max(ticks) == 1.0
