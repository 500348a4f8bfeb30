"""Pages (Streamlit AppTest): every page renders on the demo data; widgets driven by key."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, markdown_cells

PAGES = [
    "overview",
    "churn",
    "persistency",
    "loyalty",
    "service",
    "picture",
    "rfm",
    "abc",
    "clv",
    "clusters",
    "lookup",
    "data",
]
TIMEOUT = 180


@pytest.fixture
def app(demo_dir) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def segment_table(at: AppTest) -> pd.DataFrame:
    table = next(
        d.value for d in at.dataframe if "Segment" in d.value.columns and "Share" in d.value.columns
    )
    return table.assign(Customers=table["Customers"].str.replace(",", "").astype(int))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(app, page):
    open_page(app, page)
    assert app.title, f"{page} drew no title"
    assert not app.error, [e.value for e in app.error]


def test_a_sessions_first_run_draws_a_hidden_chart_first_and_removes_it():
    """The chart loader (ui.widgets.load_chart_library): an empty chart in a container the
    page's styles hide, on a session's first run only, removed by the function it returns."""

    def script():
        import streamlit as st

        from ui.widgets import load_chart_library

        unload = load_chart_library()
        st.write("first run" if unload is not None else "later run")
        if unload is not None and st.session_state.get("remove"):
            unload()

    at = AppTest.from_function(script, default_timeout=TIMEOUT)
    at.run()
    charts = at.get("plotly_chart")
    assert len(charts) == 1 and at.markdown[0].value == "first run"
    assert '"x":[]' in charts[0].proto.spec.replace(" ", "")  # no data in it
    at.run()
    assert not at.get("plotly_chart") and at.markdown[0].value == "later run"

    removed = AppTest.from_function(script, default_timeout=TIMEOUT)
    removed.session_state["remove"] = True
    removed.run()
    assert not removed.get("plotly_chart") and removed.markdown[0].value == "first run"

    from ui import style
    from ui.widgets import CHART_LOADER_KEY

    assert f".st-key-{CHART_LOADER_KEY} {{ display: none; }}" in style._BASE


def test_the_dashboards_first_run_leaves_only_the_pages_charts(demo_dir):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.run()  # a session's first run: the chart loader was drawn, then removed
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Overview"]
    assert len(at.get("plotly_chart")) == 4


def test_overview_kpis_on_the_demo(app):
    open_page(app, "overview")
    assert metric(app, "Customers") == "20,000"
    assert metric(app, "Mean CLV").startswith("¥")
    assert len(app.get("plotly_chart")) == 4


def test_overview_tiers_are_a_static_table_and_the_page_sends_no_arrow_table(app):
    """The Overview's four tiers are a table to read (a Markdown table): the session's first
    page has the browser load neither a data grid nor Streamlit's Arrow code."""
    open_page(app, "overview")
    tiers = markdown_table(app, "Value tier")
    assert tiers["Value tier"].tolist() == ["Platinum", "Gold", "Silver", "Bronze"]
    assert tiers["Customers"].str.replace(",", "").astype(int).sum() == 20_000
    assert {"Share", "Value share", "Mean churn risk"} <= set(tiers.columns)


def test_changing_rfm_edges_changes_segment_counts(app):
    open_page(app, "rfm")
    app.radio(key="rfm_mode").set_value("threshold").run()
    before = segment_table(app).set_index("Segment")["Customers"]
    app.text_input(key="edges_r").set_value("7, 14, 30, 60").run()
    assert not app.exception
    after = segment_table(app).set_index("Segment")["Customers"]
    assert before.sum() == after.sum() == 20_000
    assert not before.equals(after)
    # very recent edges: many more customers fall in the bottom R bins
    assert after.get("Hibernating", 0) > before.get("Hibernating", 0)


def test_bad_edges_explain_instead_of_failing(app):
    open_page(app, "rfm")
    app.radio(key="rfm_mode").set_value("threshold").run()
    app.text_input(key="edges_f").set_value("5, 2, x").run()
    assert not app.exception
    assert any("F edges must be 4 strictly ascending numbers" in w.value for w in app.warning)
    assert segment_table(app)["Customers"].sum() == 20_000  # the suggested F edges stand in


