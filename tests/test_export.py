"""The one export writer (data.export) and what it must never let out (DESIGN.md, "Access and
exports"): personal information under any of its usual headers, and text a spreadsheet would run."""

from __future__ import annotations

import io

import pandas as pd

from data.export import export_frame
from data.schema import PII_ALIASES, PII_COLUMNS, personal_columns


def test_personal_columns_are_found_under_their_usual_headers():
    headers = [
        "customer_id", "Customer Name", "full_name", "客户姓名", "姓名", "名字",
        "phone_number", "Mobile", "TEL", "telephone", "电话", "手机", "手机号", "联系电话",
        "E-Mail", "mail", "邮箱", "电子邮箱", "id_no", "ID-Card", "身份证", "身份证号", "证件号码",
        "addr", "地址", "联系地址", "name", "phone", "email", "id_number", "address",
        " Phone_2 ", "地址1", "email.1",
        "amount", "product_name", "channel", "id", "transaction_id", "客户编号", "mailing_list",
        "名称_产品",
    ]  # fmt: skip
    assert personal_columns(headers) == [
        "Customer Name", "full_name", "客户姓名", "姓名", "名字",
        "phone_number", "Mobile", "TEL", "telephone", "电话", "手机", "手机号", "联系电话",
        "E-Mail", "mail", "邮箱", "电子邮箱", "id_no", "ID-Card", "身份证", "身份证号", "证件号码",
        "addr", "地址", "联系地址", "name", "phone", "email", "id_number", "address",
        " Phone_2 ", "地址1", "email.1",
    ]  # fmt: skip


def test_personal_information_inside_longer_headers_and_free_text():
    # Headers a new user's file had that an exact-name list missed (review of issue 8).
    personal = [
        "银行卡号", "客户手机号", "投保人手机", "投保人身份证号", "客户电话", "联系手机",
        "客户地址", "出生日期", "微信", "微信号", "QQ号", "备注", "客户备注", "customer_phone",
        "homeAddress", "date_of_birth", "insured_name", "beneficiary name", "national_id",
        "passport_no", "remarks", "contact_email", "telephone_calls",
    ]  # fmt: skip
    business = [
        "customer_id", "客户编号", "cluster_name", "product_name", "产品名称", "渠道名称",
        "username", "segment", "channel", "contact_channel", "contact_at", "region", "city",
        "交易日期", "金额", "保单号", "agent_id", "代理人编号", "reason", "source_row",
        "kept_row", "satisfaction", "points_balance", "payment_mode", "issue_date",
    ]  # fmt: skip
    assert personal_columns(personal + business) == personal


def test_every_personal_column_of_the_schema_has_aliases():
    assert (
        set(PII_ALIASES) == set(PII_COLUMNS) == {"name", "phone", "email", "id_number", "address"}
    )


def test_exports_drop_personal_columns_under_any_header():
    rows = pd.DataFrame(
        {
            "客户编号": ["007"],
            "姓名": ["王小明"],
            "手机": ["13812345678"],
            "身份证号": ["110101199003071234"],
            "联系地址": ["北京市东城区"],
            "E-mail": ["wang@example.com"],
            "clv": [12.5],
        }
    )
    out = export_frame(rows)
    assert list(out.columns) == ["客户编号", "clv"]
    text = out.to_csv(index=False)
    for secret in ("王小明", "13812345678", "110101199003071234", "北京市", "wang@"):
        assert secret not in text


def test_csv_export_neutralises_headers_and_keeps_a_carriage_return_inside_its_cell():
    from data.export import csv_bytes

    rows = pd.DataFrame({"customer_id": ["\r=1+1", "c2"], "@SUM(1)": [1.5, 2.0]})
    raw = csv_bytes(export_frame(rows))
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype={"customer_id": str})
    assert list(back.columns) == ["customer_id", "'@SUM(1)"]
    assert back["customer_id"].tolist() == ["'\r=1+1", "c2"]
    assert back["'@SUM(1)"].tolist() == [1.5, 2.0]


def test_exporting_leaves_the_frame_it_was_given_as_it_was():
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series(["=C1", "C2"], dtype="str"),
            "segment": pd.Categorical(["-x", "y"]),
            "clv": [1.23456, 2.0],
            "phone": ["138", "139"],
        }
    )
    frame.attrs["as_of"] = "2026-09-30"
    before = frame.copy(deep=True)
    out = export_frame(frame)
    assert out["customer_id"].tolist() == ["'=C1", "C2"] and "phone" not in out
    assert out["segment"].tolist() == ["'-x", "y"] and out["clv"].tolist() == [1.23, 2.0]
    pd.testing.assert_frame_equal(frame, before)
    assert frame.attrs == {"as_of": "2026-09-30"}
