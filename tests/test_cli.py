"""python -m analytics: score / fit / backtest, file and database inputs, clean errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pandas as pd
import pytest

from analytics.pipeline import SCORE_COLUMNS
from data.sample import DemoConfig, generate, write
from tests.conftest import ROOT


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    tx = generate(DemoConfig(customers=400, random_state=2))["transactions"]
    tx = tx[["transaction_id", "customer_id", "transaction_date", "amount"]].astype({"amount": str})
    bad = pd.DataFrame(
        {
            "transaction_id": ["B1", "B2", "B3", tx["transaction_id"].iloc[0]],
            "customer_id": ["", "C9", "C9", "C1"],
            "transaction_date": ["2025-01-01", "not a date", "2025-01-01", "2025-01-01"],
            "amount": ["1", "1", "¥ten", "1"],
        }
    )
    path = folder / "payments.csv"
    pd.concat([tx, bad]).to_csv(path, index=False)
    return path, len(tx)


def test_score_writes_every_customer_and_the_rejects(demo_csv, tmp_path):
    path, n_rows = demo_csv
    out, rejects = tmp_path / "scores.csv", tmp_path / "rejects.csv"
    run = cli("score", str(path), "--out", str(out), "--rejects", str(rejects))
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["load"] == {
        "rows_read": n_rows + 4,
        "rows_used": n_rows,
        "duplicates": 1,
        "conflicting_duplicates": 1,  # the repeated id comes with another customer and date
        "rejected": {"missing_customer_id": 1, "bad_date": 1, "bad_amount": 1},
    }
    scores = pd.read_csv(out, dtype={"customer_id": str})
    assert list(scores.columns[: len(SCORE_COLUMNS)]) == SCORE_COLUMNS
    assert len(scores) == report["n_customers"] == 400
    assert set(scores["segment"]) <= {
        "Champions", "Loyal", "Potential loyalist", "New", "Promising", "Need attention",
        "About to sleep", "Can't lose", "At risk", "Hibernating",
    }  # fmt: skip
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 with a BOM correctly
    written = pd.read_csv(rejects)
    assert written["reason"].tolist() == ["missing_customer_id", "bad_date", "bad_amount"]


def test_fit_prints_published_cdnow_parameters():
    run = cli("fit", "cdnow-sample", "--as-of", "1997-09-30", "--unit", "W")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["n_customers"] == 2357
    assert [round(result["bgnbd"][k], 3) for k in ("r", "alpha", "a", "b")] == [
        0.243,
        4.414,
        0.793,
        2.426,
    ]
    assert result["bgnbd"]["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)
    assert [round(result["gamma_gamma"][k], 2) for k in ("p", "q", "v")] == [6.25, 3.74, 15.44]
    assert result["gamma_gamma"]["n_customers"] == 946
    assert result["load"]["rows_read"] == 6919


def test_backtest_prints_holdout_totals():
    run = cli(
        "backtest",
        "cdnow-sample",
        "--calibration-end",
        "1997-09-30",
        "--holdout-end",
        "1998-06-30",
        "--unit",
        "W",
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["actual_purchases"] == 1882
    assert 1500 < result["predicted_purchases"] < 2000 and 0 < result["mae"] < 2


def test_database_input_with_and_without_pushdown(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    write(
        {"transactions": generate(DemoConfig(customers=300, random_state=4))["transactions"]}, url
    )
    local = cli(
        "score", "--database", url, "--table", "transactions", "--out", str(tmp_path / "a.csv")
    )
    pushed = cli(
        "score",
        "--database",
        url,
        "--table",
        "transactions",
        "--pushdown",  # transaction_id is found by name, as the local loader finds it
        "--out",
        str(tmp_path / "b.parquet"),
    )
    assert local.returncode == 0, local.stderr
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(local.stdout)["load"] == json.loads(pushed.stdout)["load"]
    a = pd.read_csv(tmp_path / "a.csv", dtype={"customer_id": str})
    b = pd.read_parquet(tmp_path / "b.parquet")
    assert a["customer_id"].tolist() == b["customer_id"].tolist()
    pd.testing.assert_series_equal(a["clv"], b["clv"], rtol=1e-6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("score", "missing.csv", "--out", "x.csv"), "cannot read"),
        (("fit",), "give an INPUT file or --database URL"),
        (("fit", "--database", "nosuch://db"), "cannot use database URL"),
        (("fit", "cdnow-sample", "--unit", "Y"), "invalid choice"),
        (("fit", "cdnow-sample", "--as-of", "yesterday"), "error:"),
        (
            (
                "backtest",
                "cdnow-sample",
                "--calibration-end",
                "1998-01-01",
                "--holdout-end",
                "1997-01-01",
            ),
            "holdout must end after",
        ),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(args, message, tmp_path):
    run = cli(*args)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_unusable_file_names_the_problem(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("who,when\nx,y\n", encoding="utf-8")
    run = cli("fit", str(path))
    assert run.returncode == 1
    assert run.stderr.strip() == (
        "error: missing required column(s) customer_id, transaction_date, amount; found columns: who, when"
    )


PERSONAL = ("王小明", "13812345678", "110101199003071234", "北京市东城区")


@pytest.fixture(scope="module")
def chinese_csv_with_personal_columns(tmp_path_factory):
    """The demo's payments under Chinese headers, with a customer's name, phone, id card number
    and address on every row, a bad date, a missing customer id and a duplicate."""
    folder = tmp_path_factory.mktemp("pii")
    tx = generate(DemoConfig(customers=300, random_state=5))["transactions"]
    tx = tx[["customer_id", "transaction_date", "amount", "transaction_id"]].astype({"amount": str})
    tx = tx.astype({"transaction_date": str})
    bad = pd.DataFrame(
        {
            "customer_id": ["C9", "", tx["customer_id"].iloc[0]],
            "transaction_date": ["2025-13-01", "2025-01-01", "2025-01-01"],
            "amount": ["1", "1", "1"],
            "transaction_id": ["B1", "B2", tx["transaction_id"].iloc[0]],
        }
    )
    rows = pd.concat([tx, bad], ignore_index=True)
    rows.columns = ["客户编号", "交易日期", "金额", "交易编号"]
    rows = rows.assign(姓名=PERSONAL[0], 手机=PERSONAL[1], 身份证号=PERSONAL[2], 地址=PERSONAL[3])
    path = folder / "缴费.csv"
    rows.to_csv(path, index=False)
    return path


def test_rejects_file_holds_no_personal_information(chinese_csv_with_personal_columns, tmp_path):
    out, rejects = tmp_path / "scores.csv", tmp_path / "rejects.csv"
    run = cli(
        "score", str(chinese_csv_with_personal_columns), "--out", str(out),
        "--rejects", str(rejects),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    written = pd.read_csv(rejects, dtype=str)
    assert list(written.columns) == [
        "source_row",
        "reason",
        "客户编号",
        "交易日期",
        "金额",
        "交易编号",
    ]
    assert written["reason"].tolist() == ["bad_date", "missing_customer_id"]
    for path in (rejects, out):
        text = path.read_text(encoding="utf-8-sig")
        assert not [value for value in PERSONAL if value in text]
        assert not [header for header in ("姓名", "手机", "身份证号", "地址") if header in text]


HOSTILE = ('=HYPERLINK("http://x")', "@SUM(1)", "+1", "-2")


@pytest.fixture(scope="module")
def hostile_csv(tmp_path_factory):
    """Payments whose customer ids, a header and rejected cells would run in a spreadsheet."""
    folder = tmp_path_factory.mktemp("hostile")
    tx = generate(DemoConfig(customers=300, random_state=6))["transactions"]
    tx = tx[["customer_id", "transaction_date", "amount"]].astype({"transaction_date": str})
    first = tx["customer_id"].drop_duplicates().tolist()[:5]
    tx["customer_id"] = tx["customer_id"].replace(dict(zip(first, [*HOSTILE, "007"], strict=True)))
    tx["=cmd|' /C calc'!A0"] = "note"
    bad = pd.DataFrame(
        {
            "customer_id": ["=1+1", "@A1"],
            "transaction_date": ["not a date", "2025-01-01"],
            "amount": [1.0, "=2+2"],
            "=cmd|' /C calc'!A0": ["\t=evil", "\r=evil"],
        }
    )
    path = folder / "hostile.csv"
    pd.concat([tx, bad]).to_csv(path, index=False, quoting=csv.QUOTE_ALL)  # a bare CR ends a line
    return path


def test_csv_outputs_neutralise_formulas_and_keep_numbers_and_ids(hostile_csv, tmp_path):
    out, rejects = tmp_path / "scores.csv", tmp_path / "rejects.csv"
    run = cli("score", str(hostile_csv), "--out", str(out), "--rejects", str(rejects))
    assert run.returncode == 0, run.stderr
    scores = pd.read_csv(out, dtype={"customer_id": str}, encoding="utf-8-sig")
    ids = set(scores["customer_id"])
    assert {'\'=HYPERLINK("http://x")', "'@SUM(1)", "'+1", "'-2", "007"} <= ids
    assert not [i for i in ids if i.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert scores["clv"].dtype == float and scores["total_spend"].dtype == float
    written = pd.read_csv(rejects, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert list(written.columns) == [
        "source_row", "reason", "customer_id", "transaction_date", "amount",
        "'=cmd|' /C calc'!A0",
    ]  # fmt: skip
    assert written["customer_id"].tolist() == ["'=1+1", "'@A1"]
    assert written["amount"].tolist() == ["1.0", "'=2+2"]
    assert written.iloc[:, -1].tolist() == ["'\t=evil", "'\r=evil"]


def test_xlsx_outputs_are_workbooks_without_formulas(hostile_csv, tmp_path):
    import openpyxl

    out, rejects = tmp_path / "scores.xlsx", tmp_path / "rejects.xlsx"
    run = cli("score", str(hostile_csv), "--out", str(out), "--rejects", str(rejects))
    assert run.returncode == 0, run.stderr
    scores = openpyxl.load_workbook(out).active
    header = [c.value for c in scores[1]]
    assert header[: len(SCORE_COLUMNS)] == SCORE_COLUMNS
    ids = {row[0].value: row[0] for row in scores.iter_rows(min_row=2)}
    assert len(ids) == json.loads(run.stdout)["n_customers"] == 300
    assert ids["007"].data_type == "s"  # an id stays text, leading zeros and all
    for value in HOSTILE:
        assert ids[value].data_type == "s" and ids[value].quotePrefix, value
    clv = scores.cell(row=2, column=header.index("clv") + 1)
    assert clv.data_type == "n" and isinstance(clv.value, float)
    book = openpyxl.load_workbook(rejects).active
    cells = [[c for c in row] for row in book.iter_rows()]
    assert [c.value for c in cells[0]][-1] == "=cmd|' /C calc'!A0" and cells[0][-1].quotePrefix
    assert cells[1][0].data_type == "n" and [c.value for c in cells[1][1:3]] == ["bad_date", "=1+1"]
    assert cells[1][2].quotePrefix and cells[2][2].quotePrefix
    assert not [c for row in cells for c in row if c.data_type == "f"]


def test_a_file_that_never_ends_is_refused_within_seconds(tmp_path):
    import time

    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "analytics", "score", "/dev/zero", "--out", str(tmp_path / "x.csv")],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert time.perf_counter() - started < 20
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert run.stderr.startswith("error: zero is larger than 512 MB")


@pytest.mark.parametrize("command", ["score", "fit"])
def test_an_as_of_date_before_the_data_is_one_line_and_exit_1(command, tmp_path):
    extra = ("--out", str(tmp_path / "x.csv")) if command == "score" else ()
    run = cli(command, "cdnow-sample", "--as-of", "1990-01-01", *extra)
    assert run.returncode == 1
    assert run.stderr == (
        "error: the as-of date 1990-01-01 is before the first transaction (1997-01-01)\n"
    )
    assert not (tmp_path / "x.csv").exists()


def test_a_file_whose_every_row_is_rejected_still_gets_its_report_and_rejects(tmp_path):
    path = tmp_path / "all_bad.csv"
    path.write_text(
        "customer_id,date,amount\n,2024-01-05,1\nc2,2024-13-01,1\nc3,2024-01-05,ten\n",
        encoding="utf-8",
    )
    out, rejects = tmp_path / "scores.csv", tmp_path / "rejects.xlsx"
    run = cli("score", str(path), "--out", str(out), "--rejects", str(rejects))
    assert run.returncode == 4  # documented: no row could be used
    assert json.loads(run.stdout) == {
        "load": {
            "rows_read": 3,
            "rows_used": 0,
            "duplicates": 0,
            "conflicting_duplicates": 0,
            "rejected": {"missing_customer_id": 1, "bad_date": 1, "bad_amount": 1},
        },
        "rejects": str(rejects),
    }
    assert run.stderr == "error: no row of all_bad.csv can be used (3 read, 3 rejected)\n"
    written = pd.read_excel(rejects)
    assert written["reason"].tolist() == ["missing_customer_id", "bad_date", "bad_amount"]
    assert not out.exists()
    fit = cli("fit", str(path))
    assert fit.returncode == 4 and json.loads(fit.stdout)["load"]["rows_used"] == 0