def test_editing_rules_reports_gaps(app):
    open_page(app, "rfm")
    assert any("covered exactly once" in s.value for s in app.success)
    app.session_state["rules"] = "Only top:4-5:1-5:1-5"
    app.session_state["rules_base"] = "Only top:4-5:1-5:1-5"
    app.run()
    assert any("Not covered" in w.value for w in app.warning)
    table = segment_table(app).set_index("Segment")
    assert set(table.index) == {"Only top", "Unclassified"}


def markdown_table(at: AppTest, first_header: str) -> pd.DataFrame:
    """The page's Markdown table (:func:`ui.widgets.static_table`) whose first column is
    ``first_header``, cells as text; the page sends no Arrow table at all."""
    assert not at.dataframe and not at.table
    text = next(m.value for m in at.markdown if m.value.startswith(f"| {first_header} |"))
    cells = markdown_cells(text)
    return pd.DataFrame(cells[2:], columns=cells[0])


def abc_classes(at: AppTest) -> pd.Series:
    """Customers per class in the ABC page's class table."""
    classes = markdown_table(at, "ABC class").set_index("ABC class")
    return classes["Customers"].str.replace(",", "").astype(int)


def download_counts(at: AppTest) -> list[int]:
    labels = [b.proto.label for b in at.get("download_button")]
    return [int(re.search(r"\(([\d,]+)", label).group(1).replace(",", "")) for label in labels]


def test_changing_the_a_cut_off_changes_class_sizes(app):
    open_page(app, "abc")
    before, table_before = metric(app, "Class A"), abc_classes(app)
    assert table_before.index.tolist() == ["A", "B", "C"] and table_before.sum() == 20_000
    # the chosen class's downloads (CSV and Excel) say its size, then every customer's
    assert download_counts(app) == [table_before["A"]] * 2 + [20_000] * 2
    app.slider(key="abc_a").set_value(0.6).run()
    after, table_after = metric(app, "Class A"), abc_classes(app)
    share = lambda text: float(re.match(r"([\d.]+)%", text).group(1))  # noqa: E731
    assert share(after) < share(before)
    assert table_after["A"] < table_before["A"] and table_after.sum() == 20_000
    assert download_counts(app) == [table_after["A"]] * 2 + [20_000] * 2
    # the Pareto chart's bars are named as a legend entry starts: "Total spend per 100 customers"
    pareto = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert pareto["data"][0]["name"] == "Total spend per 100 customers"


def test_language_switch_changes_labels(app, demo_dir):
    open_page(app, "overview")
    assert app.title[0].value == "Overview"
    app.radio(key="lang").set_value("zh").run()
    assert app.title[0].value == "总览"
    assert metric(app, "客户数") == "20,000"
    assert metric(app, "平均 CLV").startswith("¥") and metric(app, "平均 CLV")[-1] in "万亿"
    # AppTest keeps the previous run's formatted selectbox labels, so continue in a fresh
    # session whose language is already Chinese.
    fresh = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    fresh.session_state["lang"] = "zh"
    fresh.run()
    open_page(fresh, "rfm")
    assert fresh.title[0].value == "RFM 客户细分"
    assert "冠军客户" in segment_table_zh(fresh)


def segment_table_zh(at: AppTest) -> list[str]:
    table = next(d.value for d in at.dataframe if "客户细分" in d.value.columns)
    return table["客户细分"].tolist()


def test_thresholds_survive_moving_between_pages(app):
    open_page(app, "abc")
    app.slider(key="abc_a").set_value(0.7).run()
    open_page(app, "overview")
    open_page(app, "abc")
    assert app.slider(key="abc_a").value == 0.7
    assert app.query_params.get("abc_a") == ["0.7"] or app.query_params.get("abc_a") == "0.7"


def test_download_label_counts_equal_the_segment_shown(app):
    open_page(app, "rfm")
    table = segment_table(app).set_index("Segment")["Customers"]
    chosen = app.selectbox(key="rfm_dl_pick")
    for segment in ("Champions", "Hibernating"):
        chosen.set_value(segment).run()
        for kind in ("csv", "xlsx"):
            button = next(
                b for b in app.get("download_button") if f"rfm_dl_one_{kind}" in b.proto.id
            )
            assert f"Segment “{segment}”" in button.proto.label
            count = int(re.search(r"\(([\d,]+)\)", button.proto.label).group(1).replace(",", ""))
            assert count == table[segment]


