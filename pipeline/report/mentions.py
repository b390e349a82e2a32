"""One article's mentions (and rejected candidates) as display rows.

The HTML pages and ``newsfacts show`` both want, per mention: where it is, its
kind, the normalised value as a person reads it, the qualifier, the rule, and
(when ``facts.csv`` has them) the subject and date it was linked to.
"""
from __future__ import annotations

import math
import re

import pandas as pd

COMMON = ["doc_id", "start", "end", "text", "sentence", "rule_id"]
# facts.csv may name its columns in several ways while issue 5 settles; the first present wins.
FACT_KEYS = [("start", "end"), ("number_start", "number_end"), ("value_start", "value_end"), ("mention_start", "mention_end")]
FACT_FIELDS = {"subject": ("subject",), "predicate": ("predicate",), "date": ("date_value", "date"),
               "modality": ("modality",)}


def anchor(kind: str, start: int, end: int, rejected: bool = False) -> str:
    """The HTML id of a mention on its article page; table rows link to it."""
    return f"{'rejected-' if rejected else ''}{kind}-{int(start)}-{int(end)}"


def format_number(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
        return ""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{int(f):,}" if f.is_integer() and abs(f) < 1e18 else format(f, ",.10g")


def format_value(kind: str, row: dict) -> str:
    """The normalised value in a line a researcher checks against the text."""
    if kind in ("amount", "percent"):
        unit = row.get("currency") if kind == "amount" else row.get("unit")
        lo, hi = format_number(row.get("value")), format_number(row.get("value_max"))
        return " ".join(p for p in (f"{lo}–{hi}" if hi else lo, _str(unit)) if p)
    if kind == "date":  # the TIMEX value says it all; the first and last day go in the tooltip
        return _str(row.get("value"))
    if kind == "project":
        return _str(row.get("name"))
    extra = [c for c in row if c not in COMMON and c not in ("kind", "qualifier")]
    return ", ".join(f"{c}={_str(row[c])}" for c in extra if _str(row[c]))


def qualifier_of(kind: str, row: dict) -> str:
    """The column that qualifies the value: how exact (amount, percent), where a
    date's year came from, a project's head word."""
    for col in ("qualifier", "anchor", "head"):
        if _str(row.get(col)):
            return _str(row.get(col))
    return ""


def article_mentions(frames: dict[str, pd.DataFrame], doc_id: str, facts: dict | None = None,
                     grouped: dict | None = None, upto: int | None = None) -> list[dict]:
    """Every mention of ``doc_id`` in document order (ending by ``upto``, when given), as display
    dicts. ``grouped`` (from ``rows_by_doc(frames)``) saves selecting the article's rows from every table again."""
    rows = grouped.get(doc_id, {}) if grouped is not None else _article_rows(frames, doc_id)
    out = []
    for kind, kind_rows in rows.items():
        for row in kind_rows:
            if upto is not None and int(row["end"]) > upto:
                continue
            out.append(_display(kind, row, (facts or {}).get((doc_id, int(row["start"]), int(row["end"])), {})))
    return sorted(out, key=lambda m: (m["start"], -m["end"], m["kind"]))


def _article_rows(frames: dict[str, pd.DataFrame], doc_id: str) -> dict[str, list[dict]]:
    return {kind: df[df["doc_id"] == doc_id].to_dict("records") for kind, df in frames.items() if _has_rows(df)}


def _has_rows(df) -> bool:
    return df is not None and not df.empty and "doc_id" in df


def rows_by_doc(frames: dict[str, pd.DataFrame]) -> dict[str, dict[str, list[dict]]]:
    """doc_id -> kind -> its rows in table order, for a whole run at once (one pass per table,
    where selecting each article's rows from each table costs articles × rows)."""
    out: dict[str, dict[str, list[dict]]] = {}
    for kind, df in frames.items():
        if _has_rows(df):
            for row in df.to_dict("records"):
                out.setdefault(row["doc_id"], {}).setdefault(kind, []).append(row)
    return out


def article_rejects(rejects: pd.DataFrame, doc_id: str, grouped: dict | None = None) -> list[dict]:
    """``grouped``: ``rejects_by_doc(rejects)``, the same rows found in one pass."""
    if grouped is not None:
        return grouped.get(doc_id, [])
    if rejects is None or rejects.empty:
        return []
    rows = rejects[(rejects["doc_id"] == doc_id) & rejects["start"].notna() & rejects["end"].notna()]
    return [_reject(r) for r in rows.to_dict("records")]


def rejects_by_doc(rejects: pd.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if rejects is None or rejects.empty:
        return out
    for r in rejects[rejects["start"].notna() & rejects["end"].notna()].to_dict("records"):
        out.setdefault(r["doc_id"], []).append(_reject(r))
    return out


def _reject(r: dict) -> dict:
    return dict(kind=_str(r["kind"]), start=int(r["start"]), end=int(r["end"]), text=_str(r["text"]),
                rule_id=_str(r.get("rule_id")), reason=_str(r.get("reason")),
                id=anchor(_str(r["kind"]), r["start"], r["end"], rejected=True))


def facts_index(facts: pd.DataFrame | None) -> dict:
    """(doc_id, start, end) of the number → {subject, predicate, date, modality} from facts.csv."""
    if facts is None or facts.empty or "doc_id" not in facts:
        return {}
    key = next((k for k in FACT_KEYS if set(k) <= set(facts.columns)), None)
    if key is None:
        return {}
    fields = {name: next((c for c in cols if c in facts.columns), None) for name, cols in FACT_FIELDS.items()}
    out = {}
    for row in facts.dropna(subset=list(key)).to_dict("records"):
        linked = {name: _str(row[col]) for name, col in fields.items() if col}
        out.setdefault((row["doc_id"], int(row[key[0]]), int(row[key[1]])), linked)
    return out


def _display(kind: str, row: dict, fact: dict) -> dict:
    start, end = int(row["start"]), int(row["end"])
    days = "–".join(d for d in (_str(row.get("start_date")), _str(row.get("end_date"))) if d)
    return dict(kind=kind, start=start, end=end, text=_str(row.get("text")), rule_id=_str(row.get("rule_id")), days=days,
                value=format_value(kind, row), qualifier=qualifier_of(kind, row), id=anchor(kind, start, end),
                subject=fact.get("subject", ""), predicate=fact.get("predicate", ""),
                date=fact.get("date", ""), modality=fact.get("modality", ""))


def _str(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    return re.sub(r"\.0$", "", str(v)) if isinstance(v, float) else str(v)
