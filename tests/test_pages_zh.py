"""Every page in Chinese, with no English interface word left (AppTest).

All text an element shows is gathered (titles, captions, messages, widget labels and options,
metrics and their tooltips, table headers and cells, chart titles, axes, ticks, legends and hover
texts) and split into words; an ASCII word that is not a product name, an acronym or data fails
the test, naming the page and where it was found.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.test_pages import PAGES, TIMEOUT

#: ASCII words that stay in Chinese text: names of products, models, formats and scores.
ALLOWED = {
    "ValueScope", "CLV", "RFM", "ABC", "BG", "NBD", "Pareto", "Gamma", "CSV", "Excel", "xlsx",
    "XLSX", "Parquet", "PARQUET", "TXT", "UTF", "GBK", "GB18030", "SQLAlchemy", "CDNOW", "MB",
    "YYYY", "MM", "DD", "CNY", "USD", "sBG", "DERL", "Fader", "Hardie", "Spark",
    "English",  # the language selector names each language in itself
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def english_words(text: str) -> set[str]:
    """ASCII words of ``text`` that are not allowed; identifiers (``customer_id``), template
    fields and HTML tags are not words."""
    text = re.sub(r"%\{[^}]*\}|<[^>]*>", " ", str(text))
    text = re.sub(r"\d{4}-\d{2}-\d{2}T[\d:.]+", " ", text)  # chart data: ISO timestamps
    text = re.sub(r"\S*@\S+", " ", text)  # a (masked) e-mail address is data
    text = re.sub(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b", " ", text)  # snake_case identifiers
    text = re.sub(r"\b[A-Z]{1,2}\d+\b", " ", text)  # ids (C00000001, PC0000000101), R5F1M2
    words = set()
    for word in WORD.findall(text):
        if word in ALLOWED or (len(word) <= 2 and word.isupper()) or len(word) == 1:
            continue  # acronyms, scores (R, F, M), classes (A, B, C), symbols (k, r, a, b)
        if re.fullmatch(r"[RFM]\d([RFM]\d)*", word):
            continue
        words.add(word)
    return words


def _figure_texts(spec: str) -> list[str]:
    figure = json.loads(spec)
    texts = []
    layout = figure.get("layout", {})
    texts.append(layout.get("title", {}).get("text", ""))
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            texts.append(axis.get("title", {}).get("text", ""))
            texts.extend(str(v) for v in axis.get("ticktext", []) or [])
    for trace in figure.get("data", []):
        texts.append(str(trace.get("name", "")))
        texts.append(str(trace.get("hovertemplate", "")))
        for key in ("x", "y", "text", "customdata"):
            values = trace.get(key)
            if isinstance(values, list):
                flat = values if not values or not isinstance(values[0], list) else sum(values, [])
                texts.extend(v for v in flat if isinstance(v, str))
    return texts


def page_texts(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) for everything the page shows."""
    out: list[tuple[str, str]] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info",
                 "warning", "error", "success", "exception"):  # fmt: skip
        out += [(kind, e.value) for e in getattr(at, kind)]
    for metric in at.metric:
        out += [("metric", metric.label), ("metric", metric.value)]
        out += [("metric", metric.proto.delta), ("metric help", metric.proto.help)]
    for kind in ("radio", "selectbox", "multiselect", "select_slider"):
        for widget in at.get(kind):
            out.append((f"{kind} label", widget.label))
            options = getattr(widget, "options", [])
            out += [(f"{kind} option", str(o)) for o in options]
    for kind in ("slider", "text_input", "date_input", "number_input", "toggle", "button",
                 "checkbox"):  # fmt: skip
        out += [(f"{kind} label", w.label) for w in at.get(kind)]
        out += [(f"{kind} help", w.help or "") for w in at.get(kind)]
    for button in at.get("download_button"):
        out.append(("download", button.proto.label))
    for expander in at.expander:
        out.append(("expander", expander.label))
    for frame in [*at.dataframe, *at.table]:
        table = frame.value
        out += [("table header", str(c)) for c in table.columns]
        for column in table.columns:
            if str(column) == "字段":  # the data dictionary's technical field names
                continue
            out += [("table cell", v) for v in table[column] if isinstance(v, str)]
    for chart in at.get("plotly_chart"):
        out += [("chart", text) for text in _figure_texts(chart.proto.spec)]
    return out


def leftovers(at: AppTest) -> list[str]:
    found = []
    for where, text in page_texts(at):
        # "客户编号 ← customer_id · 金额 ← amount": what follows an arrow is the source's own
        # column name, which is data
        text = re.sub(r"←\s*[^·]+", "", str(text))
        for word in sorted(english_words(text)):
            found.append(f"{where}: {word!r} in {str(text)[:80]!r}")
    return found


@pytest.fixture(scope="module")
def zh_app(demo_dir) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    return at


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_word_finder_finds_english_and_spares_the_rest():
    assert english_words("Segment mix · 客户细分") == {"Segment", "mix"}
    assert (
        english_words("CLV 与 RFM · C00000001 · customer_id · %{customdata} <extra></extra>")
        == set()
    )
    assert english_words("R5F4M1 · BG/NBD · 2024年1月") == set()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_speaks_chinese(zh_app, page):
    at = visit(zh_app, page)
    assert at.title[0].value and re.search(r"[\u4e00-\u9fff]", at.title[0].value)
    assert leftovers(at) == []


def test_chinese_deeper_views(zh_app):
    """The views behind a click: a customer's details, threshold and eight-class RFM, the
    backtest of both models, another time unit and model."""
    at = visit(zh_app, "lookup")
    at.text_input(key="lookup_id").set_value("C0000001").run()  # a prefix: a choice appears
    assert not at.exception
    assert leftovers(at) == []
    at.text_input(key="lookup_id").set_value("C00000001").run()
    assert any(s.value == "C00000001" for s in at.subheader)
    assert leftovers(at) == []
    at = visit(zh_app, "rfm")
    for mode in ("threshold", "mean"):
        at.radio(key="rfm_mode").set_value(mode).run()
        assert leftovers(at) == []
    at = visit(zh_app, "clv")
    at.button(key="bt_go").click().run()
    assert not at.exception and leftovers(at) == []
    at.selectbox(key="model").set_value("pareto_nbd").run()
    at.selectbox(key="unit").set_value("W").run()
    assert leftovers(at) == []


def test_cdnow_in_chinese_warns_that_the_models_disagree(demo_dir):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.session_state["lang"] = "zh"
    at.session_state["source"] = "cdnow"
    at.run()
    at = visit(at, "churn")
    # the page does not wait for the other model: until the background fit is done (an earlier
    # session in this process may have done it) it says it is comparing
    warned = lambda: any("两种购买模型的结论差异较大" in w.value for w in at.warning)  # noqa: E731
    assert warned() or any("正在与 Pareto/NBD 模型比较" in c.value for c in at.caption)
    assert leftovers(at) == []
    deadline = time.monotonic() + 120
    while not warned() and time.monotonic() < deadline:
        time.sleep(1.0)
        at.run()
    warnings = [w.value for w in at.warning]
    assert any("两种购买模型的结论差异较大" in w for w in warnings), warnings
    assert leftovers(at) == []
    for page in ("overview", "loyalty", "abc", "data"):
        assert leftovers(visit(at, page)) == []


def test_the_check_fails_on_a_page_left_in_english(demo_dir):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.run()  # English
    found = leftovers(visit(at, "churn"))
    assert any("'Churn'" in f for f in found) and any(f.startswith("metric") for f in found)