def test_filters_narrow_every_page(app):
    open_page(app, "overview")
    app.multiselect(key="f_type").set_value(["organization"]).run()
    customers = int(metric(app, "Customers").replace(",", ""))
    assert 1_500 < customers < 2_500
    for page in PAGES:
        open_page(app, page)


def test_empty_filter_result_explains(app):
    open_page(app, "overview")
    app.multiselect(key="f_type").set_value(["organization"]).run()
    app.multiselect(key="f_channel").set_value(["online"]).run()
    app.multiselect(key="f_region").set_value(["云南"]).run()
    app.session_state["f_type"] = ["organization"]
    app.session_state["f_channel"] = ["online"]
    app.session_state["f_region"] = ["云南"]
    app.session_state["f_product"] = ["accident"]
    app.run()
    assert not app.exception
    shown = [i.value for i in app.info] + [e.value for e in app.error]
    assert any("No customers match" in text or "product-line filter" in text for text in shown), (
        shown
    )


def test_cdnow_source_renders_every_page(app):
    app.selectbox(key="source").set_value("cdnow").run()
    assert not app.exception
    for page in PAGES:
        open_page(app, page)
    open_page(app, "overview")
    assert metric(app, "Customers") == "23,570"


def test_lookup_masks_personal_information(app):
    open_page(app, "lookup")
    app.text_input(key="lookup_id").set_value("C00000001").run()
    assert not app.exception
    cells = " ".join(str(v) for d in app.dataframe for v in d.value.to_numpy().ravel())
    assert "****" in cells
    from data.demo import load_demo

    customer = load_demo().customers.set_index("customer_id").loc["C00000001"]
    assert customer["phone"] not in cells and customer["id_number"] not in cells


def test_a_shared_link_opens_the_same_view(demo_dir):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.query_params["abc_a"] = "0.65"
    at.query_params["churn_cuts"] = "0.2,0.7"
    at.query_params["rfm_mode"] = "threshold"
    at.run()
    open_page(at, "abc")
    assert at.slider(key="abc_a").value == 0.65
    open_page(at, "churn")
    assert at.slider(key="churn_cuts").value == (0.2, 0.7)
    open_page(at, "rfm")
    assert at.radio(key="rfm_mode").value == "threshold"


def test_a_mangled_link_falls_back_to_defaults(demo_dir):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.query_params["abc_a"] = "lots"
    at.query_params["k"] = "x"
    at.run()
    assert not at.exception
    open_page(at, "abc")
    assert at.slider(key="abc_a").value == 0.8


def points(values) -> int:
    """Length of a trace's data, in plain lists or plotly's base64 typed-array encoding."""
    import base64

    import numpy as np

    if isinstance(values, dict) and "bdata" in values:
        return len(base64.b64decode(values["bdata"])) // np.dtype(values["dtype"]).itemsize
    return len(values)


@pytest.mark.parametrize("page", PAGES)
def test_charts_never_carry_more_than_ten_thousand_points(app, page):
    import json

    open_page(app, page)
    counted = 0
    for chart in app.get("plotly_chart"):
        figure = json.loads(chart.proto.spec)
        for trace in figure["data"]:
            for axis in ("x", "y"):
                if trace.get(axis) is not None:
                    n = points(trace[axis])
                    counted += n
                    assert n <= 10_000, (page, trace.get("type"), n)
    if app.get("plotly_chart"):
        assert counted > 0  # the check really read the figures


def test_backtest_runs_on_request(app):
    open_page(app, "clv")
    assert not any(m.label == "Actual repeat purchases" for m in app.metric)
    app.button(key="bt_go").click().run()
    assert not app.exception
    actual = int(metric(app, "Actual repeat purchases").replace(",", ""))
    predicted = int(metric(app, "Predicted repeat purchases").replace(",", ""))
    assert actual > 0 and 0.5 < predicted / actual < 1.5
    open_page(app, "overview")
    open_page(app, "clv")  # the result stays while the dates stay
    assert metric(app, "Actual repeat purchases") == f"{actual:,}"


