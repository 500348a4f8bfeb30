"""Sign-in with local accounts, in a real browser: each role's pages, what it cannot reach even
by URL, region scope in pages and downloads, an audit row for each action, and the lockout.
One server (VALUESCOPE_AUTH=local) for the suite."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from tests.e2e import (
    chromium,
    download_csv,
    metric_value,
    nav_links,
    new_page,
    settle,
    streamlit_server,
)

PASSWORD = "team-pass-123"
ACCOUNTS = {
    "vera": ("viewer", None),
    "mark": ("marketer", None),
    "sam": ("service", ["广东"]),
    "stew": ("steward", None),
    "ada": ("admin", None),
    "lock": ("viewer", None),
}
DASHBOARDS = ["Overview", "Churn risk", "Persistency", "Loyalty programme", "Service",
              "RFM segments",
              "ABC / Pareto", "CLV and value tiers", "Clusters (K-means)",
              "Customer picture"]  # fmt: skip
NAV = {
    "viewer": DASHBOARDS,
    "marketer": DASHBOARDS,
    "service": [*DASHBOARDS, "Customer lookup"],
    "steward": [*DASHBOARDS, "Customer lookup", "Data"],
    "admin": [*DASHBOARDS, "Customer lookup", "Data", "Audit log"],
}
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def team(demo_dir, tmp_path_factory):
    from data.appdb import AppDB

    url = f"sqlite:///{tmp_path_factory.mktemp('team') / 'app.sqlite'}"
    db = AppDB(url)
    for username, (role, regions) in ACCOUNTS.items():
        db.add_account(username, PASSWORD, role, regions)
    return url, db


@pytest.fixture(scope="module")
def server(team, demo_dir):
    env = {"VALUESCOPE_AUTH": "local", "VALUESCOPE_APP_DB": team[0],
           "VALUESCOPE_DATA_DIR": str(demo_dir)}  # fmt: skip
    with streamlit_server(env) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


def sign_in(page, url: str, username: str, password: str = PASSWORD) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.get_by_label("Username")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    settle(page)


def region_customers(region: str) -> set[str]:
    from data.demo import demo_path

    with sqlite3.connect(demo_path()) as conn:
        return set(
            pd.read_sql(
                "SELECT DISTINCT t.customer_id FROM transactions t JOIN customers c "
                "ON c.customer_id = t.customer_id WHERE c.region = ?",
                conn,
                params=(region,),
            )["customer_id"]
        )


def test_lockout_after_five_failures(server, page, team):
    from playwright.sync_api import expect

    for _ in range(4):
        sign_in(page, server, "lock", "not-the-password")
        expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    sign_in(page, server, "lock", "not-the-password")
    expect(page.get_by_text("this account is locked for 15 minutes", exact=False)).to_be_visible()
    sign_in(page, server, "lock")  # the right password, while locked
    expect(page.get_by_text("this account is locked for 15 minutes", exact=False)).to_be_visible()
    assert page.locator('[data-testid="stMetric"]').count() == 0
    details = team[1].audit_rows(username="lock")["detail"].tolist()[::-1]
    assert details == ["bad_password"] * 4 + ["locked_now", "locked"]


@pytest.mark.parametrize("username", ["vera", "mark", "stew"])
def test_each_role_sees_its_pages_and_no_other_even_by_url(server, page, username):
    from playwright.sync_api import expect

    role = ACCOUNTS[username][0]
    sign_in(page, server + "/lookup", username)  # a deep link to a page it may not open
    expected_title = "Customer lookup" if "Customer lookup" in NAV[role] else "Overview"
    expect(page.locator("h1").first).to_have_text(expected_title)
    assert nav_links(page) == NAV[role]
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Churn risk", exact=True).click()
    expect(page.locator("h1").first).to_have_text("Churn risk")
    downloads = page.locator('[data-testid="stDownloadButton"]')
    if role == "viewer":
        expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
        settle(page)
        assert downloads.count() == 0
        assert page.get_by_text("Action list", exact=False).count() == 0
    else:
        expect(downloads.first).to_be_visible()


def test_region_scope_in_pages_and_downloads(server, page, team):
    from playwright.sync_api import expect

    inside = region_customers("广东")
    sign_in(page, server, "sam")
    expect(page.locator("h1").first).to_have_text("Overview")
    assert int(metric_value(page, "Customers").replace(",", "")) == len(inside)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("RFM segments", exact=True).click()
    expect(page.locator("h1").first).to_have_text("RFM segments")
    settle(page)
    rows = download_csv(page, "All customers in view · CSV")
    assert set(rows["customer_id"]) == inside
    assert not {"name", "phone", "email", "id_number", "address"} & set(rows.columns)
    audit = team[1].audit_rows(username="sam", actions=["download"])
    assert audit["rows"].tolist() == [len(inside)]
    assert "customer_id" in audit["detail"].iloc[0]


def test_admin_reads_the_audit_log_and_signs_out(server, page, team):
    from playwright.sync_api import expect

    sign_in(page, server, "ada")
    assert nav_links(page) == NAV["admin"]
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Audit log", exact=True).click()
    expect(page.locator("h1").first).to_have_text("Audit log")
    settle(page)
    expect(page.get_by_text("Accounts", exact=True)).to_be_visible()
    log = download_csv(page, "Audit log · CSV")
    assert log["at"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()  # to the second
    signed = log[log["action"] == "sign_in"]
    assert "ada" in set(signed["username"]) and signed["rows"].isna().all()
    failed = log[log["action"] == "sign_in_failed"]
    assert failed["role"].isna().all()  # no role is known for a failed sign-in
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    actions = team[1].audit_rows(username="ada")["action"].tolist()
    assert actions[:3] == ["sign_out", "download", "sign_in"]  # the log download is logged too


def test_steward_upload_masks_personal_columns_and_is_audited(server, page, team, tmp_path):
    from playwright.sync_api import expect

    sign_in(page, server + "/data", "stew")
    expect(page.locator("h1").first).to_have_text("Data")
    settle(page)
    assert page.get_by_label("SQLAlchemy URL").count() == 0  # only an admin types a URL
    upload = tmp_path / "客户保费.csv"
    upload.write_text(
        "客户编号,姓名,手机,交易日期,金额\n"
        "001,张三,13812345678,2024-01-05,1200\n"
        "002,李四,13987654321,2024-02-10,300\n"
        "003,王五,13700001111,not-a-date,50\n",
        encoding="utf-8",
    )
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(upload))
    expect(page.get_by_role("button", name="Use this file")).to_be_visible()
    settle(page)
    preview = page.locator('[data-testid="stDataFrame"]').last
    expect(preview).to_be_visible()
    assert "13812345678" not in page.content() and "张三" not in page.content()
    page.get_by_role("button", name="Use this file").click()
    expect(page.locator("h3").filter(has_text="Active source")).to_contain_text("客户保费.csv")
    settle(page)
    assert metric_value(page, "Rejected") == "1"
    assert "13700001111" not in page.content() and "王五" not in page.content()
    rejects = download_csv(page, "Rejected rows · CSV")
    assert not {"姓名", "手机"} & set(rejects.columns)
    assert rejects["客户编号"].tolist() == ["003"]
    assert "13700001111" not in rejects.to_csv()
    audit = team[1].audit_rows(username="stew")
    assert audit["action"].tolist()[:2] == ["download", "upload"]
    assert audit["target"].iloc[1] == "客户保费.csv" and audit["rows"].iloc[1] == 3
