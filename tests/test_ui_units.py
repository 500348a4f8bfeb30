"""ui/ helpers on their own: masking, safe text, URL state, translations, the export writer."""

from __future__ import annotations

import ast
import io
import re
from datetime import date

import openpyxl
import pandas as pd
import pytest

from tests.conftest import ROOT, markdown_cells
from ui import i18n
from ui.state import DEFAULTS, KEYS, dump_query, parse_query, rules_from_text, rules_to_text
from ui.widgets import mask, plain

# --------------------------------------------------------------------------- masking


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("name", "王小明", "王**"),
        ("name", "李", "李*"),
        ("phone", "13812345678", "138****5678"),
        ("phone", "12345", "****"),
        ("email", "wang1234@mail.example.cn", "w***@mail.example.cn"),
        ("email", "no-at-sign", "***"),
        ("id_number", "110105199001011234", "110***********1234"),
        ("id_number", "12345678", "****"),
        ("address", "北京市朝阳区人民路12号", "北京市朝阳区****"),  # the first 6 of 12
        ("address", "上海市徐汇区中山路8号301室", "上海市徐汇区中****"),  # 7 of 15
        ("name", None, ""),
        ("unknown", "anything", "****"),
    ],
)
def test_mask_keeps_just_enough_to_recognise(column, value, expected):
    assert mask(column, value) == expected


def test_masked_values_never_contain_the_hidden_digits():
    phone, number = "13812345678", "110105199001011234"
    assert "1234" not in mask("phone", phone)[:7]
    assert "19900101" not in mask("id_number", number)


def test_a_static_table_shows_every_cell_as_text_in_its_own_cell():
    from streamlit.testing.v1 import AppTest

    def script():
        import pandas as pd

        from ui.widgets import static_table

        static_table(pd.DataFrame({
            "Name | kind": ["a|b", "<b>x</b>", "line\nbreak", "**bold** [l](http://x.cn)"],
            "Value": ["1.0%", "-2", "¥3", "$4"],
        }))  # fmt: skip

    at = AppTest.from_function(script).run()
    assert not at.exception
    (table,) = at.markdown
    lines = table.value.splitlines()
    assert len(lines) == 6  # header, alignment, four rows: no cell broke its row
    assert all(len(re.findall(r"(?<!\\)\|", line)) == 3 for line in lines)  # two cells each
    assert lines[1] == "| :--- | ---: |"
    cells = markdown_cells(table.value)
    assert cells[0] == ["Name | kind", "Value"]
    assert [row[0] for row in cells[2:]] == [
        "a|b", "<b>x</b>", "line break", "**bold** [l](http:\u200b//x.cn)"
    ]  # fmt: skip
    assert [row[1] for row in cells[2:]] == ["1.0%", "-2", "¥3", "$4"]
    assert "<b>" not in table.value and "**" not in table.value  # escaped, not rendered


def test_plain_text_cannot_become_markdown():
    assert plain("[click](http://evil)") == "\\[click\\](http\\:\u200b//evil)"
    assert "\u200b" in plain("see www.example.com") and "\u200b" in plain("a@b.cn")
    assert plain("**bold** _x_ `code`") == "\\*\\*bold\\*\\* \\_x\\_ \\`code\\`"
    assert plain(":material/home: :red[x]") == "\\:material/home\\: \\:red\\[x\\]"
    assert plain("http://evil.example").replace("\u200b", "").replace("\\", "") == (
        "http://evil.example"
    )  # it still reads as typed
    assert plain("<img src=x onerror=alert(1)>") == "\\<img src\\=x onerror\\=alert(1)\\>"
    assert plain("# title") == "\\# title" and plain("1. item") == "1\\. item"
    assert plain("C00000123 保费.csv") == "C00000123 保费.csv"  # ordinary text unchanged


# --------------------------------------------------------------------------- URL state


