"""The numbers behind the index page: counts, rejects by reason, the charts' data."""
from __future__ import annotations

import bisect
import itertools
import re

import pandas as pd

from .charts import change_of

_YEAR = re.compile(r"^(\d{4})")
_CLAUSE_END = re.compile(r"[，。；！？,;!?\n]")


def rejects_by_reason(rejects: pd.DataFrame | None, grouped: pd.Series | None = None) -> pd.DataFrame:
    """Rejects counted by kind, reason and rule; ``grouped``: ``reason_counts`` already summed."""
    if grouped is None and (rejects is None or rejects.empty):
        return pd.DataFrame(columns=["kind", "reason", "rule_id", "count"])
    grouped = reason_counts(rejects) if grouped is None else grouped
    return grouped.rename("count").reset_index().sort_values(["kind", "count"], ascending=[True, False])


def reason_counts(rejects: pd.DataFrame) -> pd.Series:
    return rejects.fillna({"reason": "", "rule_id": ""}).groupby(["kind", "reason", "rule_id"]).size()


class RunCounts:
    """The index page's numbers over a whole run, summed from its chunks (whole articles each,
    but a huge article's rows, which may come over several chunks in offset order), so the
    report needs no whole table: the same numbers as from the whole tables."""

    def __init__(self, kinds: list[str]):
        self.totals = dict.fromkeys(kinds, 0)
        self.sizes = {k: [] for k in kinds}       # per chunk: rows per doc_id
        self.rejects, self.reasons, self.amounts, self.n_rejects = [], [], [], 0
        self.carried: dict[str, list] = {}  # an article that goes on in the next chunk -> its dates still needed

    def add(self, chunk, facts: dict, issue_dates: dict[str, str]) -> None:
        for kind, df in chunk.frames.items():
            self.totals[kind] += len(df)
            if len(df):
                self.sizes[kind].append(df.groupby("doc_id").size())
        if len(chunk.rejects):
            self.rejects.append(chunk.rejects.groupby("doc_id").size())
            self.reasons.append(reason_counts(chunk.rejects))
        self.n_rejects += len(chunk.rejects)
        dates = _dates_by_doc(chunk.frames.get("date"))
        for doc_id, earlier in self.carried.items():  # a huge article's dates from its earlier chunks
            dates[doc_id] = earlier + dates.get(doc_id, [])
        self.amounts.append(amounts_by_year(chunk, facts, issue_dates, dates))
        unfinished = getattr(chunk, "unfinished", None)
        self.carried = {unfinished: dates_to_carry(dates.get(unfinished, []))} if unfinished else {}

    def per_article(self, doc_ids: list[str]) -> pd.DataFrame:
        """Mentions per article and kind (rows in run order), plus rejects."""
        counts = pd.DataFrame(index=pd.Index(doc_ids, name="doc_id"))
        for kind, sizes in self.sizes.items():
            counts[kind] = _summed(sizes).reindex(doc_ids, fill_value=0) if sizes else 0
        return counts.fillna(0).astype(int)

    def rejects_per_article(self) -> pd.Series:
        return _summed(self.rejects) if self.rejects else pd.Series(dtype=int)

    def reasons_table(self) -> pd.DataFrame:
        summed = pd.concat(self.reasons).groupby(level=[0, 1, 2]).sum() if self.reasons else None
        return rejects_by_reason(None, summed)

    def amounts_by_year(self) -> pd.DataFrame:
        found = [df for df in self.amounts if len(df)]
        return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["year", "value"])


def _summed(counts: list[pd.Series]) -> pd.Series:
    """Per-chunk counts by doc_id as one Series (a huge article cut across chunks counted once)."""
    joined = pd.concat(counts)
    return joined.groupby(level=0).sum() if joined.index.has_duplicates else joined


