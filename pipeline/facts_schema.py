"""The facts table's columns and its validation: a pandera schema for types and
vocabularies, and an offset check for every part (number, subject, predicate, date).
A row that fails goes to rejects with the reason, like the mention tables."""
from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa

from .facts_rules import MODALITIES, FactRules
from .records import REJECT_COLUMNS

COLUMNS = ["doc_id", "kind", "start", "end", "text", "value", "value_max", "unit", "qualifier",
           "subject", "subject_start", "subject_end", "subject_head_start", "subject_head_end",
           "predicate", "predicate_start", "predicate_end",
           "date", "start_date", "end_date", "date_text", "date_start", "date_end", "date_scope",
           "modality", "sentence", "rule_id"]
SCOPES = ["clause", "sentence", "paragraph", "section"]
PARTS = {"subject": ("subject", "subject_start", "subject_end"), "predicate": ("predicate", "predicate_start", "predicate_end"),
         "date": ("date_text", "date_start", "date_end"), "number": ("text", "start", "end")}
_SPACE = re.compile(r"\s+")


def schema(rules: FactRules) -> pa.DataFrameSchema:
    offset = lambda: pa.Column("Int64", pa.Check.ge(0), nullable=True)
    iso = pa.Check.str_matches(r"^\d{4}-\d\d-\d\d$")
    return pa.DataFrameSchema({
        "doc_id": pa.Column(str), "kind": pa.Column(str, pa.Check.isin(["amount", "percent"])),
        "start": pa.Column("int64", pa.Check.ge(0)), "end": pa.Column("int64", pa.Check.gt(0)),
        "text": pa.Column(str, pa.Check.str_length(min_value=1)), "value": pa.Column(float),
        "subject": pa.Column(str, pa.Check.str_length(min_value=1), nullable=True),
        "subject_start": offset(), "subject_end": offset(), "subject_head_start": offset(), "subject_head_end": offset(),
        "predicate": pa.Column(str, pa.Check.isin(sorted(rules.vocabulary)), nullable=True),
        "predicate_start": offset(), "predicate_end": offset(),
        "start_date": pa.Column(str, iso, nullable=True), "end_date": pa.Column(str, iso, nullable=True),
        "date_start": offset(), "date_end": offset(),
        "date_scope": pa.Column(str, pa.Check.isin(SCOPES), nullable=True),
        "modality": pa.Column(str, pa.Check.isin(MODALITIES)),
        "rule_id": pa.Column(str, pa.Check.str_startswith("fact.")),
    })


def validate_facts(df: pd.DataFrame, texts: dict[str, str], rules: FactRules) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = _typed(df)
    bad = offset_failures(df, texts)
    try:
        schema(rules).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for _, case in exc.failure_cases.dropna(subset=["index"]).iterrows():
            bad.setdefault(int(case["index"]), f"{case['column'] or 'row'}: failed {case['check']}")
    keep = df.drop(index=list(bad)).sort_values(["doc_id", "start", "end"], kind="stable").reset_index(drop=True)
    rejected = df.loc[sorted(bad)].assign(kind="fact", reason=[bad[i] for i in sorted(bad)])
    return keep, rejected.reindex(columns=REJECT_COLUMNS)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col in COLUMNS:
        if col.endswith(("_start", "_end")) and col not in ("start_date", "end_date"):
            df[col] = pd.to_numeric(df[col]).astype("Int64")
    for col in ("start", "end"):
        df[col] = df[col].astype("int64")
    for col in ("value", "value_max"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df


def offset_failures(df: pd.DataFrame, texts: dict[str, str]) -> dict[int, str]:
    """Every part must point at its own text in the original (page breaks inside a part
    are whitespace and do not count); a distributed subject is item + shared head."""
    bad = {}
    for i, row in zip(df.index, df.to_dict("records")):  # plain dicts: iterrows builds a Series per row
        original = texts.get(row["doc_id"], "")
        for name, (text_col, s_col, e_col) in PARTS.items():
            want = row[text_col]
            if pd.isna(want) if not isinstance(want, str) else False:
                continue
            got = _slice(original, row[s_col], row[e_col])
            if name == "subject" and not pd.isna(row["subject_head_start"]):
                got = (got or "") + (_slice(original, row["subject_head_start"], row["subject_head_end"]) or "")
            if got is None or _SPACE.sub("", got) != _SPACE.sub("", str(want)):
                bad[i] = f"{name}: offsets do not point at {want!r}"
                break
    return bad


def _slice(original: str, start, end) -> str | None:
    if pd.isna(start) or pd.isna(end) or not 0 <= int(start) < int(end) <= len(original):
        return None
    return original[int(start):int(end)]
