"""One test per loader rule, on tiny hand-made files."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.load import SourceError, load_database, load_file, load_frame, parse_amounts, parse_dates


def write(tmp_path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def invariant(report) -> None:
    assert report.rows_read == report.rows_used + report.duplicates + sum(report.rejected.values())


def test_gbk_file_with_chinese_headers(tmp_path):
    path = write(
        tmp_path,
        "gbk.csv",
        "客户编号,交易日期,金额,交易编号,险种\n"
        "A01,2024-01-05,100.5,T1,分红型\n"
        "A02,2024-02-10,200,T2,健康险\n",
        encoding="gbk",
    )
    data = load_file(path)
    tx = data.transactions
    assert data.report.column_mapping == {
        "customer_id": "客户编号",
        "transaction_date": "交易日期",
        "amount": "金额",
        "transaction_id": "交易编号",
        "product_line": "险种",
    }
    assert tx["customer_id"].tolist() == ["A01", "A02"]
    assert tx["amount"].tolist() == [100.5, 200.0]
    assert tx["product_line"].tolist() == ["分红型", "健康险"]
    assert tx["transaction_date"].tolist() == [
        pd.Timestamp("2024-01-05"),
        pd.Timestamp("2024-02-10"),
    ]


def test_gb18030_characters_beyond_gbk(tmp_path):
    path = write(tmp_path, "gb.csv", "客户编号,日期,金额,渠道\n𠀀1,2024-01-05,1,银保\n", "gb18030")
    assert load_file(path).transactions["customer_id"].tolist() == ["𠀀1"]


def test_utf8_bom_header_is_recognised(tmp_path):
    path = write(tmp_path, "bom.csv", "customer_id,date,amount\nc1,2024-01-05,3\n", "utf-8-sig")
    assert (tmp_path / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    data = load_file(path)
    assert data.report.column_mapping["customer_id"] == "customer_id"
    assert data.transactions["customer_id"].tolist() == ["c1"]


def test_semicolon_and_tab_delimiters(tmp_path):
    semi = write(tmp_path, "semi.csv", "customer_id;date;amount\nc1;2024-01-05;3\n")
    tab = write(tmp_path, "tab.txt", "customer_id\tdate\tamount\nc1\t2024-01-05\t3\n")
    assert load_file(semi).transactions["amount"].tolist() == [3.0]
    assert load_file(tab).transactions["amount"].tolist() == [3.0]


def test_xlsx_with_date_cells_serials_and_text_ids(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["客户号", "交易日期", "保费"])
    sheet.append(["00123", dt.datetime(2024, 3, 5, 14, 30), 1000])
    sheet.append(["00456", 45356, "¥2,000.00"])  # 45356 is Excel's serial for 2024-03-05
    sheet.append([789, "2024/3/6", 3.25])  # a numeric id cell
    path = tmp_path / "book.xlsx"
    book.save(path)
    data = load_file(path)
    tx = data.transactions
    assert tx["customer_id"].tolist() == ["00123", "00456", "789"]
    assert tx["transaction_date"].tolist() == [
        pd.Timestamp("2024-03-05"),
        pd.Timestamp("2024-03-05"),
        pd.Timestamp("2024-03-06"),
    ]
    assert tx["amount"].tolist() == [1000.0, 2000.0, 3.25]


def test_parquet_file(tmp_path):
    frame = pd.DataFrame(
        {
            "cust": ["007", "008"],
            "day": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "amt": [1.0, -2.0],
        }
    )
    frame.to_parquet(tmp_path / "t.parquet")
    data = load_file(
        tmp_path / "t.parquet",
        mapping={"customer_id": "cust", "transaction_date": "day", "amount": "amt"},
    )
    assert data.transactions["customer_id"].tolist() == ["007", "008"]
    assert data.transactions["amount"].tolist() == [1.0, -2.0]


def test_leading_zero_ids_survive(tmp_path):
    path = write(
        tmp_path, "ids.csv", "customer_id,date,amount\n000123,2024-01-05,1\n 0042 ,2024-01-05,1\n"
    )
    assert load_file(path).transactions["customer_id"].tolist() == ["000123", "0042"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥1,234.50", 1234.5),
        ("￥ 99", 99.0),
        ("$5", 5.0),
        ("  12  ", 12.0),
        ("-¥30", -30.0),
        ("¥-30", -30.0),
        ("(12.00)", -12.0),
        ("1 000", 1000.0),
        ("88元", 88.0),
        ("1,23", np.nan),
        ("abc", np.nan),
        ("", np.nan),
        ("inf", np.nan),
    ],
)
def test_amount_strings(text, expected):
    parsed = parse_amounts(pd.Series([text], dtype=object)).iloc[0]
    if np.isnan(expected):
        assert np.isnan(parsed)
    else:
        assert parsed == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024-03-05 17:45:00", "2024-03-05"),
        ("2024-03-05T23:10:00+08:00", "2024-03-05"),
        ("2024/3/5", "2024-03-05"),
        ("2024/03/05", "2024-03-05"),
        ("2024.3.5", "2024-03-05"),
        ("2024年3月5日", "2024-03-05"),
        ("20240305", "2024-03-05"),
        ("45356", "2024-03-05"),
        ("2024-02-30", None),
        ("2024/13/01", None),
        ("yesterday", None),
        ("", None),
        ("99999999", None),
    ],
)
def test_date_formats(text, expected):
    parsed = parse_dates(pd.Series([text], dtype=object)).iloc[0]
    if expected is None:
        assert pd.isna(parsed)
    else:
        assert parsed == pd.Timestamp(expected)


def test_numeric_date_columns():
    yyyymmdd = parse_dates(pd.Series([20240305, 20231231]))
    serial = parse_dates(pd.Series([45356.0, 45356.75]))
    assert yyyymmdd.tolist() == [pd.Timestamp("2024-03-05"), pd.Timestamp("2023-12-31")]
    assert serial.tolist() == [pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-05")]


def test_duplicates_by_transaction_id_are_dropped_and_counted(tmp_path):
    path = write(
        tmp_path,
        "dup.csv",
        "transaction_id,customer_id,date,amount\nT1,c1,2024-01-01,10\nT2,c1,2024-01-02,20\n"
        "T1,c1,2024-01-01,10\nT1,c9,2024-05-05,99\n,c2,2024-01-03,5\n,c2,2024-01-03,5\n",
    )
    data = load_file(path)
    assert data.report.duplicates == 2
    # rows without an id cannot be told apart, so both are used
    assert data.transactions["transaction_id"].isna().sum() == 2
    assert data.transactions["amount"].tolist() == [10.0, 20.0, 5.0, 5.0]
    assert data.report.duplicate_rows["source_row"].tolist() == [3, 4]
    invariant(data.report)


def test_each_reject_reason_with_rows_and_positions(tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        "customer_id,date,amount,tag\n"
        "c1,2024-01-01,10,ok\n"
        ",2024-01-01,10,no id\n"
        "NULL,2024-01-01,10,null id\n"
        "c2,2024-13-01,10,bad date\n"
        "c3,2024-01-01,ten,bad amount\n"
        ",not a date,x,all bad\n",
    )
    report = load_file(path).report
    assert report.rows_read == 6
    assert report.rows_used == 1
    assert report.rejected == {"missing_customer_id": 3, "bad_date": 1, "bad_amount": 1}
    rows = report.rejected_rows
    assert rows["source_row"].tolist() == [2, 3, 4, 5, 6]
    assert rows["reason"].tolist() == [
        "missing_customer_id",
        "missing_customer_id",
        "bad_date",
        "bad_amount",
        "missing_customer_id",
    ]
    assert rows["tag"].tolist() == ["no id", "null id", "bad date", "bad amount", "all bad"]
    invariant(report)


def test_explicit_mapping_wins_over_detection(tmp_path):
    path = write(tmp_path, "m.csv", "customer_id,member,date,amount,net\nx,m1,2024-01-01,10,8\n")
    data = load_file(path, mapping={"customer_id": "member", "amount": "net"})
    assert data.transactions["customer_id"].tolist() == ["m1"]
    assert data.transactions["amount"].tolist() == [8.0]


@pytest.mark.parametrize(
    ("name", "content", "message", "code"),
    [
        ("empty.csv", b"", "empty", "empty_file"),
        ("header.csv", b"customer_id,date,amount\n", "no data rows", "no_rows"),
        (
            "cols.csv",
            b"who,when\nc1,2024-01-01\n",
            "missing required column(s) customer_id, transaction_date, amount; found columns: who, when",
            "missing_columns",
        ),
        ("binary.csv", b"\x00\x01\x02\x03garbage", "not a text", "not_a_table_file"),
        (
            "latin.csv",
            b"customer_id,date,amount\n\xff\xfe\xfa,2024-01-01,1\n\x81",
            "neither UTF-8 nor GB18030",
            "bad_encoding",
        ),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable Excel", "bad_xlsx"),
        ("old.xls", b"\xd0\xcf\x11\xe0 old excel", ".xls format is not supported", "old_xls"),
        ("broken.parquet", b"PAR1 nonsense", "not a readable Parquet", "bad_parquet"),
        (
            "ragged.csv",
            b"customer_id,date,amount\nc1,2024-01-01,1,extra,more\n",
            "not a well-formed CSV",
            "bad_csv",
        ),
    ],
)
def test_unusable_sources_raise_one_clear_error(tmp_path, name, content, message, code):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(SourceError) as info:
        load_file(tmp_path / name)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.code == code  # the interface words it from the code, in either language


def test_missing_column_message_lists_found_columns(tmp_path):
    path = write(tmp_path, "c.csv", "客户编号,金额\nc1,1\n")
    with pytest.raises(SourceError, match=r"transaction_date; found columns: 客户编号, 金额"):
        load_file(path)


def test_mapping_to_a_column_that_does_not_exist(tmp_path):
    path = write(tmp_path, "c.csv", "customer_id,date,amount\nc1,2024-01-01,1\n")
    with pytest.raises(SourceError, match="'paid' .* is not in the source"):
        load_file(path, mapping={"amount": "paid"})


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match="cannot read"):
        load_file(tmp_path / "nope.csv")


def test_load_frame_does_not_mutate_its_input():
    raw = pd.DataFrame({"customer_id": [" a "], "date": ["2024-01-01"], "amount": ["¥1"]})
    before = raw.copy()
    load_frame(raw)
    pd.testing.assert_frame_equal(raw, before)


def test_database_loader_and_its_errors(tmp_path):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = sa.create_engine(url)
    pd.DataFrame(
        {
            "客户编号": ["001", "002", None],
            "交易日期": ["2024-01-01", "2024/2/3", "2024-01-01"],
            "金额": [1.5, 2.0, 3.0],
        }
    ).to_sql("payments", engine, index=False)
    engine.dispose()
    data = load_database(url, "payments")
    assert data.transactions["customer_id"].tolist() == ["001", "002"]
    assert data.report.rejected == {"missing_customer_id": 1}
    with pytest.raises(SourceError, match="cannot read table 'nope'") as caught:
        load_database(url, "nope")
    assert "payments" not in str(caught.value)  # other tables are never listed
    with pytest.raises(SourceError, match="cannot use database URL"):
        load_database("nosuchdialect://x/y", "payments")


def test_read_rows_binds_the_value(tmp_path):
    import sqlalchemy as sa

    from data.database import read_rows

    url = f"sqlite:///{tmp_path / 'rows.sqlite'}"
    engine = sa.create_engine(url)
    pd.DataFrame({"customer_id": ["a", "b", "a'; DROP TABLE t; --"], "n": [2, 1, 3]}).to_sql(
        "t", engine, index=False
    )
    engine.dispose()
    assert read_rows(url, "t", "customer_id", "a", order_by="n")["n"].tolist() == [2]
    assert read_rows(url, "t", "customer_id", "a'; DROP TABLE t; --")["n"].tolist() == [3]
    assert len(read_rows(url, "t", "customer_id", "b")) == 1  # the table is still there


@pytest.mark.parametrize(
    ("amounts", "currency"),
    [
        (["¥1,200", "300", "￥50"], "CNY"),
        (["1200元", "RMB 300"], "CNY"),
        (["$12.50", "USD 3", "4"], "USD"),
        (["12.50", "3"], None),
    ],
)
def test_the_currency_the_amounts_carry_becomes_the_display_currency(tmp_path, amounts, currency):
    rows = "".join(f'c{i},2024-01-0{i + 1},"{a}"\n' for i, a in enumerate(amounts))
    path = write(tmp_path, "pay.csv", "customer_id,date,amount\n" + rows)
    data = load_file(path)
    assert data.currency == data.report.currency == currency
    assert data.report.rows_used == len(amounts)


PERSONAL = ("王小明", "13812345678", "110101199003071234", "北京市东城区")


def test_load_report_never_stores_personal_information(tmp_path):
    path = write(
        tmp_path,
        "pii.csv",
        "客户编号,交易日期,金额,交易编号,姓名,手机,身份证号,地址\n"
        "A01,2024-01-05,100,T1,王小明,13812345678,110101199003071234,北京市东城区\n"
        "A02,2024-13-05,100,T2,王小明,13812345678,110101199003071234,北京市东城区\n"
        ",2024-01-05,100,T3,王小明,13812345678,110101199003071234,北京市东城区\n"
        "A01,2024-01-05,100,T1,王小明,13812345678,110101199003071234,北京市东城区\n",
    )
    report = load_file(path).report
    assert list(report.rejected_rows.columns) == [
        "source_row", "reason", "客户编号", "交易日期", "金额", "交易编号",
    ]  # fmt: skip
    assert report.rejected_rows["source_row"].tolist() == [2, 3]
    assert report.rejected_rows["reason"].tolist() == ["bad_date", "missing_customer_id"]
    assert report.duplicate_rows["source_row"].tolist() == [4]
    assert "姓名" not in report.duplicate_rows.columns
    assert "手机" not in report.duplicate_rows.columns
    for frame in (report.rejected_rows, report.duplicate_rows):
        text = frame.to_csv(index=False)
        assert not [value for value in PERSONAL if value in text]
    invariant(report)


def padded_workbook(padding_mb: int) -> bytes:
    """A valid .xlsx whose sheet XML carries ``padding_mb`` MB of whitespace before its closing
    tag: valid XML, a few hundred bytes per MB once zipped (a zip bomb's shape)."""
    import io
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["customer_id", "date", "amount"])
    book.active.append(["c1", "2024-01-05", 7])
    plain, out = io.BytesIO(), io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item, content)
                continue
            head, tail = content.rsplit(b"</worksheet>", 1)
            with dst.open(item.filename, "w") as member:  # streamed, never whole in memory
                member.write(head)
                for _ in range(padding_mb):
                    member.write(b" " * 2**20)
                member.write(b"</worksheet>" + tail)
    return out.getvalue()


