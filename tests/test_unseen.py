"""Hand-annotated passages in the styles of unseen articles (tests/unseen/*.yaml, one list each):
each passage is one case; every expected record must be found at its span with the
annotated values, and every `absent` span must not be a record of that kind."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from pipeline import extract

PASSAGES = [p for path in sorted((Path(__file__).parent / "unseen").glob("*.yaml"))
            for p in yaml.safe_load(path.read_text(encoding="utf-8"))]


def locate(text: str, rec: dict) -> tuple[int, int]:
    """The span of an annotation: the n-th occurrence of its text, or its text inside ctx."""
    span = str(rec["text"])
    if "ctx" in rec:
        at = text.index(rec["ctx"])
        start = text.index(span, at)
        return start, start + len(span)
    start = -1
    for _ in range(rec.get("n", 0) + 1):
        start = text.index(span, start + 1)
    return start, start + len(span)


def _same(got, want) -> bool:
    if want is None:
        return got is None or (isinstance(got, float) and math.isnan(got)) or got == ""
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        try:
            return math.isclose(float(got), float(want), rel_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return str(got) == str(want)


def problems(passage: dict) -> list[str]:
    text = passage["text"]
    tables = extract(text, issue_date=passage.get("issue_date"), title=passage.get("title", ""))
    rows = {kind: {(r["start"], r["end"]): r for r in tables[kind].to_dict("records")}
            for kind in ("amount", "percent", "date", "project")}
    out = []
    for rec in passage.get("expect", []):
        start, end = locate(text, rec)
        row = rows[rec["kind"]].get((start, end))
        label = f"{rec['kind']} {rec['text']}@{start}"
        if row is None:
            near = [r["text"] for (s, e), r in rows[rec["kind"]].items() if s < end and start < e]
            out.append(f"{label}: missing" + (f" (found {near})" if near else ""))
            continue
        for col, want in rec.items():
            if col in ("kind", "text", "n", "ctx"):
                continue
            if not _same(row.get(col), want):
                out.append(f"{label}: {col} {row.get(col)!r} != {want!r}")
    for rec in passage.get("absent", []):
        start, end = locate(text, rec)
        if (start, end) in rows[rec["kind"]]:
            out.append(f"{rec['kind']} {rec['text']}@{start}: should not be a record")
    return out


def _param(p):
    marks = [pytest.mark.xfail(strict=True, reason=p["xfail"])] if p.get("xfail") else []
    return pytest.param(p, id=p["id"], marks=marks)


def test_passage_ids_unique():
    ids = [p["id"] for p in PASSAGES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.parametrize("passage", [_param(p) for p in PASSAGES])
def test_passage(passage):
    found = problems(passage)
    assert not found, "\n".join(found)
