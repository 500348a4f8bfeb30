"""Sign-in through OpenID Connect (Streamlit's st.login) in a real browser, against a real
provider on localhost (oidc-provider-mock): the role and regions come from ID-token claims; each
role sees its pages and no other even by URL; region scope reaches pages and downloads; a user
without a role sees no data; sign-in, download and sign-out are audited. One server for the
suite (VALUESCOPE_AUTH=oidc)."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

import pytest

from tests.e2e import (
    chromium,
    download_csv,
    free_port,
    metric_value,
    nav_links,
    new_page,
    settle,
    streamlit_server,
)
from tests.test_browser_local import DASHBOARDS, NAV, region_customers

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
SIGN_IN = "Sign in with your organisation's account"


@pytest.fixture(scope="module")
def provider():
    from oidc_provider_mock import run_server_in_thread

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with run_server_in_thread(port=0) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    from data.appdb import AppDB

    url = f"sqlite:///{tmp_path_factory.mktemp('oidc') / 'app.sqlite'}"
    return url, AppDB(url)


@pytest.fixture(scope="module")
def server(provider, app_db, demo_dir, tmp_path_factory):
    port = free_port()
    config = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    config.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "valuescope-test"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    env = {"VALUESCOPE_AUTH": "oidc", "VALUESCOPE_APP_DB": app_db[0],
           "VALUESCOPE_DATA_DIR": str(demo_dir)}  # fmt: skip
    args = ("--secrets.files", str(config))
    with streamlit_server(env, args, host="localhost", port=port) as url:
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


def sign_in(page, server: str, provider: str, email: str, claims: dict, path: str = "") -> None:
    import httpx
    from playwright.sync_api import expect

    done = httpx.put(f"{provider}/users/{quote(email, safe='')}", json={"email": email, **claims})
    assert done.status_code == 204
    page.goto(server)
    page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url(f"{provider}/oauth2/authorize**")
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{server}/**")
    expect(page.get_by_role("button", name=SIGN_IN)).to_have_count(0)
    if path:  # st.login returns to the app's root; the cookie carries the sign-in to any page
        page.goto(server + path)
    settle(page)


def test_viewer_from_claims_cannot_reach_lookup_by_url(server, provider, page, app_db):
    from playwright.sync_api import expect

    sign_in(page, server, provider, "viewer@example.com", {"valuescope_role": "viewer"})
    expect(page.locator("h1").first).to_have_text("Overview")
    assert nav_links(page) == DASHBOARDS
    page.goto(server + "/lookup")  # the session cookie signs the new session in
    expect(page.locator("h1").first).to_have_text("Overview")
    assert page.get_by_placeholder("C").count() == 0
    rows = app_db[1].audit_rows(username="viewer@example.com")
    assert rows["action"].tolist() == ["sign_in"]  # once, though two pages were opened
    assert rows["detail"].iloc[0].startswith("oidc auth_time=")
    assert set(rows["role"]) == {"viewer"}


def test_marketer_bound_to_a_region(server, provider, page, app_db):
    from playwright.sync_api import expect

    inside = region_customers("广东")
    claims = {"valuescope_role": "marketer", "valuescope_regions": ["广东"]}
    sign_in(page, server, provider, "mkt@example.com", claims, path="/rfm")
    expect(page.locator("h1").first).to_have_text("RFM segments")
    assert nav_links(page) == NAV["marketer"]
    rows = download_csv(page, "All customers in view · CSV")
    assert set(rows["customer_id"]) == inside
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Overview", exact=True).click()
    expect(page.locator("h1").first).to_have_text("Overview")
    assert int(metric_value(page, "Customers").replace(",", "")) == len(inside)
    downloads = app_db[1].audit_rows(username="mkt@example.com", actions=["download"])
    assert downloads["rows"].tolist() == [len(inside)]


def test_no_role_claim_sees_no_data(server, provider, page):
    from playwright.sync_api import expect

    sign_in(page, server, provider, "nobody@example.com", {})
    expect(page.get_by_text("has no role in ValueScope", exact=False)).to_be_visible()
    assert page.locator('[data-testid="stMetric"]').count() == 0
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0


def test_admin_audit_page_and_sign_out(server, provider, page, app_db):
    from playwright.sync_api import expect

    sign_in(page, server, provider, "admin@example.com", {"valuescope_role": "admin"}, "/audit")
    expect(page.locator("h1").first).to_have_text("Audit log")
    assert nav_links(page) == NAV["admin"]
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{provider}/oauth2/end_session**")
    page.get_by_role("button", name="End session").click()
    expect(page.get_by_role("button", name=SIGN_IN)).to_be_visible()
    actions = app_db[1].audit_rows(username="admin@example.com")["action"].tolist()
    assert actions == ["sign_out", "sign_in"]


@pytest.mark.parametrize("role", ["service", "steward"])
def test_service_and_steward_by_claims(server, provider, page, role):
    from playwright.sync_api import expect

    sign_in(page, server, provider, f"{role}@example.com", {"valuescope_role": role}, "/audit")
    expect(page.locator("h1").first).to_have_text("Overview")  # the audit log is admin's
    assert nav_links(page) == NAV[role]
    page.goto(server + "/lookup")
    expect(page.locator("h1").first).to_have_text("Customer lookup")
    settle(page)
    page.goto(server + "/data")
    expect(page.locator("h1").first).to_have_text("Data" if role == "steward" else "Overview")