def test_a_slightly_padded_workbook_still_loads():
    data = load_file(padded_workbook(1), name="padded.xlsx")
    assert data.transactions["amount"].tolist() == [7.0]


def test_a_workbook_that_would_unpack_hugely_is_refused_before_parsing():
    import time

    bomb = padded_workbook(40)
    assert len(bomb) < 100_000  # 40 MB of sheet in a few kB
    started = time.perf_counter()
    with pytest.raises(SourceError) as info:
        load_file(bomb, name="bomb.xlsx")
    assert time.perf_counter() - started < 0.5
    assert info.value.code == "xlsx_too_large"
    assert "100:1" in str(info.value) and "200 MB" in str(info.value)


def test_a_workbook_over_the_unpacked_limit_is_refused(monkeypatch):
    from data import readers

    monkeypatch.setattr(readers, "XLSX_MAX_UNPACKED_BYTES", 2**20)  # 1 MB for this test
    with pytest.raises(SourceError) as info:
        load_file(padded_workbook(2), name="big.xlsx")  # 2 MB: under the ratio rule's 10 MB
    assert info.value.code == "xlsx_too_large"
    assert "1 MB" in str(info.value)


def test_a_file_larger_than_the_limit_is_refused_without_reading_it(tmp_path):
    from data.readers import MAX_FILE_BYTES

    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk, no time
    with pytest.raises(SourceError) as info:
        load_file(path)
    assert info.value.code == "file_too_large"
    assert f"{MAX_FILE_BYTES // 2**20} MB" in str(info.value)