def test_data_page_switches_source_and_connects_a_database(app, tmp_path):
    open_page(app, "data")
    app.button(key="switch_cdnow").click().run()
    assert not app.exception
    assert any("Loaded CDNOW (retail, real data)" in s.value for s in app.success)
    assert app.selectbox(key="source").value == "cdnow"

    from data.sample import DemoConfig, generate, write

    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    tables = generate(DemoConfig(customers=500, random_state=9))
    write({"transactions": tables["transactions"], "customers": tables["customers"]}, url)
    app.text_input(key="db_url_input").set_value(url)
    app.text_input(key="db_customers_input").set_value("customers")
    app.button(key="db_connect").click().run()
    assert not app.exception
    assert app.selectbox(key="source").value == "database"
    open_page(app, "overview")
    assert metric(app, "Customers") == "500"

    open_page(app, "data")
    app.text_input(key="db_url_input").set_value("postgresql+psycopg://nobody@127.0.0.1:1/none")
    app.button(key="db_connect").click().run()
    assert not app.exception
    assert any("cannot be used" in e.value for e in app.error)
    assert app.selectbox(key="source").value == "database"  # the working source stays


def test_lookup_shows_call_centre_contacts(app, demo_dir):
    from data.demo import load_demo
    from data.sample import DemoConfig, generate

    contacts = generate(DemoConfig())["interactions"]
    customer = contacts["customer_id"].value_counts().index[0]  # the most-contacted customer
    expected = contacts[contacts["customer_id"] == customer]
    assert customer in set(load_demo().transactions["customer_id"])
    open_page(app, "lookup")
    app.text_input(key="lookup_id").set_value(customer).run()
    assert not app.exception
    table = next(d.value for d in app.dataframe if "Satisfaction" in d.value.columns)
    assert len(table) == len(expected)
    assert (
        table["Satisfaction"].str.count("★").tolist()
        == expected.sort_values("contact_at")["satisfaction"].tolist()
    )
    assert metric(app, "Mean satisfaction (1-5)") == f"{expected['satisfaction'].mean():.1f}"


@pytest.mark.parametrize("page", PAGES)
def test_every_figure_says_what_it_is(app, page):
    open_page(app, page)
    if page == "lookup":
        app.text_input(key="lookup_id").set_value("C00000001").run()
    if page == "clv":
        app.button(key="bt_go").click().run()
    for m in app.metric:
        assert m.proto.help, f"{page}: the figure {m.label!r} has no tooltip"


def test_an_uploaded_channel_column_becomes_a_filter_and_its_currency_the_display(demo_dir):
    from data.sample import DemoConfig, generate

    tx = generate(DemoConfig(customers=300, random_state=11))["transactions"]
    tx = tx.assign(amount=[f"${v:,.2f}" for v in tx["amount"]])
    content = tx.drop(columns=["policy_id"]).to_csv(index=False).encode("utf-8")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    for key, value in {"upload_bytes": content, "upload_name": "payments.csv",
                       "upload_mapping": {}, "source": "upload"}.items():  # fmt: skip
        at.session_state[key] = value
    at.run()
    assert not at.exception
    assert set(at.multiselect(key="f_channel").options) == {
        "Agency", "Bancassurance", "Group", "Online",
    }  # fmt: skip
    assert metric(app := open_page(at, "overview"), "Spend, last 12 months").startswith("$")
    everyone = int(metric(app, "Customers").replace(",", ""))
    app.multiselect(key="f_channel").set_value(["agency"]).run()
    agency = int(metric(app, "Customers").replace(",", ""))
    assert 0 < agency < everyone
    open_page(app, "churn")
    app.radio(key="churn_by").set_value("product_line").run()
    assert not app.exception


def test_a_link_with_rules_for_another_scale_falls_back_to_the_preset(demo_dir):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.query_params["rfm_bins"] = "3"
    at.query_params["rules"] = "Champions:5-5:4-5:1-5;Rest:1-4:1-5:1-5"
    at.run()
    assert any("rules" in w.value for w in at.sidebar.warning)
    open_page(at, "rfm")
    editor = next(d.value for d in at.dataframe if "Segment" in d.value.columns)
    assert editor.drop(columns="Segment").to_numpy().max() == 3  # the 3-bin preset
    assert any("covered exactly once" in s.value for s in at.success)


