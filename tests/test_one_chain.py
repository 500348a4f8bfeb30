"""One chain: for the same settings, the dashboard's scored table, ``pipeline.run`` and the
command line's ``score`` output are the same table, number for number.

Each case sets the dashboard's widgets through session state (as a shared link would), opens the
Clusters page (the page that runs the whole chain, K-means included), and compares the view the
page drew with ``pipeline.run`` on settings written out by hand, and with the CLI's Parquet file.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.pipeline import SCORE_COLUMNS, Settings, run
from tests.conftest import ROOT
from tests.test_pages import TIMEOUT

CASES = {
    "defaults": ({}, Settings(), []),
    "thresholds, CLV basis, weeks, a channel": (
        {
            "rfm_mode": "threshold",
            "rfm_bins": 4,
            "edges_r": "30, 90, 180",
            "abc_value": "clv",
            "abc_a": 0.7,
            "abc_b": 0.9,
            "churn_cuts": (0.2, 0.7),
            "tier_platinum": 0.05,
            "tier_gold": 0.15,
            "horizon": 24,
            "discount": 0.1,
            "unit": "W",
            "k": 5,
            "f_channel": ["agency"],
        },
        Settings(
            rfm_mode="threshold",
            rfm_bins=4,
            rfm_edges=((30.0, 90.0, 180.0), None, None),
            abc_value="clv",
            abc_cuts=(0.7, 0.9),
            churn_cuts=(0.2, 0.7),
            tier_shares=(0.05, 0.15, 0.3),
            horizon_months=24,
            discount_rate=0.1,
            unit="W",
            k=5,
            filters=(("channel", ("agency",)),),
        ),
        [
            "--rfm-mode", "threshold", "--rfm-bins", "4", "--rfm-edges", "30,90,180;;",
            "--abc-value", "clv", "--abc-cuts", "0.7,0.9", "--churn-cuts", "0.2,0.7",
            "--tier-shares", "0.05,0.15,0.3", "--horizon-months", "24", "--discount-rate", "0.1",
            "--unit", "W", "--k", "5", "--filter", "channel=agency",
        ],
    ),
    "eight classes, Pareto/NBD, months, earlier date, products and type": (
        {
            "rfm_mode": "mean",
            "model": "pareto_nbd",
            "unit": "M",
            "as_of": date(2025, 12, 31),
            "f_product": ["protection", "savings"],
            "f_type": ["organization"],
        },
        Settings(
            rfm_mode="mean",
            model="pareto_nbd",
            unit="M",
            as_of="2025-12-31",
            products=("protection", "savings"),
            filters=(("customer_type", ("organization",)),),
        ),
        [
            "--rfm-mode", "mean", "--model", "pareto_nbd", "--unit", "M",
            "--as-of", "2025-12-31", "--product-line", "protection", "--product-line", "savings",
            "--filter", "customer_type=organization",
        ],
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def demo(demo_dir):
    from data.demo import load_demo

    return load_demo()


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Values only: the same columns in the same order, plain dtypes, a fresh index."""
    out = frame.reset_index(drop=True).copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype) or out[column].dtype == object:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
        elif pd.api.types.is_datetime64_any_dtype(out[column].dtype):
            out[column] = out[column].astype("datetime64[s]")
        elif pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_dashboard_pipeline_and_command_line_agree(case, demo, demo_dir, tmp_path):
    widgets, settings, flags = CASES[case]
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    for key, value in widgets.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("app_pages/clusters.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = at.session_state["_last_view"]
    assert shown.settings == settings  # the widgets mean exactly these settings
    dashboard = shown.table

    expected = run(demo.transactions, settings, demo.customers, demo.loyalty_members).view
    assert len(expected) > 100
    pd.testing.assert_frame_equal(dashboard, expected, check_exact=True)

    out = tmp_path / "scores.parquet"
    cli = subprocess.run(
        [sys.executable, "-m", "analytics", "score", "demo", *flags, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "VALUESCOPE_DATA_DIR": str(demo_dir)},
    )
    assert cli.returncode == 0, cli.stderr
    written = pd.read_parquet(out)
    assert list(written.columns[: len(SCORE_COLUMNS)]) == SCORE_COLUMNS
    pd.testing.assert_frame_equal(
        comparable(written),
        comparable(expected[list(written.columns)]),
        check_dtype=False,
        check_exact=True,  # number for number: Parquet keeps every bit of a float
    )