def test_a_stream_that_never_ends_is_read_only_up_to_the_limit():
    import io

    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            line = b"c1,2024-01-05,1\n"
            buffer[:] = (line * (len(buffer) // len(line) + 1))[: len(buffer)]
            return len(buffer)

    with pytest.raises(SourceError) as info:
        load_file(io.BufferedReader(Endless()), name="endless.csv")
    assert info.value.code == "file_too_large"
    with pytest.raises(SourceError) as info:
        load_file("/dev/zero")
    assert info.value.code == "file_too_large"


def test_bare_numbers_among_text_dates_are_bad_dates(tmp_path):
    path = write(
        tmp_path,
        "numbers.csv",
        "customer_id,date,amount\n"
        "c1,2024-03-05,1\nc2,12,1\nc3,2024,1\nc4,45000,1\nc5,20240306,1\nc6,2024/3/7,1\n",
    )
    data = load_file(path)
    assert data.report.rejected == {"bad_date": 3}
    assert data.report.rejected_rows["source_row"].tolist() == [2, 3, 4]
    assert data.transactions["transaction_date"].tolist() == [
        pd.Timestamp("2024-03-05"),
        pd.Timestamp("2024-03-06"),
        pd.Timestamp("2024-03-07"),
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # a column of serial numbers only (Excel's "General" format saved as CSV): Excel dates
        (["45356", "45357.75", "", "NULL"], ["2024-03-05", "2024-03-06", None, None]),
        # one text date among them: the numbers are no longer read as serials
        (["45356", "2024-03-07"], [None, "2024-03-07"]),
        (["45356", "not a date"], [None, None]),
        # YYYYMMDD is a date written as text, wherever it stands
        (["20240305", "45357"], ["2024-03-05", None]),
    ],
)
def test_text_serials_count_only_in_a_column_of_serials(cells, expected):
    parsed = parse_dates(pd.Series(cells, dtype=object))
    assert [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in parsed] == expected


def test_excel_number_cells_are_serials_but_number_text_beside_dates_is_not():
    cells = pd.Series([dt.datetime(2024, 3, 5), 45357, "45358", "12"], dtype=object)
    parsed = parse_dates(cells)
    assert parsed.tolist()[:2] == [pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-06")]
    assert parsed.iloc[2:].isna().all()


def test_a_file_mixing_utf8_and_gbk_rows_rejects_the_rows_it_cannot_decode(tmp_path):
    utf8 = ["张三01,2024-01-05,1\n", "李四02,2024-01-06,2\n", "王五03,2024-01-07,3\n"]
    gbk = ["赵六04,2024-01-08,4\n", "孙七05,2024-01-09,5\n"]
    content = (
        "客户编号,交易日期,金额\n".encode()
        + utf8[0].encode()
        + gbk[0].encode("gbk")
        + utf8[1].encode()
        + gbk[1].encode("gbk")
        + utf8[2].encode()
        + b"A06,2024-01-10,6\n"
    )
    (tmp_path / "mixed.csv").write_bytes(content)
    data = load_file(tmp_path / "mixed.csv")
    assert data.transactions["customer_id"].tolist() == ["张三01", "李四02", "王五03", "A06"]
    assert data.report.rejected == {"bad_encoding": 2}
    assert data.report.rejected_rows["source_row"].tolist() == [2, 4]
    assert data.report.rejected_rows["reason"].tolist() == ["bad_encoding", "bad_encoding"]
    invariant(data.report)


def test_a_mostly_gbk_file_rejects_its_utf8_rows(tmp_path):
    gbk = ["赵六04,2024-01-08,4\n", "孙七05,2024-01-09,5\n", "周八06,2024-01-10,6\n"]
    content = (
        "客户编号,交易日期,金额\n".encode("gbk")
        + gbk[0].encode("gbk")
        + "张三01,2024-01-05,1\n".encode()
        + gbk[1].encode("gbk")
        + gbk[2].encode("gbk")
    )
    (tmp_path / "mostly_gbk.csv").write_bytes(content)
    data = load_file(tmp_path / "mostly_gbk.csv")
    assert data.transactions["customer_id"].tolist() == ["赵六04", "孙七05", "周八06"]
    assert data.report.rejected == {"bad_encoding": 1}
    assert data.report.rejected_rows["source_row"].tolist() == [2]
    invariant(data.report)


def test_gbk_text_that_happens_to_be_valid_utf8_is_still_gbk(tmp_path):
    assert "习伟".encode("gbk").decode("utf-8") == "ϰΰ"  # two bytes a character, both ways
    path = write(
        tmp_path, "gbk.csv", "客户编号,日期,金额\n习伟,2024-01-05,1\n张伟,2024-01-06,2\n", "gbk"
    )
    data = load_file(path)
    assert data.transactions["customer_id"].tolist() == ["习伟", "张伟"]
    assert data.report.rejected == {}


def test_a_utf8_header_over_gbk_rows_is_read(tmp_path):
    content = "客户编号,交易日期,金额\n".encode() + "赵六04,2024-01-08,4\n".encode("gbk")
    (tmp_path / "header.csv").write_bytes(content)
    data = load_file(tmp_path / "header.csv")
    assert data.transactions["customer_id"].tolist() == ["赵六04"]


@pytest.mark.parametrize(
    ("header", "names"),
    [
        ("customer_id,date,amount,amount", ["amount"]),
        ("customer_id,date,amount,备注,note,备注", ["备注"]),
        ("Customer ID,date,amount,customer_id", ["Customer ID", "customer_id"]),
    ],
)
def test_repeated_column_names_are_named_not_guessed(tmp_path, header, names):
    cells = ",".join(["c1", "2024-01-05", "1", "2", "3", "4"][: header.count(",") + 1])
    path = write(tmp_path, "repeated.csv", f"{header}\n{cells}\n")
    with pytest.raises(SourceError) as info:
        load_file(path)
    assert info.value.code == "duplicate_columns"
    assert info.value.params["names"] == names
    assert "appear more than once" in str(info.value)


def test_repeated_column_names_in_a_workbook_are_named(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["customer_id", "date", "amount", "amount"])
    book.active.append(["c1", "2024-01-05", 1, 2])
    book.save(tmp_path / "repeated.xlsx")
    with pytest.raises(SourceError) as info:
        load_file(tmp_path / "repeated.xlsx")
    assert info.value.params["names"] == ["amount"]


def test_blank_headers_are_not_repeated_names(tmp_path):
    path = write(tmp_path, "blank.csv", "customer_id,date,amount,,\nc1,2024-01-05,1,,\n")
    assert load_file(path).report.rows_used == 1


@pytest.mark.parametrize(
    "text",
    [
        "inf",
        "-inf",
        "Infinity",
        "nan",
        "NaN",
        "1e400",
        "-1e400",
        "1e300",
        "-2e13",
        "99999999999999999999",
    ],
)
def test_non_finite_and_absurd_amounts_are_bad_amounts(tmp_path, text):
    path = write(
        tmp_path, "a.csv", f'customer_id,date,amount\nc1,2024-01-05,1\nc2,2024-01-05,"{text}"\n'
    )
    report = load_file(path).report
    assert report.rejected == {"bad_amount": 1}
    assert report.rejected_rows["customer_id"].tolist() == ["c2"]


def test_non_finite_and_absurd_numbers_from_a_typed_source_are_bad_amounts():
    raw = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "transaction_date": pd.to_datetime(["2024-01-05"] * 5),
            "amount": [np.inf, -np.inf, np.nan, 1.7e308, 999_999_999_999.0],
        }
    )
    transactions, report = load_frame(raw)
    assert report.rejected == {"bad_amount": 4}
    assert transactions["amount"].tolist() == [999_999_999_999.0]