def test_service_page_counts_the_contacts_of_customers_in_view(app):
    import sqlite3

    from data.demo import demo_path

    with sqlite3.connect(demo_path()) as conn:
        expected = conn.execute(
            "SELECT COUNT(*), AVG(satisfaction) FROM interactions WHERE customer_id IN "
            "(SELECT customer_id FROM transactions) AND date(contact_at) <= "
            "(SELECT MAX(date(transaction_date)) FROM transactions)"
        ).fetchone()
    open_page(app, "service")
    assert metric(app, "Contacts") == f"{expected[0]:,}"
    assert metric(app, "Mean satisfaction") == f"{expected[1]:.2f}"
    assert app.get("download_button")  # the local administrator may download who complained
    assert len(app.get("plotly_chart")) == 3


def test_customer_picture_compares_the_demo_types(app):
    import sqlite3

    from data.demo import demo_path

    with sqlite3.connect(demo_path()) as conn:
        expected = dict(
            conn.execute(
                "SELECT customer_type, COUNT(*) FROM customers WHERE customer_id IN "
                "(SELECT customer_id FROM transactions) GROUP BY customer_type"
            ).fetchall()
        )
    open_page(app, "picture")
    table = next(d.value for d in app.dataframe if "Customer type" in d.value.columns)
    shown = dict(zip(table["Customer type"], table["Customers"].str.replace(",", "").astype(int),
                     strict=True))  # fmt: skip
    assert shown == {"Individual": expected["individual"],
                     "Organisation": expected["organization"]}  # fmt: skip
    assert len(app.get("plotly_chart")) == 2


def test_scoring_each_person_once_removes_the_extra_ids(app):
    open_page(app, "overview")
    before = int(metric(app, "Customers").replace(",", ""))
    open_page(app, "picture")
    extra = int(metric(app, "Extra ids").replace(",", ""))
    assert extra >= 1  # the demo's random id numbers collide a few times
    app.toggle(key="merge_ids").set_value(True).run()
    open_page(app, "overview")
    assert int(metric(app, "Customers").replace(",", "")) == before - extra
    assert app.query_params["merge_ids"] == "1"  # the choice travels in the link


def test_premium_at_risk_by_agent(app):
    open_page(app, "churn")
    app.radio(key="churn_by").set_value("agent_id").run()
    assert not app.exception
    table = next(d.value for d in app.dataframe if "Agent" in d.value.columns)
    assert 0 < len(table) <= 25 and table["Agent"].str.startswith("A").all()


def test_a_mangled_link_is_reported_once_in_the_language(demo_dir):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.session_state["lang"] = "zh"
    at.query_params["k"] = "500"
    at.query_params["unit"] = "Q"
    at.run()
    (notice,) = [w.value for w in at.sidebar.warning]
    assert "聚类数 (k)" in notice and "时间单位" in notice and "unit" not in notice
    at.run()  # the next click: said once, not on every page
    assert not at.sidebar.warning


def test_the_data_page_warns_of_conflicting_duplicates(demo_dir):
    content = (
        b"transaction_id,customer_id,transaction_date,amount\n"
        b"T1,C1,2024-01-05,100\nT1,C1,2024-01-05,100\nT2,C2,2024-02-01,50\nT2,C3,2024-02-01,50\n"
    )
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    for key, value in {"upload_bytes": content, "upload_name": "dupes.csv",
                       "upload_mapping": {}, "source": "upload"}.items():  # fmt: skip
        at.session_state[key] = value
    at.switch_page("app_pages/data.py").run()
    assert not at.exception
    # T1 repeats itself (a plain duplicate); T2's copy names another customer (a conflict)
    assert metric(at, "Duplicates") == "2"
    assert any(w.value.startswith("1 duplicate rows repeat a transaction id") for w in at.warning)


# ---- policies: the Persistency page, the Overview figure, the lookup, an uploaded policies file


def _demo_book():
    import sqlite3

    from data.demo import demo_path

    with sqlite3.connect(demo_path()) as conn:
        policies = pd.read_sql(
            "SELECT * FROM policies", conn, parse_dates=["issue_date", "status_date"]
        )
        tx = pd.read_sql("SELECT policy_id, transaction_id, transaction_date, amount FROM "
                         "transactions", conn, parse_dates=["transaction_date"])  # fmt: skip
    return policies, tx


