"""Known facts: a researcher's regression file against a run's facts.csv.

A known-facts folder holds YAML files (``doc_id`` and a list of ``facts``: the
number as written, an excerpt of its sentence, the expected fields). ``check``
finds each fact's row and reports it found, wrong (with the differing fields) or
missing; ``known_miss: reason`` marks a fact that is wrong today without failing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

FIELDS = ["subject", "predicate", "date", "start_date", "end_date", "modality", "value", "unit"]
_SPACE = re.compile(r"\s+")


@dataclass
class KnownFact:
    doc_id: str
    number: str
    excerpt: str
    expected: dict
    known_miss: str = ""
    where: str = ""  # file:index, for messages

    @property
    def label(self) -> str:
        return f"{self.doc_id} {self.number} «{self.excerpt[:24]}»"


@dataclass
class Result:
    fact: KnownFact
    status: str  # found / wrong / missing
    diffs: list[str] = field(default_factory=list)

    @property
    def regression(self) -> bool:
        return self.status != "found" and not self.fact.known_miss


def load_known(folder: Path | str) -> list[KnownFact]:
    facts = []
    for path in sorted(Path(folder).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for i, item in enumerate(data.get("facts") or []):
            expected = {k: str(v) for k, v in item.items() if k in FIELDS}
            facts.append(KnownFact(str(item.get("doc_id", data.get("doc_id"))), str(item["number"]), str(item["excerpt"]),
                                   expected, str(item.get("known_miss", "") or ""), f"{path.name}:{i}"))
    return facts


def check_fact(fact: KnownFact, facts: pd.DataFrame) -> Result:
    rows = candidates(fact, facts)
    if not rows:
        return Result(fact, "missing")
    scored = [(differences(fact, row), row) for row in rows]
    diffs, _ = min(scored, key=lambda d: len(d[0]))
    return Result(fact, "wrong" if diffs else "found", diffs)


def candidates(fact: KnownFact, facts: pd.DataFrame) -> list[dict]:
    excerpt = _SPACE.sub("", fact.excerpt)
    mine = facts[(facts["doc_id"] == fact.doc_id) & (facts["text"].map(lambda t: _SPACE.sub("", str(t))) == fact.number)]
    return [r for r in mine.to_dict("records") if excerpt in _SPACE.sub("", str(r["sentence"]))]


def differences(fact: KnownFact, row: dict) -> list[str]:
    out = []
    for name, want in fact.expected.items():
        got = _text(row.get(name))
        if not _same(got, want):
            out.append(f"{name}: expected {want!r}, got {got!r}")
    return out


def check_all(known: list[KnownFact], facts: pd.DataFrame) -> list[Result]:
    return [check_fact(k, facts) for k in known]


def format_results(results: list[Result]) -> str:
    lines = []
    for r in results:
        note = f" (known miss: {r.fact.known_miss})" if r.fact.known_miss and r.status != "found" else ""
        if r.fact.known_miss and r.status == "found":
            note = " (marked known miss, now found: remove the mark)"
        lines.append(f"{r.status:7} {r.fact.label}{note}")
        lines += [f"        {d}" for d in r.diffs]
    counts = {s: sum(r.status == s for r in results) for s in ("found", "wrong", "missing")}
    regressions = sum(r.regression for r in results)
    lines.append(f"{len(results)} known facts: {counts['found']} found, {counts['wrong']} wrong, "
                 f"{counts['missing']} missing; {regressions} regressions")
    return "\n".join(lines)


def read_facts(out_dir: Path | str) -> pd.DataFrame:
    return pd.read_csv(Path(out_dir) / "facts.csv", encoding="utf-8-sig", dtype={"date": str})


def _text(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return str(v)


def _same(got: str, want: str) -> bool:
    if got == want:
        return True
    try:
        return abs(float(got) - float(want)) <= 1e-9 * max(1.0, abs(float(want)))
    except ValueError:
        return False
