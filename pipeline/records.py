"""Stage 5 — records: mentions to pandas tables, validated by declared schemas.

Every row has the common columns, the kind's own columns and ``rule_id``. Rows
that fail the schema, and candidates a rule excluded, go to the rejects table
with the rule and the reason: nothing found is silently dropped.
"""
from __future__ import annotations

import importlib
import re
import sys
from functools import lru_cache

import pandas as pd
import pandera.pandas as pa


def _import_pandera_checks_without_hypothesis() -> None:
    """pandera's pandas checks import its data-synthesis strategies, and those import
    hypothesis (a test dependency, not one of newsfacts') with every hypothesis plugin
    installed (trio, pytest …): ~0.5 s in each worker's first validation, for strategies
    that validation never uses. Where hypothesis is not imported yet, the checks are
    imported as without it (pandera's own fallback); a later ``import hypothesis`` works."""
    if "hypothesis" in sys.modules:
        return
    sys.modules["hypothesis"] = None  # makes ``import hypothesis`` raise ImportError
    try:
        importlib.import_module("pandera.backends.pandas.builtin_checks")
    finally:
        del sys.modules["hypothesis"]


_import_pandera_checks_without_hypothesis()

from .clean import CleanText
from .kinds.base import Mention

COMMON = ["doc_id", "start", "end", "text", "sentence", "rule_id"]
REJECT_COLUMNS = ["doc_id", "kind", "start", "end", "text", "rule_id", "reason"]
QUALIFIERS = ["exact", "approx", "at_least", "more_than", "at_most", "less_than", "range"]
CURRENCIES = ["CNY", "USD", "EUR", "HKD", "JPY", "GBP", "AUD", "KRW", "TWD", "MOP", "SGD", "CAD", "NZD", "CHF", "RUB", "THB"]
MAX_AMOUNT = 1e15  # ten thousand trillion yuan: above any sum a newspaper reports
GRANULARITIES = ["day", "month", "quarter", "half", "year", "period"]
ANCHORS = ["explicit", "context", "publication", "relative"]


def columns(kind: str) -> list[str]:
    return list(_columns(kind))


@lru_cache(maxsize=None)
def _columns(kind: str) -> tuple[str, ...]:  # asked for every mention: import_module is not free
    return tuple(COMMON + importlib.import_module(f"pipeline.kinds.{kind}").COLUMNS)


def mention_rows(doc_id: str, kind: str, mentions: list[Mention], clean: CleanText, sentences) -> tuple[list, list]:
    """Rows in original offsets for the kept mentions, and reject rows for the excluded: lists in
    ``columns(kind)`` and ``REJECT_COLUMNS`` order, the form the ledger stores (not dicts, which
    cost as much again to build and to turn into lists)."""
    own = _columns(kind)[len(COMMON):]
    original, working, to_original = clean.original, clean.text, clean.to_original
    rows, rejects = [], []
    for m in mentions:
        start, end = to_original(m.start, m.end)
        text = original[start:end]
        if m.reject:
            rejects.append([doc_id, kind, start, end, text, m.rule_id, m.reject])
            continue
        s, e = sentences(m.start)
        rows.append([doc_id, start, end, text, working[s:e].strip(), m.rule_id, *map(m.values.get, own)])
    return rows, rejects


def shift(rows: list[list], rejects: list[list], by: int) -> None:
    """Move rows and reject rows (as ``mention_rows`` gives them) ``by`` characters on."""
    for row in rows:
        row[1] += by  # start, end
        row[2] += by
    for row in rejects:
        row[2] += by
        row[3] += by


def to_frame(kind: str, rows: list[list]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns(kind))
    for col in ("start", "end"):
        df[col] = df[col].astype("int64")
    for col in ("value", "value_max"):
        if col in df and kind != "date":  # a date's value is TIMEX text (2020-Q1), not a number
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df


