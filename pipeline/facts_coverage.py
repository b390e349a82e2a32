"""How many amounts and percents facts.csv ties to a subject and a date (issue 5's
measure), and which stay unlinked, with the part that is missing."""
from __future__ import annotations

import pandas as pd


def coverage(facts: pd.DataFrame, mentions: dict[str, pd.DataFrame]) -> dict[str, dict]:
    """kind -> {mentions, subject, date, both, share}: ``share`` = both / mentions."""
    out = {}
    for kind in ("amount", "percent"):
        keys = set(zip(mentions[kind]["doc_id"], mentions[kind]["start"]))
        mine = facts[facts["kind"] == kind]
        linked = lambda col: {k for k, v in zip(zip(mine["doc_id"], mine["start"]), mine[col].notna()) if v and k in keys}
        subject, date = linked("subject"), linked("date")
        out[kind] = dict(mentions=len(keys), subject=len(subject), date=len(date), both=len(subject & date),
                         share=len(subject & date) / len(keys) if keys else 1.0)
    return out


def unlinked(facts: pd.DataFrame, mentions: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Mentions without a fact row, or whose fact lacks a subject or a date."""
    rows = []
    for kind in ("amount", "percent"):
        by_key = {(r["doc_id"], r["start"]): r for r in facts[facts["kind"] == kind].to_dict("records")}
        for m in mentions[kind].to_dict("records"):
            f = by_key.get((m["doc_id"], m["start"]))
            missing = ["fact"] if f is None else [c for c in ("subject", "date") if pd.isna(f[c])]
            if missing:
                rows.append(dict(kind=kind, doc_id=m["doc_id"], start=m["start"], text=m["text"],
                                 missing="+".join(missing), sentence=m["sentence"]))
    return pd.DataFrame(rows, columns=["kind", "doc_id", "start", "text", "missing", "sentence"])


def format_coverage(cov: dict[str, dict], gaps: pd.DataFrame) -> str:
    lines = [f"{kind:8} {c['mentions']:4} mentions: subject {c['subject']}, date {c['date']}, "
             f"both {c['both']} ({c['share']:.1%})" for kind, c in cov.items()]
    lines += [f"  unlinked {g.kind} {g.doc_id[:3]}@{g.start} {g.text} (no {g.missing}): {g.sentence[:50]}"
              for g in gaps.itertuples()]
    return "\n".join(lines)