def test_every_default_comes_from_settings():
    assert KEYS["rfm_bins"].default == DEFAULTS.rfm_bins
    assert (KEYS["abc_a"].default, KEYS["abc_b"].default) == DEFAULTS.abc_cuts
    assert KEYS["churn_cuts"].default == DEFAULTS.churn_cuts
    assert KEYS["horizon"].default == DEFAULTS.horizon_months
    assert KEYS["discount"].default == DEFAULTS.discount_rate
    tiers = (KEYS["tier_platinum"].default, KEYS["tier_gold"].default, KEYS["tier_silver"].default)
    assert tiers == DEFAULTS.tier_shares
    assert tuple(KEYS["cluster_features"].default) == DEFAULTS.cluster_features
    assert KEYS["k"].default == DEFAULTS.k and KEYS["model"].default == DEFAULTS.model


def test_url_state_round_trips():
    state = {
        "lang": "zh",
        "as_of": date(2025, 6, 30),
        "f_channel": ["agency", "online"],
        "rfm_mode": "threshold",
        "rfm_bins": 4,
        "edges_r": "30, 90, 180",
        "abc_a": 0.65,
        "churn_cuts": (0.2, 0.7),
        "discount": 0.12,
        "k": 6,
        "cluster_features": ["recency", "clv"],
        "rules": "Top:3-4:1-4:1-4;Rest:1-2:1-4:1-4",
        "cluster_names": "0=Best;1=Rest",
    }
    query = dump_query(state)
    assert query["abc_a"] == "0.65" and query["churn_cuts"] == "0.2,0.7"
    assert "horizon" not in query  # defaults stay out of the link
    values, rejected = parse_query(query)
    assert rejected == []
    assert values == state


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("k", "500"),
        ("k", "x"),
        ("discount", "nan"),
        ("discount", "inf"),
        ("churn_cuts", "0.9,0.1"),
        ("churn_cuts", "0.5"),
        ("unit", "Q"),
        ("model", "magic"),
        ("rfm_bins", "7"),
        ("abc_a", "lots"),
        ("cluster_features", "recency,password"),
        ("as_of", "yesterday"),
        ("rules", "no colons here"),
        ("rules", "X:0-9:1-5:1-5"),
        ("lang", "fr"),
        ("source", "database"),
        ("edges_r", "1," * 2000),
    ],
)
def test_a_mangled_link_value_is_rejected(key, text):
    values, rejected = parse_query({key: text})
    assert values == {} and rejected == [key]


def test_unknown_link_keys_are_ignored():
    assert parse_query({"utm_source": "mail", "k": "5"}) == ({"k": 5}, [])


def test_rules_text_round_trips():
    from analytics.rfm import default_rules

    for bins in (3, 4, 5):
        rules = default_rules(bins)
        assert rules_from_text(rules_to_text(rules)) == rules


# --------------------------------------------------------------------------- translations


