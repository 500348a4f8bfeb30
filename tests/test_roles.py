"""Roles on the server (AppTest, local sign-in): each role sees what DESIGN.md's matrix gives it
and nothing else, whichever page it asks for; region scope narrows every page; actions are
audited. The browser walk in test_browser_auth.py repeats the essentials in a real browser."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 180
PASSWORD = "team-pass-123"
ACCOUNTS = {
    "vera": ("viewer", None),
    "mark": ("marketer", None),
    "sam": ("service", ["广东"]),
    "stew": ("steward", None),
    "ada": ("admin", None),
}


@pytest.fixture(scope="module")
def app_db(demo_dir, tmp_path_factory):
    import os

    from data.appdb import AppDB

    url = f"sqlite:///{tmp_path_factory.mktemp('appdb') / 'app.sqlite'}"
    db = AppDB(url)
    for username, (role, regions) in ACCOUNTS.items():
        db.add_account(username, PASSWORD, role, regions)
    saved = {k: os.environ.get(k) for k in ("VALUESCOPE_AUTH", "VALUESCOPE_APP_DB")}
    os.environ.update(VALUESCOPE_AUTH="local", VALUESCOPE_APP_DB=url)
    yield db
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def as_user(username: str | None, page: str = "overview", lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    if username:
        at.session_state["_auth_user"] = username  # what a successful sign-in leaves
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def keys(at: AppTest, kind: str) -> set:
    return {getattr(w, "key", None) for w in at.get(kind)}


def demo_customers() -> pd.DataFrame:
    from data.demo import demo_path

    with sqlite3.connect(demo_path()) as conn:
        return pd.read_sql("SELECT customer_id, region, phone FROM customers", conn)


def test_nobody_signed_in_sees_only_the_form(app_db):
    for lang, words in (
        ("en", ("Username", "Password", "Sign in")),
        ("zh", ("用户名", "密码", "登录")),
    ):
        at = as_user(None, "churn", lang)
        assert [w.label for w in at.text_input] == list(words[:2])
        assert at.text_input(key="signin_password").proto.type == 1  # a password field
        assert at.button(key="signin_submit").label == words[2]
        assert not at.metric and not at.get("plotly_chart") and not at.dataframe


def test_signing_in_through_the_form(app_db):
    at = as_user(None)
    at.text_input(key="signin_username").input("mark")
    at.text_input(key="signin_password").input("wrong-password")
    at.button(key="signin_submit").click().run()
    assert "Wrong username or password." in [e.value for e in at.error]
    assert not at.metric
    at.text_input(key="signin_username").input("mark")
    at.text_input(key="signin_password").input(PASSWORD)
    at.button(key="signin_submit").click().run()
    assert not at.exception
    assert any(m.label == "Customers" for m in at.metric)
    assert any("mark" in c.value and "Marketer" in c.value for c in at.sidebar.caption)
    rows = app_db.audit_rows(username="mark")
    assert rows["action"].tolist()[:2] == ["sign_in", "sign_in_failed"]


def test_viewer_sees_aggregates_only(app_db):
    at = as_user("vera", "churn")
    assert at.get("plotly_chart")
    assert not at.get("download_button")
    assert not any(s.value.startswith("Action list") for s in at.subheader)
    assert "source" not in keys(at, "selectbox")  # no source switch
    for page, widget in (
        ("lookup", "lookup_id"),
        ("data", "db_url_input"),
        ("audit", "audit_user"),
    ):
        other = as_user("vera", page)
        assert widget not in keys(other, "text_input"), page
        assert other.title[0].value != {"lookup": "Customer lookup", "data": "Data",
                                        "audit": "Audit log"}[page]  # fmt: skip
        assert not other.get("download_button")


def test_marketer_downloads_but_cannot_look_up(app_db):
    at = as_user("mark", "churn")
    assert at.get("download_button")
    assert any(s.value.startswith("Action list") for s in at.subheader)
    assert "lookup_id" not in keys(as_user("mark", "lookup"), "text_input")
    assert "segment_name" in keys(at, "text_input")  # may save segment definitions


def test_service_is_scoped_to_its_region(app_db):
    customers = demo_customers()
    inside = customers[customers["region"] == "广东"]
    outside = customers[customers["region"] != "广东"]
    at = as_user("sam", "overview")
    shown = next(m.value for m in at.metric if m.label == "Customers")
    buyers = _buyers(inside["customer_id"])
    assert int(shown.replace(",", "")) == buyers
    look = as_user("sam", "lookup")
    look.text_input(key="lookup_id").input(outside["customer_id"].iloc[0]).run()
    assert any("No customer" in w.value for w in look.warning)
    found = inside[inside["customer_id"].isin(_buyer_ids())]["customer_id"].iloc[0]
    phone = inside.set_index("customer_id").loc[found, "phone"]
    look.text_input(key="lookup_id").input(found).run()
    assert look.subheader[0].value == found
    text = " ".join(str(d.value.to_dict()) for d in look.dataframe)
    assert phone not in text and phone[-4:] in text  # masked
    assert "lookup_reveal" not in keys(look, "toggle")


def _buyer_ids() -> set:
    from data.demo import demo_path

    with sqlite3.connect(demo_path()) as conn:
        return set(
            pd.read_sql("SELECT DISTINCT customer_id FROM transactions", conn)["customer_id"]
        )


def _buyers(ids: pd.Series) -> int:
    return int(ids.isin(_buyer_ids()).sum())


def test_steward_has_the_data_page_but_no_typed_url(app_db):
    at = as_user("stew", "data")
    assert at.title[0].value == "Data"
    assert "db_url_input" not in keys(at, "text_input")
    assert "source" in keys(at, "selectbox")
    assert "audit_user" not in keys(as_user("stew", "audit"), "text_input")


def test_admin_reveals_with_an_audit_row(app_db):
    at = as_user("ada", "data")
    assert "db_url_input" in keys(at, "text_input")
    look = as_user("ada", "lookup")
    first = demo_customers()
    found = first[first["customer_id"].isin(_buyer_ids())].iloc[0]
    look.text_input(key="lookup_id").input(found["customer_id"]).run()
    look.toggle(key="lookup_reveal").set_value(True).run()
    assert found["phone"] in " ".join(str(d.value.to_dict()) for d in look.dataframe)
    reveals = app_db.audit_rows(actions=["pii_reveal"], username="ada")
    assert reveals["target"].tolist() == [found["customer_id"]]
    # the next customer starts masked: a reveal is one decision for one customer
    other = first[first["customer_id"].isin(_buyer_ids())].iloc[1]
    look.text_input(key="lookup_id").input(other["customer_id"]).run()
    assert look.toggle(key="lookup_reveal").value is False
    assert other["phone"] not in " ".join(str(d.value.to_dict()) for d in look.dataframe)
    assert len(app_db.audit_rows(actions=["pii_reveal"], username="ada")) == 1
    audit = as_user("ada", "audit")
    assert audit.title[0].value == "Audit log"


def test_an_idle_session_expires(app_db):
    import time

    at = as_user("mark")
    assert at.metric
    at.session_state["_auth_seen"] = time.monotonic() - 31 * 60  # idle past the 30 minutes
    at.run()
    assert not at.metric
    assert any("inactivity" in e.value for e in at.error)
    assert app_db.audit_rows(username="mark")["action"].iloc[0] == "sign_out"


def test_a_disabled_account_is_out_at_its_next_click(app_db):
    app_db.add_account("temp", PASSWORD, "marketer")
    at = as_user("temp")
    assert at.metric
    app_db.set_disabled("temp")
    at.run()
    assert not at.metric and at.text_input(key="signin_username")


def test_steward_uses_a_named_connection_whose_address_stays_on_the_server(app_db, postgres_url):
    import sqlalchemy as sa

    from data.sample import DemoConfig, generate

    tx = generate(DemoConfig(customers=200, random_state=3))["transactions"]
    engine = sa.create_engine(postgres_url)
    tx.to_sql("warehouse_payments", engine, index=False, if_exists="replace")
    engine.dispose()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.secrets["connections"] = {"warehouse": {"url": postgres_url, "table": "warehouse_payments"}}
    at.session_state["_auth_user"] = "stew"
    at.switch_page("app_pages/data.py").run()
    assert at.selectbox(key="connection_pick").options == ["warehouse"]
    at.button(key="use_connection").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="source").value == "connection:warehouse"
    assert at.metric[1].value == f"{len(tx):,}"  # rows used
    host = sa.make_url(postgres_url).host
    texts = [str(e.value) for kind in ("markdown", "caption", "success", "subheader", "error")
             for e in at.get(kind)]  # fmt: skip
    assert not [text for text in texts if host in text or "postgresql" in text]
    change = app_db.audit_rows(username="stew", actions=["source_change"])
    assert change["target"].tolist() == ["connection:warehouse"]
    assert change["rows"].tolist() == [len(tx)]


@pytest.mark.parametrize(
    "page",
    [
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
    ],
)
def test_viewer_gets_no_customer_rows_and_no_download_on_any_dashboard(app_db, page):
    at = as_user("vera", page)
    assert at.title and not at.exception
    assert not at.get("download_button")
    assert not [s.key for s in at.selectbox if str(s.key).endswith("_pick")]
    for frame in at.dataframe:
        assert "Customer id" not in frame.value.columns, page
    marketer = as_user("mark", page)
    if page in ("churn", "clv"):
        assert any("Customer id" in f.value.columns for f in marketer.dataframe), page
    if page not in ("overview", "loyalty", "picture"):  # the Service page offers who complained
        assert marketer.get("download_button"), page


def test_marketer_saves_versions_and_a_viewer_opens_them(app_db):
    at = as_user("mark", "rfm")
    at.session_state["rfm_bins"] = 4
    at.session_state["abc_a"] = 0.7
    at.run()
    at.text_input(key="segment_name").input("Q3 retention").run()
    at.button(key="segment_save_button").click().run()
    assert any("version 1" in s.value for s in at.sidebar.success)
    at.session_state["abc_a"] = 0.75
    at.text_input(key="segment_name").input("Q3 retention").run()
    at.button(key="segment_save_button").click().run()
    assert any("version 2" in s.value for s in at.sidebar.success)
    saves = app_db.audit_rows(username="mark", actions=["segment_save"])
    assert saves["detail"].tolist() == ["version 2", "version 1"]

    viewer = as_user("vera", "abc")
    assert "segment_name" not in keys(viewer, "text_input")  # opens, never saves
    viewer.selectbox(key="segment_open").set_value("Q3 retention").run()
    viewer.selectbox(key="segment_version").set_value(1).run()
    viewer.button(key="segment_open_button").click().run()
    assert (viewer.session_state["rfm_bins"], viewer.session_state["abc_a"]) == (4, 0.7)
    viewer.selectbox(key="segment_version").set_value("latest").run()
    viewer.button(key="segment_open_button").click().run()
    assert viewer.session_state["abc_a"] == 0.75
    assert not viewer.exception


def test_a_mangled_stored_definition_falls_back_with_a_notice(app_db):
    app_db.save_segment("mangled", {"k": "500", "unit": "Q", "discount": "nan", "rfm_bins": "4"},
                        "someone")  # fmt: skip
    at = as_user("vera", "clusters")
    at.selectbox(key="segment_open").set_value("mangled").run()
    at.button(key="segment_open_button").click().run()
    assert not at.exception
    assert at.session_state["rfm_bins"] == 4
    assert (at.session_state["k"], at.session_state["unit"]) == (4, "D")  # the defaults
    notice = " ".join(w.value for w in at.sidebar.warning)
    assert "k" in notice and "unit" in notice and "discount" in notice


def test_an_account_whose_regions_have_no_customer_sees_a_message_not_data(app_db):
    app_db.add_account("mars", PASSWORD, "marketer", ["火星"])
    at = as_user("mars", "overview")
    assert not at.metric
    assert any("regions your account may see" in e.value for e in at.error)


def test_an_unknown_username_locks_like_a_real_one(app_db):
    at = as_user(None)
    messages = []
    for _ in range(5):
        at.text_input(key="signin_username").input("no-such-user")
        at.text_input(key="signin_password").input("whatever-1")
        at.button(key="signin_submit").click().run()
        messages.append(at.error[0].value)
    assert messages[:4] == ["Wrong username or password."] * 4
    assert "locked for 15 minutes" in messages[4]  # as a real account's fifth failure reads


def test_a_region_bound_steward_sees_only_their_regions_policy_rejects():
    from data.policies import load_policies
    from ui.sources import _scoped_load

    raw = pd.DataFrame(
        {
            "保单号": ["P1", "P2", "P3", "P3", "P4"],
            "客户编号": ["C1", "C2", "C1", "C1", "C2"],
            "投保日期": ["2023-01-01", "bad", "2023-01-01", "2023-01-01", "2023-01-01"],
            "缴费方式": ["annual", "annual", "annual", "annual", "weekly"],
            "期缴保费": [100, 100, 100, 100, 100],
        }
    )
    policies, report = load_policies(raw)
    assert report.rejected == {"bad_date": 1, "bad_payment_mode": 1}
    customers = pd.DataFrame({"customer_id": ["C1", "C2"], "region": ["广东", "北京"]})
    mine = policies[policies["customer_id"] == "C1"]
    scoped = _scoped_load(report, len(mine), customers, ("广东",))
    assert scoped.rejected == {} and len(scoped.rejected_rows) == 0  # both rejects are C2's
    assert scoped.duplicates == 1 and scoped.duplicate_rows["保单号"].tolist() == ["P3"]
    assert scoped.rows_read == scoped.rows_used + scoped.duplicates == 3
    other = _scoped_load(report, int((policies["customer_id"] == "C2").sum()), customers, ("北京",))
    assert other.rejected == {"bad_date": 1, "bad_payment_mode": 1} and other.duplicates == 0


def test_a_region_bound_user_keeps_their_payment_rejects_under_a_chinese_header():
    from data.load import load_frame
    from ui.sources import _scoped_load

    raw = pd.DataFrame({"客户编号": ["C1", "C2", "C1", "C2"],
                        "交易日期": ["2024-01-01", "bad", "not a date", "2024-01-02"],
                        "金额": [1, 2, 3, 4]})  # fmt: skip
    _, report = load_frame(raw)
    customers = pd.DataFrame({"customer_id": ["C1", "C2"], "region": ["广东", "北京"]})
    scoped = _scoped_load(report, 1, customers, ("广东",))
    # found under the source's own header, not only under "customer_id"
    assert scoped.rejected == {"bad_date": 1}
    assert scoped.rejected_rows["客户编号"].tolist() == ["C1"]
    assert scoped.rows_read == 2


def test_a_scored_table_connection_is_the_source_scoped_to_the_user_s_region(
    app_db, postgres_url, tmp_path, monkeypatch
):
    """A scored table written back to the warehouse (a Spark run's, say) as the deployment's
    source: a region-bound user sees their region's customers of it, and nothing else."""
    import sqlalchemy as sa

    from analytics.__main__ import main
    from data.sample import DemoConfig, generate, write

    folder = tmp_path / "insurer"
    write(generate(DemoConfig(customers=300, random_state=5)), str(folder))
    out = tmp_path / "scores.parquet"
    assert main(["score", str(folder), "--out", str(out)]) == 0
    scores = pd.read_parquet(out)
    inside = int((scores["region"] == "广东").sum())
    assert 0 < inside < len(scores)
    engine = sa.create_engine(postgres_url)
    scores.to_sql("customer_scores", engine, index=False, if_exists="replace")
    engine.dispose()
    monkeypatch.setenv("VALUESCOPE_SOURCE", "connection:crm")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.secrets["connections"] = {"crm": {"url": postgres_url, "scored_table": "customer_scores"}}
    at.session_state["_auth_user"] = "sam"
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert next(m.value for m in at.metric if m.label == "Customers") == f"{inside:,}"
    at.switch_page("app_pages/churn.py").run()
    assert not at.exception and not at.error
