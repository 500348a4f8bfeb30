"""The Spark engine (``engines/spark.py``, ``score --engine spark``) against the default engine.

One local Spark session (two cores, four shuffle partitions, so every global order and rank
crosses partitions) for the module. Parity: on the CDNOW master data and on the generated insurer
(customers and loyalty members included) both engines' files are equal column by column: every
summary, RFM, segment, ABC and tier cell exactly, P(alive), expected purchases and CLV within
1e-6, with the same fitted parameters; and on a hostile CSV the row accounting is the same row by
row.
"""

from __future__ import annotations

import contextlib
import io
import json
import os

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")

from analytics.__main__ import main  # noqa: E402
from analytics.pipeline import Settings  # noqa: E402
from engines import spark as engine  # noqa: E402

pytestmark = pytest.mark.slow

#: Columns a model computes: equal within 1e-6 (the rest must be equal).
MODEL_COLUMNS = {"p_alive", "churn_risk", "expected_purchases", "expected_spend", "clv",
                 "premium_at_risk"}  # fmt: skip


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    os.environ["VALUESCOPE_SPARK_MEMORY"] = "2g"
    warehouse = tmp_path_factory.mktemp("warehouse")
    session = engine.session("local[2]", **{"spark.sql.warehouse.dir": str(warehouse)})
    session.conf.set("spark.sql.shuffle.partitions", "4")
    yield session
    session.stop()


def _cli(capsys, *argv: str) -> tuple[int, dict]:
    status = main(list(argv))
    out = capsys.readouterr().out
    return status, json.loads(out) if out.strip() else {}


