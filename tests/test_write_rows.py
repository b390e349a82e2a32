"""CSV written from row lists (``write.RowTable``) is byte for byte what pandas writes from the
DataFrame of the same rows (``records.to_frame``), odd values included."""
import io
import math

from pipeline import batch, records
from pipeline.write import RowTable, append_csv


def _pandas_csv(kind, rows):
    buf = io.StringIO()
    append_csv(records.to_frame(kind, rows), buf)
    return buf.getvalue()


def _rows_csv(kind, rows):
    buf = io.StringIO()
    append_csv(RowTable(rows, batch._float_columns(kind)), buf)
    return buf.getvalue()


ODD_TEXT = ['逗号,在内', '引号"在内"', "换行\n在内", "", " 空格 ", "回车\r在内"]


def test_amount_rows_as_pandas_writes_them():
    rows = [["d", i, i + 3, text, "句子，" + text, "r1", value, vmax, cur, "exact"]
            for i, (text, value, vmax, cur) in enumerate(zip(
                ODD_TEXT, [595.92e8, 0.1 + 0.2, 5, 1e21, 123456789012345678.0, -0.0],
                [None, math.nan, 7.5, None, 1e-7, None], ["CNY", None, "USD", "", "HKD", None]))]
    assert _rows_csv("amount", rows) == _pandas_csv("amount", rows)


def test_date_and_project_rows_as_pandas_writes_them():
    dates = [["d", 1, 5, t, "s", "r", "2020-Q1", "2020-01-01", None, "quarter", "explicit"] for t in ODD_TEXT]
    projects = [["d", 1, 5, t, "s", None, t, "项目"] for t in ODD_TEXT]
    assert _rows_csv("date", dates) == _pandas_csv("date", dates)
    assert _rows_csv("project", projects) == _pandas_csv("project", projects)


def test_reject_rows_as_pandas_writes_them():
    rejects = [["d", "amount", i, i + 1, t, "r", "why"] for i, t in enumerate(ODD_TEXT)]
    rejects += [["d", "percent", 9, 10, math.nan, None, "text: failed str_length"]]
    buf = io.StringIO()
    append_csv(batch._sorted_frames({k: [] for k in batch.KINDS}, [list(r) for r in rejects])[1], buf)
    batch._sort_rows({}, rejects)
    assert RowTable(rejects, nan=True).to_csv() == buf.getvalue()


def test_rows_sort_as_the_frames_do():
    rows = {k: [] for k in batch.KINDS}
    rows["percent"] = [["b", 3, 5, "x", "s", "r", 1.0, None, "%", "exact"], ["a", 9, 12, "y", "s", "r", 2.0, None, "%", "exact"],
                       ["a", 9, 10, "z", "s", "r", 3.0, None, "%", "exact"], ["a", 2, 4, "w", "s", "r", 4.0, None, "%", "exact"]]
    rejects = [["b", "amount", 1, 2, "t", "r", "why"], ["a", "percent", 5, 6, "t", "r", "why"],
               ["a", "amount", 5, 7, "t", "r", "why"]]
    frames, reject_frame = batch._sorted_frames({k: list(v) for k, v in rows.items()}, list(rejects))
    batch._sort_rows(rows, rejects)
    assert frames["percent"][["doc_id", "start", "end", "text"]].values.tolist() == [r[:4] for r in rows["percent"]]
    assert reject_frame.values.tolist() == rejects