def test_persistency_page_shows_the_book_and_follows_the_filters(app):
    from analytics.persistency import persistency
    from ui.formats import fmt_pct

    policies, tx = _demo_book()
    as_of = tx["transaction_date"].max()
    table = persistency(policies, tx, as_of, (13, 25)).set_index("months")
    open_page(app, "persistency")
    assert metric(app, "13-month persistency") == fmt_pct(table.loc[13, "count_ratio"])
    assert metric(app, "25-month persistency") == fmt_pct(table.loc[25, "count_ratio"])
    assert metric(app, "13-month persistency (premium)") == fmt_pct(table.loc[13, "premium_ratio"])
    assert len(app.get("plotly_chart")) >= 4  # ratios, trend, triangle, retention (+ backtest)
    app.radio(key="persistency_by").set_value("channel").run()
    shown = next(d.value for d in app.dataframe if "Channel" in d.value.columns)
    assert set(shown["Channel"]) == {"Agency", "Bancassurance", "Group", "Online"}
    # the sidebar's channel filter keeps the online customers' policies only
    app.multiselect(key="f_channel").set_value(["online"]).run()
    assert not app.exception
    online = persistency(policies[policies["channel"] == "online"], tx, as_of, (13,))
    assert metric(app, "13-month persistency") == fmt_pct(online["count_ratio"].iloc[0])
    open_page(app, "overview")
    assert metric(app, "13-month persistency") == fmt_pct(online["count_ratio"].iloc[0])


def test_lookup_lists_the_customers_policies(app):
    policies, _ = _demo_book()
    customer = policies["customer_id"].value_counts().index[0]
    open_page(app, "lookup")
    app.text_input(key="lookup_id").set_value(customer).run()
    assert not app.exception
    table = next(d.value for d in app.dataframe if "Policy id" in d.value.columns)
    assert sorted(table["Policy id"]) == sorted(policies.loc[policies["customer_id"] == customer,
                                                              "policy_id"])  # fmt: skip
    assert set(table["Policy status"]) <= {"In force", "Lapsed", "Surrendered", "Matured",
                                           "Ended by claim"}  # fmt: skip


def test_an_uploaded_policies_file_is_accounted_for_row_by_row(demo_dir):
    from data.sample import DemoConfig, generate

    tables = generate(DemoConfig(customers=400, random_state=12))
    tx = tables["transactions"].astype({"amount": object})
    tx.loc[0, "amount"] = "lots"  # the payments have rejects of their own
    payments = tx.to_csv(index=False).encode("utf-8")
    policies = tables["policies"].rename(
        columns={"policy_id": "保单号", "payment_mode": "缴费方式"}
    )
    policies = policies.astype({"缴费方式": object, "installment_premium": object})
    policies.loc[0, "缴费方式"] = "每周"  # no such mode
    policies.loc[1, "installment_premium"] = "-5"
    policies.loc[policies["channel"] == "online", "channel"] = "<b>x</b>"  # markup in the data
    bad = pd.concat([policies, policies.iloc[[2]]], ignore_index=True)  # a repeated policy
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    for key, value in {"upload_bytes": payments, "upload_name": "payments.csv",
                       "upload_mapping": {}, "source": "upload",
                       "upload_policies_bytes": bad.to_csv(index=False).encode("utf-8"),
                       "upload_policies_name": "policies.csv"}.items():  # fmt: skip
        at.session_state[key] = value
    at.run()
    open_page(at, "data")
    read = [m.value for m in at.metric if m.label == "Rows read"]
    assert read[-1] == f"{len(bad):,}"
    used = [m.value for m in at.metric if m.label == "Rows used"]
    assert used[-1] == f"{len(bad) - 3:,}"
    reasons = next(d.value for d in at.dataframe if "Reason" in d.value.columns
                   and "Unknown payment mode" in set(d.value["Reason"]))  # fmt: skip
    assert set(reasons["Reason"]) >= {"Unknown payment mode", "Bad amount"}
    # both tables' rejects are listed and downloadable (their widgets do not collide)
    keys = [b.proto.id for b in at.get("download_button")]
    assert len(keys) == len(set(keys)) and len(keys) >= 4
    open_page(at, "persistency")
    assert metric(at, "13-month persistency").endswith("%")
    at.radio(key="persistency_by").set_value("channel").run()
    assert not at.exception
    import json

    texts = json.dumps([json.loads(c.proto.spec) for c in at.get("plotly_chart")],
                       ensure_ascii=False)  # fmt: skip
    assert "&lt;b&gt;x&lt;/b&gt;" in texts  # shown as typed ...
    assert "<b>x" not in texts  # ... never as markup (nor inside a hover template)