def _score(*argv: str) -> dict:
    """``python -m analytics score ...`` in this process (the module's Spark session): its JSON."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(["score", *argv])
    assert status == 0
    return json.loads(printed.getvalue())


def _assert_same_table(default: pd.DataFrame, spark: pd.DataFrame) -> None:
    assert list(spark.columns) == list(default.columns)
    assert len(spark) == len(default)
    for column in default.columns:
        ours, theirs = spark[column], default[column]
        if column in MODEL_COLUMNS:
            np.testing.assert_allclose(
                ours.to_numpy(dtype=float), theirs.to_numpy(dtype=float), rtol=1e-6, atol=1e-6,
                err_msg=column,
            )  # fmt: skip
        elif pd.api.types.is_datetime64_any_dtype(theirs):
            assert (
                (ours.astype("datetime64[s]") == theirs.astype("datetime64[s]"))
                .where(theirs.notna(), ours.isna())
                .all()
            ), column
        elif pd.api.types.is_float_dtype(theirs):
            assert np.array_equal(ours.to_numpy(float), theirs.to_numpy(float), equal_nan=True), (
                column
            )
        else:
            left = theirs.astype(object).where(theirs.notna(), None).tolist()
            right = ours.astype(object).where(ours.notna(), None).tolist()
            assert right == left, column


def _run_both(folder, source, *options: str) -> tuple[dict, dict]:
    """Both engines on ``source``: their JSON; files ``default.parquet`` and ``spark/``."""
    default = _score(str(source), "--out", str(folder / "default.parquet"), *options)
    ours = _score(str(source), "--out", str(folder / "spark"), "--engine", "spark", *options)
    return default, ours


def _both(folder, source, *options: str, outputs=None) -> tuple[dict, dict]:
    default, ours = outputs or _run_both(folder, source, *options)
    default, ours = dict(default), dict(ours)
    default_out, spark_out = folder / "default.parquet", folder / "spark"
    assert ours.pop("engine") == "spark"
    assert set(ours.pop("stages_s")) >= {"fit on the driver", "clusters, output, write"}
    for output in (default, ours):
        output.pop("out")
    assert ours == default  # load report, fit, counts per segment, class, tier and band
    _assert_same_table(pd.read_parquet(default_out), pd.read_parquet(spark_out))
    return default, ours


def test_cdnow_master_scores_the_same_on_both_engines(spark, capsys, tmp_path):
    from data.demo import load_cdnow

    source = tmp_path / "cdnow.parquet"
    load_cdnow("master").transactions.to_parquet(source, index=False)
    default, _ = _both(tmp_path, source, "--rfm-mode", "mean")
    assert default["n_customers"] == 23570  # every CDNOW customer
    assert "Important value" in default["segments"]  # the eight-class preset at the means
    assert default["model"]["status"] == "ok"


@pytest.fixture(scope="module")
def insurer(spark, tmp_path_factory):
    """The generated insurer (customers, loyalty members) scored by both engines with
    non-default settings, once for the module (the tests below read the Spark output):
    ``(folder, (default JSON, Spark JSON))``."""
    from data.sample import DemoConfig, generate, write

    folder = tmp_path_factory.mktemp("insurer")
    write(generate(DemoConfig(customers=1500, random_state=3)), str(folder / "data"))
    return folder, _run_both(folder, folder / "data", *INSURER_OPTIONS)


INSURER_OPTIONS = ("--abc-value", "clv", "--abc-cuts", "0.7,0.9", "--rfm-bins", "4",
                   "--tier-shares", "0.05,0.15,0.3")  # fmt: skip


def test_the_insurer_with_customers_and_members_scores_the_same(insurer):
    folder, outputs = insurer
    default, _ = _both(folder, folder / "data", outputs=outputs)
    table = pd.read_parquet(folder / "spark")
    assert {"region", "channel", "is_member", "loyalty_tier"} <= set(table.columns)
    assert table["is_member"].any() and not table["is_member"].all()
    assert default["model"]["status"] == "ok"


HOSTILE = (
    "\ufeffcustomer_id,transaction_date,amount,transaction_id,channel\n"
    "C1,2024-01-05,100,T1,agency\n"
    'C1,2024/3/5,"¥1,234.50",T2,agency\n'
    "C2,2024年3月5日,50,T3,online\n"
    "C2,2024-04-01,-20,T4,online\n"
    ",2024-04-02,10,T5,online\n"
    "N/A,2024-04-02,10,T6,online\n"
    "C3,not a date,10,T7,bank\n"
    "C3,2024-04-03,abc,T8,bank\n"
    "=cmd|x,2024-04-03,5,T9,bank\n"
    "C1,2024-01-05,100,T1,agency\n"
    "C2,2024-05-01,70,T3,online\n"
).encode() + b"C\xff4,2024-05-02,7,T10,bank\nC4,2024-05-03,8,,bank\n"


def test_a_hostile_csv_is_accounted_for_row_by_row_as_the_loader_does(spark, capsys, tmp_path):
    from data.load import load_file

    source = tmp_path / "hostile.csv"
    source.write_bytes(HOSTILE)
    default, _ = _both(tmp_path, source, "--rfm-mode", "threshold")
    assert default["load"] == {
        "rows_read": 13, "rows_used": 6, "duplicates": 2, "conflicting_duplicates": 1,
        "rejected": {"bad_encoding": 1, "missing_customer_id": 2, "bad_date": 1, "bad_amount": 1},
    }  # fmt: skip
    loaded = load_file(source)
    result = engine.score(spark, Settings(), path=str(source))
    rejected = engine.rejected_rows(result.validated).toPandas()
    expected = loaded.report.rejected_rows
    assert rejected[["source_row", "reason"]].values.tolist() == (
        expected[["source_row", "reason"]].values.tolist()
    )
    assert "customer_id" in rejected.columns  # the cells travel with the reason
    duplicates = (
        result.validated.checked.where("code >= 5")
        .select("source_row", "code", "kept_row")
        .orderBy("source_row")
        .toPandas()
    )
    kept = loaded.report.duplicate_rows
    assert duplicates["source_row"].tolist() == kept["source_row"].tolist()
    assert [engine.duplicate_reason(c) for c in duplicates["code"]] == kept["reason"].tolist()
    assert duplicates["kept_row"].tolist() == kept["kept_row"].tolist()
    table = pd.read_parquet(tmp_path / "spark")
    assert "'=cmd|x" in table["customer_id"].tolist()  # neutralised on the way out


def test_distributed_ranks_equal_pandas_lowest_rank_among_ties(spark):
    rng = np.random.default_rng(7)
    values = np.r_[rng.integers(0, 30, 400).astype(float), rng.normal(size=100), 0.0, -0.0]
    frame = spark.createDataFrame(
        pd.DataFrame({"customer_id": [f"c{i:04d}" for i in range(len(values))], "v": values})
    )
    for descending in (False, True):
        ranks = engine.min_ranks(frame, "v", descending=descending).toPandas()
        got = dict(zip(ranks["v"], ranks["_rank"], strict=True))
        expected = pd.Series(-values if descending else values).rank(method="min")
        assert [got[v] for v in values] == expected.astype(int).tolist()


def test_abc_classes_and_tiers_by_hand(spark):
    # ranked by value, ties by id: a 50, b 30, c 10, d 5, e 5, f 0 (total 100)
    # share before each: 0, .5, .8, .9, .95 -> A, A, B (reaches 80%), B, C (reaches 95%); f has 0: C
    frame = spark.createDataFrame(
        pd.DataFrame({"customer_id": list("fedcba"), "v": [0.0, 5.0, 5.0, 10.0, 30.0, 50.0]})
    )
    abc = engine.abc_classes(frame, "v", 0.8, 0.95).orderBy("customer_id").toPandas()
    assert abc["abc_class"].tolist() == ["A", "A", "B", "B", "C", "C"]
    assert abc["value_rank"].tolist() == [1, 2, 3, 4, 5, 6]
    # six customers, shares 1/6, 2/6, 1/6: Platinum 1, Gold 2, Silver 1, Bronze the rest
    tiers = engine.value_tiers(frame, "v", (1 / 6, 2 / 6, 1 / 6)).orderBy("customer_id").toPandas()
    assert tiers["value_tier"].tolist() == [
        "Platinum",
        "Gold",
        "Gold",
        "Silver",
        "Bronze",
        "Bronze",
    ]


def test_no_usable_row_exits_4_with_the_report_and_the_rejects(spark, capsys, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("customer_id,transaction_date,amount\n,2024-01-01,5\nC1,never,5\n")
    rejects = tmp_path / "rejects"
    status, output = _cli(capsys, "score", str(source), "--out", str(tmp_path / "out"),
                          "--engine", "spark", "--rejects", str(rejects))  # fmt: skip
    assert status == 4
    assert output["load"]["rejected"] == {"missing_customer_id": 1, "bad_date": 1}
    assert pd.read_parquet(rejects)["reason"].tolist() == ["missing_customer_id", "bad_date"]


def test_an_unusable_input_is_one_line_not_a_traceback(spark, capsys, tmp_path):
    source = tmp_path / "notes.xlsx"
    source.write_bytes(b"not a workbook")
    status = main(["score", str(source), "--out", str(tmp_path / "o"), "--engine", "spark"])
    err = capsys.readouterr().err
    assert status == 1
    assert err.count("\n") == 1 and "CSV or Parquet" in err


def test_the_dashboard_opens_a_spark_output_and_serves_every_page(insurer, monkeypatch):
    """The Spark run's Parquet folder, offered under VALUESCOPE_SCORED_DIR, is the source: the
    chain starts from its summary and gives the Spark run's own segments, classes, tiers and
    CLV; every page renders, and those that need payments say so."""
    from streamlit.testing.v1 import AppTest

    from analytics import pipeline as P
    from data.scored import load_scored, read_scored_folder
    from tests.conftest import ROOT
    from tests.test_pages import PAGES

    folder, _ = insurer
    spark_out = folder / "spark"
    data = load_scored(read_scored_folder(spark_out), "spark")
    assert data.report.to_dict()["rows_used"] == 1500 and not data.has_payments
    settings = Settings(abc_value="clv", abc_cuts=(0.7, 0.9), rfm_bins=4,
                        tier_shares=(0.05, 0.15, 0.3))  # fmt: skip
    chain = P.run(None, settings, None, data.loyalty_members, summary=data.summary).view
    written = pd.read_parquet(spark_out)
    for column in ("segment", "abc_class", "value_tier", "churn_band", "is_member", "r_score"):
        assert chain[column].tolist() == written[column].tolist(), column
    np.testing.assert_allclose(chain["clv"], written["clv"], rtol=1e-6)

    scored_dir = folder / "scored"
    scored_dir.mkdir()
    (scored_dir / "spark_run").symlink_to(spark_out, target_is_directory=True)
    monkeypatch.setenv("VALUESCOPE_SCORED_DIR", str(scored_dir))
    monkeypatch.setenv("VALUESCOPE_SOURCE", "scored:spark_run")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    told = 0
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
        told += any("scored table" in i.value for i in at.info)
        if page == "overview":
            assert next(m.value for m in at.metric if m.label == "Customers") == "1,500"
        if page == "clv":  # the unit the table was scored in, not a choice
            assert at.selectbox(key="unit").disabled and at.selectbox(key="unit").value == "D"
    assert told >= 3  # the spend trend, the customer picture, the backtest, ...


def test_a_scored_table_in_a_database_opens_as_the_folder_does(insurer, postgres_url):
    """A Spark run's table written back to the warehouse (here PostgreSQL) is the same source."""
    import sqlalchemy as sa

    from data.database import read_table
    from data.scored import load_scored, read_scored_folder

    folder, _ = insurer
    written = pd.read_parquet(folder / "spark")
    engine_ = sa.create_engine(postgres_url)
    written.to_sql("customer_scores", engine_, index=False, if_exists="replace")
    engine_.dispose()
    from_table = load_scored(read_table(postgres_url, "customer_scores"), "customer_scores")
    from_folder = load_scored(read_scored_folder(folder / "spark"), "spark")
    pd.testing.assert_frame_equal(
        from_table.summary, from_folder.summary, check_dtype=False, check_like=True
    )
    assert from_table.summary.attrs == from_folder.summary.attrs