def test_duplicates_are_counted_among_valid_rows_and_conflicts_are_named(tmp_path):
    path = write(
        tmp_path,
        "dups.csv",
        "transaction_id,customer_id,date,amount\n"
        "T1,c1,2024-01-05,ten\n"  # 1 rejected: its id does not make row 2 a duplicate
        "T1,c1,2024-01-05,10\n"  # 2 used
        "T2,c2,2024-01-06,5\n"  # 3 used
        "T2,c2,2024/1/6,5.00\n"  # 4 the same payment again
        "T3,c3,2024-01-07,7\n"  # 5 used
        "T3,c3,2024-01-08,7\n"  # 6 same id, another date: a conflict
        "T3,c4,2024-01-07,7\n"  # 7 same id, another customer: a conflict
        "T2,,2024-01-06,5\n",  # 8 rejected (no customer), not a duplicate
    )
    data = load_file(path)
    report = data.report
    assert data.transactions["transaction_id"].tolist() == ["T1", "T2", "T3"]
    assert data.transactions["amount"].tolist() == [10.0, 5.0, 7.0]
    assert report.rejected == {"missing_customer_id": 1, "bad_amount": 1}
    assert (report.duplicates, report.conflicting_duplicates) == (3, 2)
    rows = report.duplicate_rows
    assert rows["source_row"].tolist() == [4, 6, 7]
    assert rows["reason"].tolist() == [
        "duplicate",
        "conflicting_duplicate",
        "conflicting_duplicate",
    ]
    assert rows["kept_row"].tolist() == [3, 5, 5]
    assert report.to_dict()["conflicting_duplicates"] == 2
    invariant(report)