def amounts_by_year(tables, facts: dict, issue_dates: dict[str, str], dates: dict | None = None) -> pd.DataFrame:
    """CNY amounts with a year: the date facts linked, else the nearest date before the
    amount in its article, else the article's issue date; amounts with none are left out.
    ``dates``: ``_dates_by_doc`` of the tables' dates (with a huge article's earlier ones)."""
    amounts = tables.frames.get("amount")
    if amounts is None or amounts.empty:
        return pd.DataFrame(columns=["year", "value"])
    amounts = amounts[amounts["currency"].fillna("CNY") == "CNY"]
    dates = _dates_by_doc(tables.frames.get("date")) if dates is None else dates
    rows = []
    for row in amounts.itertuples():
        year = (_year((facts.get((row.doc_id, int(row.start), int(row.end))) or {}).get("date"))
                or _year_before(dates, row.doc_id, int(row.start))
                or _year(issue_dates.get(row.doc_id)))
        if year and pd.notna(row.value) and row.value > 0:
            rows.append({"year": year, "value": float(row.value)})
    return pd.DataFrame(rows, columns=["year", "value"])


CHANGE_COLUMNS = ["change", "unit", "value"]


def percent_changes(rows: list[dict], article, facts: dict) -> list[dict]:
    """One article's percents (its rows of the percent table) with the kind of change they
    report: from the predicate facts linked when it says, else from the words just before the number."""
    out = []
    for row in rows:
        start = int(row["start"])
        before = article.text[max(0, start - 16):start]
        before = _CLAUSE_END.split(before)[-1]  # words of the previous clause say nothing about this one
        predicate = (facts.get((row["doc_id"], start, int(row["end"]))) or {}).get("predicate", "")
        change = change_of(predicate) if predicate else "other"
        out.append({"change": change if change != "other" else change_of(before), "unit": row["unit"],
                    "value": float(row["value"])})
    return out


def _year_before(dates: dict[str, list[tuple[int, int, str]]], doc_id: str, start: int) -> int | None:
    """The year of the last date (in table order) of the article that ends before ``start``.
    A date ending by ``start`` starts before it, so the search starts from the last such date
    (the table is in start order): a scan from the article's last date cost amounts × dates
    on a huge article."""
    found = dates.get(doc_id, ())
    i = bisect.bisect_left(found, (start,)) if found and _in_start_order(dates, doc_id) else len(found)
    for _, end, value in reversed(found[:i] if i < len(found) else found):
        if end <= start and _year(value):
            return _year(value)
    return None


def dates_to_carry(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Of a huge article's dates so far (in start order), those ``_year_before`` may still
    answer with for an amount of a later chunk: every later row starts after the last date
    here, so the last date with a year that ends by that start hides all dates before it."""
    if not found:
        return []
    last = found[-1][0]
    hidden = max((i for i, (_, end, value) in enumerate(found) if end <= last and _year(value)), default=0)
    return [d for d in found[hidden:] if _year(d[2])]


def _in_start_order(dates: dict, doc_id: str) -> bool:
    ordered = dates.setdefault(None, {})  # under None: whether each article's dates are in start order
    if doc_id not in ordered:
        found = dates[doc_id]
        ordered[doc_id] = all(a[0] <= b[0] for a, b in itertools.pairwise(found))
    return ordered[doc_id]


def _dates_by_doc(dates: pd.DataFrame | None) -> dict[str, list[tuple[int, int, str]]]:
    """doc_id -> (start, end, start_date) of its dates in table order: grouped once, where filtering
    the whole date table for every amount cost amounts × dates."""
    out: dict[str, list[tuple[int, int, str]]] = {}
    if dates is None or dates.empty or "start_date" not in dates:
        return out
    for doc_id, start, end, value in zip(dates["doc_id"], dates["start"], dates["end"], dates["start_date"]):
        out.setdefault(doc_id, []).append((start, end, value))
    return out


def _year(value) -> int | None:
    m = _YEAR.match(str(value or ""))
    return int(m.group(1)) if m else None
