"""Parquet and Stata outputs read back equal to the CSV tables."""
import io

import pandas as pd
import pytest

from pipeline.batch import Progress, run

from .conftest import CORPUS

STEMS = ["amounts", "percents", "dates", "projects", "rejects"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = {}
    for fmt in ("csv", "parquet", "dta"):
        out[fmt] = tmp_path_factory.mktemp(fmt)
        run([CORPUS], out[fmt], fmt=fmt, workers=1, issue_date="2020-12-31", progress=Progress(0, io.StringIO()))
    return out


def _csv(outputs, stem):
    return pd.read_csv(outputs["csv"] / f"{stem}.csv", encoding="utf-8-sig", keep_default_na=False,
                       na_values=[""], dtype=str)


def _as_text(df):
    """Values as the CSV writes them, for a comparison across formats."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: None if pd.isna(v) else f"{v:.15g}")
        else:
            out[col] = out[col].map(lambda v: None if pd.isna(v) or v == "" else str(v))
    return out.astype(object).where(out.notna(), None).reset_index(drop=True)


@pytest.mark.parametrize("stem", STEMS)
def test_parquet_reads_back_as_the_csv(outputs, stem):
    back = pd.read_parquet(outputs["parquet"] / stem)
    assert {"paper", "year"} <= set(back.columns)  # the partition keys come back as columns
    assert list((outputs["parquet"] / stem).glob("paper=*/year=2020"))  # hive folders (values URL-encoded)
    assert set(back["paper"].astype(str)) == {"衡阳日报"}
    back = back.drop(columns=["paper", "year"]).sort_values(["doc_id", "start"], kind="stable")
    expected = _csv(outputs, stem)
    assert list(back.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(_as_text(back.reset_index(drop=True)), _as_text(expected))
    assert back["start"].dtype == "int64"
    if stem == "amounts":
        assert back["value"].dtype == "float64"


def test_parquet_keeps_row_order_within_a_partition(outputs):
    back = pd.read_parquet(outputs["parquet"] / "amounts")
    assert back.groupby("doc_id")["start"].apply(lambda s: s.is_monotonic_increasing).all()


@pytest.mark.parametrize("stem", STEMS)
def test_stata_reads_back_as_the_csv(outputs, stem):
    back = pd.read_stata(outputs["dta"] / f"{stem}.dta").rename(columns={"_end": "end"})
    expected = _csv(outputs, stem)
    assert list(back.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(_as_text(back), _as_text(expected))
    assert any("亿元" in t for t in back["text"]) or stem != "amounts"  # Chinese text survives (v118)