def test_an_error_naming_a_header_with_a_line_break_stays_one_line(tmp_path):
    path = write(tmp_path, "nl.csv", 'customer_id,"paid\non",amount\nc1,2024-01-05,1\n')
    with pytest.raises(SourceError) as info:
        load_file(path)
    assert info.value.code == "missing_columns"
    assert len(str(info.value).splitlines()) == 1
    assert "paid\\non" in str(info.value)
    assert info.value.params["found"] == ["customer_id", "paid\non", "amount"]


def test_source_columns_named_like_the_reports_own_are_kept_apart(tmp_path):
    path = write(
        tmp_path,
        "clash.csv",
        "transaction_id,customer_id,date,amount,reason,source_row,kept_row\n"
        "T1,c1,2024-01-05,1,renewal,7,8\n"
        "T1,c1,2024-01-05,1,renewal,7,8\n"
        "T2,c2,2024-13-05,1,refund,9,10\n",
    )
    report = load_file(path).report
    assert report.rejected_rows.columns.tolist()[:2] == ["source_row", "reason"]
    assert report.rejected_rows["reason"].tolist() == ["bad_date"]
    assert report.rejected_rows["reason_source"].tolist() == ["refund"]
    assert report.rejected_rows["source_row_source"].tolist() == ["9"]
    assert report.duplicate_rows["kept_row"].tolist() == [1]
    assert report.duplicate_rows["kept_row_source"].tolist() == ["8"]


