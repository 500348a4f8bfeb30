"""Hostile text from a file is shown as text: ids, channels, product lines, file names and
user-named clusters never become markdown, HTML or plotly markup anywhere on a page."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 180
LINK = "<a href='https://evil.example'>click</a>"
IMAGE = "<img src=x onerror=alert(1)>"
MARKDOWN = "[win](https://evil.example)"


@pytest.fixture(scope="module")
def hostile_app(demo_dir):
    from data.sample import DemoConfig, generate

    tx = generate(DemoConfig(customers=300, random_state=5))["transactions"]
    channels = {"agency": LINK, "bancassurance": IMAGE, "group": MARKDOWN, "online": "**bold**"}
    tx = tx.assign(
        channel=tx["channel"].map(channels),
        product_line=tx["product_line"].where(tx.index % 3 != 0, IMAGE),
    )
    first = tx["customer_id"].iloc[0]
    tx.loc[tx["customer_id"] == first, "customer_id"] = MARKDOWN
    content = tx.drop(columns=["policy_id"]).to_csv(index=False).encode("utf-8")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    for key, value in {"upload_bytes": content, "upload_name": f"{MARKDOWN}.csv",
                       "upload_mapping": {}, "source": "upload",
                       "cluster_names": f"0={LINK};1={IMAGE}"}.items():  # fmt: skip
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markup_leaks(at: AppTest) -> list[str]:
    found = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec.get("data", []):
            text = json.dumps({k: v for k, v in trace.items() if "template" not in k})
            if "<a " in text or "<img" in text:
                found.append(f"chart trace: {text[:120]}")
        ticks = json.dumps(spec.get("layout", {}))
        if "<a " in ticks or "<img" in ticks:
            found.append("chart layout")
    for kind in (
        "markdown",
        "caption",
        "subheader",
        "title",
        "success",
        "warning",
        "info",
        "error",
    ):
        for element in at.get(kind):
            body = element.proto.body if hasattr(element.proto, "body") else str(element.value)
            if (
                "](https://evil" in body.replace("\\", "")
                and "\\]" not in body
                and "\\[" not in body
            ):
                found.append(f"{kind}: {body[:120]}")
            if "<a " in body or "<img" in body:
                found.append(f"{kind}: {body[:120]}")
    return found


@pytest.mark.parametrize("page", ["overview", "churn", "rfm", "clusters", "lookup", "data"])
def test_hostile_text_never_becomes_markup(hostile_app, page):
    at = hostile_app
    at.switch_page(f"app_pages/{page}.py").run()
    if page == "lookup":
        at.text_input(key="lookup_id").input(MARKDOWN).run()
    if page == "churn":  # premium at risk by channel: the hostile channel names on an axis
        at.radio(key="churn_by").set_value("channel").run()
    assert not at.exception, [e.value for e in at.exception]
    assert markup_leaks(at) == []
