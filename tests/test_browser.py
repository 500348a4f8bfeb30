"""One walk through the real app in a real browser: Debian's chromium driven by Playwright
against `streamlit run` on a free port. Waits on the app's own script state, never on sleeps."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from tests.e2e import chromium, metric_value, new_page, settle, streamlit_server

PAGES = [
    ("Overview", "Overview"),
    ("Churn risk", "Churn risk"),
    ("Persistency", "Persistency"),
    ("Loyalty programme", "Loyalty programme"),
    ("Service", "Service"),
    ("RFM segments", "RFM segments"),
    ("ABC / Pareto", "ABC / Pareto"),
    ("CLV and value tiers", "CLV and value tiers"),
    ("Clusters (K-means)", "Clusters (K-means)"),
    ("Customer picture", "Customer picture"),
    ("Customer lookup", "Customer lookup"),
    ("Data", "Data"),
]


# Calls window.titleShown() once, when the page's first title appears.
_ON_FIRST_TITLE = """
new MutationObserver((_, observer) => {
  if (document.querySelector("h1")) {
    observer.disconnect();
    window.titleShown();
  }
}).observe(document, {childList: true, subtree: true});
"""


@pytest.fixture
def server(demo_dir):
    with streamlit_server({"VALUESCOPE_DATA_DIR": str(demo_dir)}) as url:
        yield url


@pytest.fixture
def browser_page():
    with chromium() as browser:
        page = new_page(browser)
        yield page
        page.context.close()


@pytest.mark.browser
def test_walk_every_page_slider_download_and_language(server, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    asked: list[str] = []  # every address the browser asked for
    page.on("request", lambda r: asked.append(r.url))
    events = []  # what the browser did, in order: the chart library asked for, the title shown
    page.on("request", lambda r: events.append("plotly") if "/PlotlyChart." in r.url else None)
    page.expose_function("titleShown", lambda: events.append("title"))
    page.add_init_script(_ON_FIRST_TITLE)
    page.goto(server)
    expect(page.locator("h1").first).to_have_text("Overview")
    settle(page)
    # plotly.js was asked for before the page's first title (a hidden chart drawn before
    # anything waits for data), and that chart is gone once the page is drawn
    assert events[:2] == ["plotly", "title"], events
    assert page.locator(".st-key-vs_chart_loader").count() == 0
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(4)

    for link, title in PAGES:
        page.locator('[data-testid="stSidebarNav"]').get_by_text(link, exact=True).click()
        expect(page.locator("h1").first).to_have_text(title)
        settle(page)

    # move one slider: the A cut-off on the ABC page, with the keyboard
    page.locator('[data-testid="stSidebarNav"]').get_by_text("ABC / Pareto", exact=True).click()
    expect(page.locator("h1").first).to_have_text("ABC / Pareto")
    settle(page)
    class_a = (
        page.locator('[data-testid="stMetric"]')
        .filter(has_text="Class A")
        .locator('[data-testid="stMetricValue"]')
    )
    before = class_a.inner_text()
    slider = page.locator('input[type="range"][aria-label="A cut-off (share of value)"]')
    expect(slider).to_have_value("0.8")
    # one click on the track, a fifth of the way along: a single change, a single rerun
    track = (
        page.locator('[data-testid="stSlider"]')
        .first.locator('[data-orientation="horizontal"]')
        .nth(1)
    )
    box = track.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    expect(slider).not_to_have_value("0.8")
    expect(class_a).not_to_have_text(before)
    settle(page)
    moved = float(slider.input_value())
    assert 0.55 <= moved <= 0.63
    assert f"abc_a={moved:g}" in page.url  # the view is in the link

    # download one segment and check its rows
    page.locator('[data-testid="stSidebarNav"]').get_by_text("RFM segments", exact=True).click()
    expect(page.locator("h1").first).to_have_text("RFM segments")
    settle(page)
    button = page.locator('[data-testid="stDownloadButton"] button').filter(
        has_text="Segment “Champions” · CSV"
    )
    count = int(re.search(r"\(([\d,]+)\)", button.inner_text()).group(1).replace(",", ""))
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("valuescope_rfm_champions_")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), "rb") as handle:
        raw = handle.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype={"customer_id": str})
    assert len(rows) == count > 0
    assert set(rows["segment"]) == {"Champions"}
    assert rows["customer_id"].is_unique
    assert (rows["cluster"] >= 0).all() and rows["cluster_name"].notna().all()  # added at the click
    assert not {"name", "phone", "id_number"} & set(rows.columns)
    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"] button').filter(
            has_text="Segment “Champions” · Excel"
        ).click()
    import openpyxl

    assert info.value.suggested_filename.endswith(".xlsx")
    with open(info.value.path(), "rb") as handle:
        sheet = openpyxl.load_workbook(io.BytesIO(handle.read())).active
    assert sheet.freeze_panes == "A2" and sheet.max_row == count + 1
    assert sheet["A1"].value == "customer_id" and sheet["A2"].data_type == "s"

    # switch the language
    page.locator('[data-testid="stSidebar"]').get_by_text("简体中文", exact=True).click()
    expect(page.locator("h1").first).to_have_text("RFM 客户细分")
    settle(page)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_contain_text("总览")
    # nothing was fetched from anywhere but the dashboard's own server: a deployment may have no
    # internet, and a third party would learn who uses it (a Material page icon was fetched
    # from fonts.gstatic.com)
    elsewhere = [url for url in asked if not url.startswith((server, "data:", "blob:"))]
    assert asked and not elsewhere, elsewhere


@pytest.mark.browser
def test_upload_a_bad_file_then_a_good_one(server, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{server}/data")
    expect(page.locator("h1").first).to_have_text("Data")
    settle(page)
    uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first

    binary = tmp_path / "broken.xlsx"
    binary.write_bytes(b"PK\x03\x04 this is not a workbook")
    uploader.set_input_files(str(binary))
    expect(page.locator('[data-testid="stAlertContentError"]')).to_contain_text(
        "not a readable Excel"
    )
    settle(page)

    wrong = tmp_path / "wrong.csv"
    wrong.write_text("who,when\nx,2024-01-01\n", encoding="utf-8")
    uploader.set_input_files(str(wrong))

    def mapping_shows(value: str) -> None:
        """Wait until the customer_id mapping shows ``value`` (the previous file's widget may
        linger on screen for a moment while the new one is drawn)."""
        page.wait_for_function(
            """value => Array.from(document.querySelectorAll(
                'input[role="combobox"][aria-label="Customer id (required)"]'
            )).some(e => e.value === value)""",
            arg=value,
        )

    mapping_shows("(detect)")  # this file's mapping is on screen
    settle(page)
    page.get_by_role("button", name="Use this file").click()
    expect(page.locator('[data-testid="stAlertContentError"]')).to_contain_text(
        "Missing required column(s): Customer id, Transaction date, Amount; found columns: who, when."
    )
    settle(page)

    good = tmp_path / "保费.csv"
    good.write_bytes(
        '交易编号,客户编号,交易日期,金额\nT1,001,2024/1/5,"￥1,200"\nT2,002,20240210,300\n'
        "T2,002,20240210,300\nT3,003,2024-13-01,50\nT4,001,2024-03-01,80\n".encode("gbk")
    )
    uploader.set_input_files(str(good))
    mapping_shows("客户编号")  # detected from the Chinese header
    settle(page)
    page.get_by_role("button", name="Use this file").click()
    expect(page.locator("h3").filter(has_text="Active source")).to_contain_text("保费.csv")
    settle(page)
    assert metric_value(page, "Rows read") == "5"
    assert metric_value(page, "Rows used") == "3"
    assert metric_value(page, "Duplicates") == "1"
    assert metric_value(page, "Rejected") == "1"
    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"] button').filter(
            has_text="Rejected rows · CSV (1 row)"
        ).click()
    rejects = pd.read_csv(info.value.path(), encoding="utf-8-sig", dtype=str)
    assert rejects["reason"].tolist() == ["Bad date"]
    assert rejects["客户编号"].tolist() == ["003"]
    assert page.get_by_text("Amounts are in CNY (¥).").count() == 1  # ￥ in the file
    # every page works on the uploaded data (three customers, too few for a CLV model)
    for link, title in PAGES:
        page.locator('[data-testid="stSidebarNav"]').get_by_text(link, exact=True).click()
        expect(page.locator("h1").first).to_have_text(title)
        settle(page)
    # in Chinese, the uploader's own English words are replaced by ours
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Data", exact=True).click()
    expect(page.locator("h1").first).to_have_text("Data")
    settle(page)
    page.locator('[data-testid="stSidebar"]').get_by_text("简体中文", exact=True).click()
    expect(page.locator("h1").first).to_have_text("数据")
    settle(page)
    words = page.evaluate(
        """() => {
          const p = document.querySelector(
            '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p');
          const s = document.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span');
          return [getComputedStyle(p).fontSize, getComputedStyle(p, '::before').content,
                  getComputedStyle(s).fontSize, getComputedStyle(s, '::before').content];
        }"""
    )
    assert words == ["0px", '"上传"', "0px", '"单个文件最大 200 MB"']