def test_a_csv_whose_first_header_starts_like_parquet_is_a_csv(tmp_path):
    path = write(tmp_path, "par.csv", "PAR1_code,customer_id,date,amount\nx,c1,2024-01-05,1\n")
    assert load_file(path).report.rows_used == 1


def test_no_rejected_rows_still_gives_the_columns_and_types_a_rejection_would(tmp_path):
    """With nothing rejected the report's frame is empty but shaped as when rows are: the
    download's header, without the personal columns."""
    header = "客户编号,交易日期,金额,交易编号,姓名\n"
    good = "A01,2024-01-05,100,T1,王小明\n"
    clean = load_file(write(tmp_path, "ok.csv", header + good)).report
    bad = load_file(write(tmp_path, "bad.csv", header + good + "A02,2024-13-05,5,T2,王\n")).report
    for name in ("rejected_rows", "duplicate_rows"):
        empty, full = getattr(clean, name), getattr(bad, name)
        assert empty.empty
        assert list(empty.columns) == list(getattr(bad, name).columns)
        assert "姓名" not in empty.columns
    assert empty.dtypes.to_dict() == full.iloc[:0].dtypes.to_dict()
    assert list(bad.rejected_rows["source_row"]) == [2]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as hst  # noqa: E402

label_cells = hst.sampled_from(
    ["agency", " agency", "agency ", "online", "", "  ", None, "银保", "0"]
)