def test_a_spark_table_in_and_a_table_out(spark, capsys, tmp_path):
    """--spark-table reads the payments from a table and --out table:NAME writes one; the
    result equals the default engine's on the same rows."""
    from data.demo import load_cdnow

    rows = load_cdnow("sample").transactions
    source = tmp_path / "sample.parquet"
    rows.to_parquet(source, index=False)
    spark.createDataFrame(rows).coalesce(1).write.mode("overwrite").saveAsTable("cdnow_sample")
    status, default = _cli(capsys, "score", str(source), "--out", str(tmp_path / "d.parquet"))
    assert status == 0
    status, ours = _cli(capsys, "score", "--spark-table", "cdnow_sample", "--engine", "spark",
                        "--out", "table:cdnow_scores")  # fmt: skip
    assert status == 0
    assert ours["load"] == default["load"] and ours["model"] == default["model"]
    assert all(seconds >= 0 for seconds in ours["stages_s"].values())
    _assert_same_table(
        pd.read_parquet(tmp_path / "d.parquet"), spark.table("cdnow_scores").toPandas()
    )
    # a table Spark manages is a Parquet folder in its warehouse: the dashboard opens it as such
    from urllib.parse import urlparse

    from data.scored import load_scored, read_scored_folder

    warehouse = urlparse(spark.conf.get("spark.sql.warehouse.dir")).path
    opened = load_scored(read_scored_folder(f"{warehouse}/cdnow_scores"), "cdnow_scores")
    assert opened.report.rows_used == default["n_customers"]