def validate(kind: str, df: pd.DataFrame, texts: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid rows, reject rows). ``texts`` maps doc_id to the original text for the offset check."""
    bad = _offset_failures(df, texts)
    try:
        SCHEMAS[kind].validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for _, case in exc.failure_cases.dropna(subset=["index"]).iterrows():
            bad.setdefault(int(case["index"]), f"{case['column'] or 'row'}: failed {case['check']}")
    rejected = df.loc[sorted(bad)].assign(kind=kind, reason=[bad[i] for i in sorted(bad)])
    return df.drop(index=list(bad)), rejected.reindex(columns=REJECT_COLUMNS)


def surely_valid(kind: str, rows: list[list], texts: dict[str, str]) -> bool:
    """True when every row passes the offset check and the kind's schema, judged in plain Python.

    The conditions are those of ``validate``, stricter on types (a str is a ``str``, a number an
    ``int`` or ``float``, a null ``None``), so True means ``validate`` would reject none of the rows;
    False only sends the rows the plain way (``to_frame`` then ``validate``, which names the
    reasons). Real batches pass: a batch then costs no DataFrame and no pandera call (~65 ms each)."""
    own = _OWN_CHECKS[kind]
    return all(_common_ok(row, texts) and own(row) for row in rows)


def _common_ok(row: list, texts: dict[str, str]) -> bool:
    doc_id, start, end, text, sentence, rule_id = row[:6]
    if not (type(doc_id) is str and type(start) is int and type(end) is int and type(text) is str):
        return False
    original = texts.get(doc_id, "")
    # the offset check; it also gives start >= 0, end > 0 and a text of one character or more
    return (0 <= start < end <= len(original) and original[start:end] == text
            and type(sentence) is str and type(rule_id) is str and rule_id != "")


def _is_number(x) -> bool:
    return type(x) is int or type(x) is float  # bool, Decimal, numpy scalars: the plain way


def _is_name(x, min_length: int = 1) -> bool:
    return type(x) is str and len(x) >= min_length


def _range_ok_row(value, value_max) -> bool:
    return value_max is None or (_is_number(value_max) and value_max >= value)  # NaN compares False


def _amount_ok(row: list) -> bool:
    value, value_max, currency, qualifier = row[6:]
    return (_is_number(value) and 0 < value < MAX_AMOUNT and _range_ok_row(value, value_max)
            and (value_max is None or value_max < MAX_AMOUNT)
            and _is_member(currency, CURRENCIES) and _is_member(qualifier, QUALIFIERS))


def _percent_ok(row: list) -> bool:
    value, value_max, unit, qualifier = row[6:]
    return (_is_number(value) and -1000 <= value <= 100000 and _range_ok_row(value, value_max)
            and _is_member(unit, ["%", "pp"]) and _is_member(qualifier, QUALIFIERS))


_ISO_DAY = re.compile(r"(?:19[0-9][0-9]|20[0-9][0-9]|2100)-[0-9][0-9]-[0-9][0-9]")  # ASCII only, whole string


def _date_ok(row: list) -> bool:
    value, start_date, end_date, granularity, anchor = row[6:]
    return (_is_name(value, 4) and _is_day_or_none(start_date) and _is_day_or_none(end_date)
            and (start_date is None or end_date is None or start_date <= end_date)
            and _is_member(granularity, GRANULARITIES) and _is_member(anchor, ANCHORS))


def _is_day_or_none(x) -> bool:
    return x is None or (type(x) is str and _ISO_DAY.fullmatch(x) is not None)


def _project_ok(row: list) -> bool:
    name, head = row[6:]
    return _is_name(name, 2) and _is_name(head)


def _is_member(x, allowed: list[str]) -> bool:
    return type(x) is str and x in allowed


_OWN_CHECKS = {"amount": _amount_ok, "percent": _percent_ok, "date": _date_ok, "project": _project_ok}


def _offset_failures(df: pd.DataFrame, texts: dict[str, str]) -> dict[int, str]:
    bad = {}
    # plain lists, not iterrows: this runs for every row of a batch run
    columns = (df.index.tolist(), df["doc_id"].tolist(), df["start"].tolist(), df["end"].tolist(), df["text"].tolist())
    for i, doc_id, start, end, text in zip(*columns):
        original = texts.get(doc_id, "")
        if not (0 <= start < end <= len(original)) or original[start:end] != text:
            bad[i] = "offsets do not point at the text"
    return bad


def _common() -> dict:
    return {"doc_id": pa.Column(str), "start": pa.Column("int64", pa.Check.ge(0)),
            "end": pa.Column("int64", pa.Check.gt(0)), "text": pa.Column(str, pa.Check.str_length(min_value=1)),
            "sentence": pa.Column(str), "rule_id": pa.Column(str, pa.Check.str_length(min_value=1))}


def _range_ok(df):
    return df["value_max"].isna() | (df["value_max"] >= df["value"])


SCHEMAS = {
    "amount": pa.DataFrameSchema({
        **_common(), "value": pa.Column(float, [pa.Check.gt(0), pa.Check.lt(MAX_AMOUNT)]),
        "value_max": pa.Column(float, pa.Check.lt(MAX_AMOUNT), nullable=True),
        "currency": pa.Column(str, pa.Check.isin(CURRENCIES)),
        "qualifier": pa.Column(str, pa.Check.isin(QUALIFIERS))},
        checks=[pa.Check(_range_ok, name="value_max_not_below_value")]),
    "percent": pa.DataFrameSchema({
        **_common(), "value": pa.Column(float, pa.Check.in_range(-1000, 100000)),
        "value_max": pa.Column(float, nullable=True), "unit": pa.Column(str, pa.Check.isin(["%", "pp"])),
        "qualifier": pa.Column(str, pa.Check.isin(QUALIFIERS))},
        checks=[pa.Check(_range_ok, name="value_max_not_below_value")]),
    "date": pa.DataFrameSchema({
        **_common(), "value": pa.Column(str, pa.Check.str_length(min_value=4)),
        "start_date": pa.Column(str, pa.Check.str_matches(r"^(19\d\d|20\d\d|2100)-\d\d-\d\d$"), nullable=True),
        "end_date": pa.Column(str, pa.Check.str_matches(r"^(19\d\d|20\d\d|2100)-\d\d-\d\d$"), nullable=True),
        "granularity": pa.Column(str, pa.Check.isin(GRANULARITIES)),
        "anchor": pa.Column(str, pa.Check.isin(ANCHORS))},
        checks=[pa.Check(lambda d: d["start_date"].isna() | d["end_date"].isna() | (d["start_date"] <= d["end_date"]),
                         name="start_not_after_end")]),
    "project": pa.DataFrameSchema({
        **_common(), "name": pa.Column(str, pa.Check.str_length(min_value=2)),
        "head": pa.Column(str, pa.Check.str_length(min_value=1))}),
}