def used_text_keys() -> set[str]:
    """Every literal key passed to ``t(...)`` in the app, its pages and ui/."""
    keys = set()
    files = [ROOT / "dashboard.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                keys.add(node.args[0].value)
    return keys


def test_every_key_the_app_uses_exists_in_both_languages():
    used = used_text_keys()
    assert len(used) > 150  # the scan really found the interface's keys
    missing = sorted(k for k in used if not i18n.has_text(k))
    assert missing == []
    for key, (english, chinese) in i18n._T.items():
        assert english.strip() and chinese.strip(), key
        assert i18n.placeholders(english) == i18n.placeholders(chinese), key
        words = re.sub(r"\{[a-z_]+\}|ValueScope", "", chinese)  # fields; the product's name
        assert re.search(r"[\u4e00-\u9fff]", words) or not re.search(r"[a-z]{2,}", words), key


def test_dynamic_keys_exist():
    """Keys built at run time: reasons, error codes, units, sources, features, bands."""
    from analytics.clusters import BASE_FEATURES, OPTIONAL_FEATURES
    from analytics.clv import REASONS
    from analytics.summary import UNIT_DAYS
    from data.report import DUPLICATE_REASONS, REJECT_REASONS

    dynamic = [f"reason_{r}" for r in (*REASONS, *REJECT_REASONS, *DUPLICATE_REASONS)]
    dynamic += [f"unit_{u}" for u in UNIT_DAYS] + [f"unit_word_{u}" for u in UNIT_DAYS]
    dynamic += [f"source_{s}" for s in ("demo", "cdnow", "upload", "database")]
    dynamic += [f"feature_{f}" for f in (*BASE_FEATURES, *OPTIONAL_FEATURES)]
    dynamic += [f"band_range_{b}" for b in ("low", "medium", "high", "unknown")]
    dynamic += [f"mode_{m}" for m in ("quantile", "threshold", "mean")]
    dynamic += [f"pii_{c}" for c in ("name", "phone", "email", "id_number", "address")]
    assert [k for k in dynamic if not i18n.has_text(k)] == []


def test_every_error_code_raised_has_words():
    codes = set()
    for folder in ("data", "analytics"):
        for path in (ROOT / folder).glob("*.py"):
            codes |= set(re.findall(r'code="([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert len(codes) > 10
    assert sorted(c for c in codes if not i18n.has_text(f"error_{c}")) == []


def test_every_code_analytics_names_has_a_chinese_name():
    from analytics.churn import BANDS, TIERS
    from analytics.clusters import AVERAGE, WORDS
    from analytics.rfm import DEFAULT_RULES_BY_BINS, EIGHT_CLASS_RULES, UNCLASSIFIED
    from data.schema import CHANNELS, CUSTOMER_TYPES, PRODUCT_LINES

    codes = {r.name for rules in DEFAULT_RULES_BY_BINS.values() for r in rules}
    codes |= {r.name for r in EIGHT_CLASS_RULES} | {UNCLASSIFIED, AVERAGE}
    codes |= set(BANDS) | set(TIERS) | set(CHANNELS) | set(CUSTOMER_TYPES) | set(PRODUCT_LINES)
    codes |= {word for words in WORDS.values() for word in words if word}
    assert sorted(c for c in codes if not i18n.known_name(c)) == []
    for code in codes:
        assert re.search(r"[\u4e00-\u9fff]", i18n.name(code, "zh")), code
    assert i18n.name("recent, frequent, high_spend", "zh") == "近期活跃、高频、高消费"
    assert i18n.name("recent, frequent, high_spend", "en") == "recent, frequent, high spend"
    assert i18n.name("My own segment", "zh") == "My own segment"  # user text stays as typed
    assert i18n.programme_tier("gold", "zh") == "黄金会员" != i18n.name("Gold", "zh")


def test_described_errors_are_in_the_language():
    from data.load import SourceError

    exc = SourceError(
        "missing", code="missing_columns", missing=["customer_id", "amount"], found=["who", "when"]
    )
    assert i18n.describe_error(exc, "zh") == "缺少必填字段：客户编号、金额；现有字段：who、when。"
    assert i18n.describe_error(exc, "en") == (
        "Missing required column(s): Customer id, Amount; found columns: who, when."
    )
    csv = SourceError(
        "bad", code="bad_csv", name="x.csv", detail="Expected 2 fields in line 3, saw 3"
    )
    assert (
        i18n.describe_error(csv, "zh")
        == "x.csv 不是格式正确的 CSV 文件：第 3 行有 3 个字段，应为 2 个。"
    )
    assert i18n.describe_error(ValueError("plain"), "zh") == "无法使用该数据。"
    repeated = SourceError("repeated", code="duplicate_columns", names=["金额", "amount"])
    assert i18n.describe_error(repeated, "zh") == (
        "字段名 金额、amount 出现了不止一次；请为每个字段使用不同的名称。"
    )


# --------------------------------------------------------------------------- exports


def test_export_writer_removes_personal_columns_neutralises_formulas_and_rounds():
    from data.export import csv_bytes, export_frame

    rows = pd.DataFrame(
        {
            "customer_id": ["007", '=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-2"],
            "name": ["王小明"] * 5,
            "phone": ["13812345678"] * 5,
            "clv": [1234.5678, 1.0, 2.0, 3.0, 4.0],
            "p_alive": [0.123456789, 0.5, 0.5, 0.5, 0.5],
            "segment": ["Champions", "New", "New", "New", "\tcmd"],
        }
    )
    out = export_frame(rows, values={"segment": {"Champions": "冠军客户"}})
    assert list(out.columns) == ["customer_id", "clv", "p_alive", "segment"]
    assert out["customer_id"].tolist() == [
        "007", "'=HYPERLINK(\"http://x\")", "'+1", "'@SUM(A1)", "'-2",
    ]  # fmt: skip
    assert out["clv"].iloc[0] == 1234.57 and out["p_alive"].iloc[0] == 0.1235
    assert out["segment"].tolist()[0] == "冠军客户" and out["segment"].iloc[4] == "'\tcmd"
    raw = csv_bytes(out)
    assert raw.startswith(b"\xef\xbb\xbf") and b"13812345678" not in raw
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype={"customer_id": str})
    assert back["customer_id"].iloc[0] == "007"


def test_excel_export_has_text_ids_a_header_and_frozen_panes():
    from data.export import xlsx_bytes

    frame = pd.DataFrame(
        {
            "客户编号": ["007", '=HYPERLINK("http://x")'],
            "first_purchase": pd.to_datetime(["2024-01-05", "2024-02-01"]),
            "clv": [12.5, None],
            "is_member": [True, False],
        }
    )
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(frame, ["客户编号"])))
    sheet = book.active
    assert [c.value for c in sheet[1]] == ["客户编号", "first_purchase", "clv", "is_member"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A2"].value == "007" and sheet["A2"].data_type == "s"
    # a formula-like text is a text cell with Excel's quote prefix, never a formula
    assert sheet["A3"].value == '=HYPERLINK("http://x")' and sheet["A3"].data_type == "s"
    assert sheet["A3"].quotePrefix and not sheet["A2"].quotePrefix
    assert sheet["B2"].value.date() == date(2024, 1, 5)
    assert sheet["C2"].value == 12.5 and sheet["C3"].value is None
    assert sheet["D2"].value is True


def test_dashboard_export_speaks_the_language():
    from ui.exports import prepare

    rows = pd.DataFrame(
        {
            "customer_id": ["C1"],
            "segment": ["Champions"],
            "value_tier": ["Gold"],
            "churn_band": ["high"],
            "channel": ["bancassurance"],
            "cluster": [0],
            "cluster_name": ["recent, high_spend"],
            "loyalty_tier": ["gold"],
            "is_member": [True],
            "name": ["王小明"],
        }
    )
    zh = prepare(rows, None, "zh")
    assert list(zh.columns) == ["客户编号", "客户细分", "价值分层", "流失风险等级", "渠道",
                                "聚类编号", "聚类名称", "会员等级", "是否会员"]  # fmt: skip
    assert zh.iloc[0].tolist() == ["C1", "冠军客户", "黄金", "高", "银保", 0, "近期活跃、高消费",
                                   "黄金会员", "是"]  # fmt: skip
    en = prepare(rows, None, "en", cluster_labels={0: "VIPs"})
    assert "customer_id" in en.columns and en["cluster_name"].iloc[0] == "VIPs"
    assert en["churn_band"].iloc[0] == "High"


def test_file_names_are_ascii():
    from ui.exports import file_name

    assert file_name("rfm", "Champions", "2026-09-30") == "valuescope_rfm_champions_2026-09-30.csv"
    chinese = file_name("rfm", "重要价值客户", None, "xlsx")
    assert chinese.isascii() and chinese.endswith("_latest.xlsx")
    assert chinese != file_name("rfm", "重要发展客户", None, "xlsx")