@settings(max_examples=150, deadline=None)
@given(hst.lists(label_cells, min_size=1, max_size=30), hst.booleans())
def test_label_columns_hold_each_cell_cleaned_as_an_id_is(cells, as_dictionary):
    """A channel column read as a dictionary (Parquet) or as text: each row's label is its cell
    cleaned as ids are (trimmed, blanks missing), whether the dictionary was clean already (kept
    as read) or not (remapped)."""
    from data.load import _labels
    from data.parse import clean_ids

    column = pd.Series(cells, dtype="category" if as_dictionary else object)
    got = _labels(column)
    want = clean_ids(pd.Series(cells, dtype=object))
    assert isinstance(got.dtype, pd.CategoricalDtype)
    assert got.isna().tolist() == want.isna().tolist()
    assert got.dropna().astype(str).tolist() == want.dropna().astype(str).tolist()
    assert sorted(got.cat.categories) == sorted(set(want.dropna()))  # each label once


def test_a_label_column_with_no_value_at_all_loads(tmp_path):
    """A Parquet channel column that is null on every row (a dictionary with no entry) loads as
    missing labels; it raised an IndexError before."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "customer_id": ["a", "b"],
        "transaction_date": pa.array([pd.Timestamp("2024-01-01")] * 2),
        "amount": [1.0, 2.0],
        "channel": pa.array([None, None], pa.string()),
    })  # fmt: skip
    pq.write_table(table, tmp_path / "t.parquet")
    data = load_file(tmp_path / "t.parquet")
    assert data.report.rows_used == 2
    assert data.transactions["channel"].isna().all()


@settings(max_examples=60, deadline=None)
@given(
    unit=hst.sampled_from(["D", "h", "s", "ms", "us", "ns"]),
    ticks=hst.lists(hst.one_of(hst.none(), hst.integers(-(10**5), 10**5)), min_size=1, max_size=40),
    scale=hst.sampled_from([1, 997, 86_399_999, 3_600_000_007]),
)
def test_typed_dates_are_floored_to_their_day(unit, ticks, scale):
    """A typed date column of any unit (before 1970 and within a day's last tick included):
    each value floored to its calendar day, as Python's datetime does it, a missing one or one
    outside 1900-2100 missing."""
    per_day = {"D": 1, "h": 24, "s": 86_400, "ms": 86_400_000, "us": 86_400_000_000,
               "ns": 86_400_000_000_000}[unit]  # fmt: skip
    cells = [
        None if t is None else t * scale % (per_day * 80_000) - per_day * 30_000 for t in ticks
    ]
    typed = np.array([np.datetime64("NaT", unit) if c is None else np.datetime64(c, unit)
                      for c in cells])  # fmt: skip
    got = parse_dates(pd.Series(typed))
    assert got.dtype == "datetime64[s]"
    for cell, value in zip(cells, got, strict=True):
        day = None if cell is None else dt.date(1970, 1, 1) + dt.timedelta(days=cell // per_day)
        if day is not None and not dt.date(1900, 1, 1) <= day <= dt.date(2100, 12, 31):
            day = None
        assert pd.isna(value) if day is None else value == pd.Timestamp(day), (cell, value)