def test_payments_without_policy_ids_are_explained_not_crashed(demo_dir):
    from data.sample import DemoConfig, generate

    tables = generate(DemoConfig(customers=200, random_state=13))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    payments = tables["transactions"].drop(columns=["policy_id"]).to_csv(index=False)
    for key, value in {"upload_bytes": payments.encode("utf-8"), "upload_name": "p.csv",
                       "upload_mapping": {}, "source": "upload",
                       "upload_policies_bytes": tables["policies"].to_csv(index=False).encode(),
                       "upload_policies_name": "policies.csv"}.items():  # fmt: skip
        at.session_state[key] = value
    at.run()
    open_page(at, "persistency")
    assert any("no policy id" in i.value for i in at.info)
    open_page(at, "data")
    assert any("no policy id" in w.value for w in at.warning)
    open_page(at, "overview")
    assert metric(at, "Customers") == "200"


def test_a_source_without_policies_says_so_on_the_persistency_page(demo_dir):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.session_state["source"] = "cdnow"
    at.run()
    open_page(at, "persistency")
    assert any("no policies table" in i.value for i in at.info)
    open_page(at, "overview")
    assert not any(m.label == "13-month persistency" for m in at.metric)


def test_the_first_page_skips_streamlit_s_repl_check(demo_dir, monkeypatch):
    """Streamlit's one-off "are we in a REPL" check walks the stack and every imported module's
    path (0.2 s of a first page); the dashboard is only served by streamlit run, so it is skipped."""
    import streamlit.delta_generator as generator
    from streamlit import env_util

    monkeypatch.setattr(generator, "_use_warning_has_been_displayed", False)
    checks = []
    monkeypatch.setattr(env_util, "is_repl", lambda: checks.append(1) or False)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception and at.title and checks == []


def test_switching_the_source_on_the_data_page_drops_the_old_count(app):
    """The sidebar's "N customers in view" belongs to the view a page last showed; after a
    switch on the Data page (which shows no view) the old source's count must not stay."""
    open_page(app, "overview")
    old = "20,000 customers in view"
    assert old in [c.value for c in app.sidebar.caption]
    open_page(app, "data")
    app.button(key="switch_cdnow").click().run()
    assert not app.exception
    assert [toast.value for toast in app.toast] == [app.success[0].value]  # said where one looks
    assert old not in [c.value for c in app.sidebar.caption]
    open_page(app, "overview")
    assert "23,570 customers in view" in [c.value for c in app.sidebar.caption]


def test_saved_segments_stay_in_the_sidebar_when_a_page_stops(app, monkeypatch):
    """The saved-segments box is drawn after the page (dashboard.py); a page that stops because
    its view cannot be computed draws it first (ui.widgets.stop_page), as Streamlit drops what is
    drawn after ``st.stop()``, so it is still in the sidebar."""
    from analytics._validate import CodedError
    from ui import view

    def unusable(clustered: bool = False):
        raise CodedError("no payment can be used", code="no_valid_rows")

    label = "Saved segment definitions"
    assert any(e.label == label for e in app.sidebar.expander)  # drawn on a working page
    monkeypatch.setattr(view, "view", unusable)
    app.run()
    assert not app.exception
    assert any("cannot be used" in e.value for e in app.error)  # the page stopped, and said why
    assert any(e.label == label for e in app.sidebar.expander)


def test_a_page_that_stops_on_a_sessions_first_run_leaves_no_hidden_chart(demo_dir, monkeypatch):
    """The chart loader drawn at the top of a session's first run is removed before a page
    stops (ui.widgets.stop_page runs what the dashboard does after a page), not left behind."""
    from analytics._validate import CodedError
    from ui import view

    def unusable(clustered: bool = False):
        raise CodedError("no payment can be used", code="no_valid_rows")

    monkeypatch.setattr(view, "view", unusable)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert any("cannot be used" in e.value for e in at.error)  # the page stopped
    assert not at.get("plotly_chart")
