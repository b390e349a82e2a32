"""Rule files check themselves: every example of every rule file, run in one batch.

The test-suite reports each example as its own case; ``newsfacts run`` refuses to
start when an example fails (once per rules version, remembered in a cache file),
naming the file, the line and what differed.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path


from .read import Article
from .rules import DEFAULT_RULES_DIR, RuleError, compose, load_rules, rules_version, safe_load


@dataclass
class Example:
    kind: str
    index: int
    data: dict
    path: Path
    line: int

    @property
    def doc_id(self) -> str:
        return f"{self.kind}:{self.index}"


def kind_files(rules_dir: Path | str = DEFAULT_RULES_DIR) -> list[Path]:
    """The rule files of the mention kinds (other rule files, such as facts.yaml, test their own examples)."""
    from .nlp import KINDS

    return sorted(p for p in Path(rules_dir).glob("*.yaml") if load_kind(p) in KINDS)


def load_kind(path: Path) -> str:
    return (safe_load(path.read_text(encoding="utf-8")) or {}).get("kind", "")


def examples(rules_dir: Path | str = DEFAULT_RULES_DIR) -> list[Example]:
    out = []
    for path in kind_files(rules_dir):
        rules = load_rules(path.stem, rules_dir)
        lines = _example_lines(path)
        out += [Example(path.stem, i, ex, path, lines[i] if i < len(lines) else 0) for i, ex in enumerate(rules.examples)]
    return out


def _example_lines(path: Path) -> list[int]:
    """1-based line of each item of the file's ``examples`` list."""
    root = compose(path.read_text(encoding="utf-8"))
    for key, value in getattr(root, "value", []):
        if key.value == "examples" and hasattr(value, "value"):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def run_examples(cases: list[Example], rules_dir: Path | str = DEFAULT_RULES_DIR) -> dict[str, list[str]]:
    """doc_id -> problems (empty when the example holds), all examples in one extraction."""
    from .extract import extract_articles

    articles = [Article(doc_id=c.doc_id, text=c.data["text"], issue_date=str(c.data.get("issue_date") or ""),
                        title=c.data.get("title", "")) for c in cases]
    tables = extract_articles(articles, rules_dir)
    return {c.doc_id: compare(c.data.get("expect") or [], _rows(tables, c)) for c in cases}


def _rows(tables, case: Example) -> list[dict]:
    df = tables[case.kind]
    return df[df.doc_id == case.doc_id].to_dict("records")


def compare(expected: list[dict], rows: list[dict]) -> list[str]:
    got_texts, want_texts = [r["text"] for r in rows], [str(e["text"]) for e in expected]
    if got_texts != want_texts:
        return [f"found {got_texts}, expected {want_texts}"]
    return [p for want, row in zip(expected, rows) for p in _field_problems(want, row)]


def _field_problems(want: dict, row: dict) -> list[str]:
    problems = []
    for field, expected in want.items():
        got = row.get("rule_id") if field == "rule" else row.get(field)
        if not _same(got, expected):
            problems.append(f"{row['text']}: {field} is {got!r}, expected {expected!r}")
    return problems


def _same(got, expected) -> bool:
    if expected is None:
        return got is None or got != got  # NaN counts as empty
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        try:
            return math.isclose(float(got), expected, rel_tol=1e-12, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return str(got) == str(expected)


def verify_rules(rules_dir: Path | str = DEFAULT_RULES_DIR) -> None:
    """Raise RuleError naming file, line and problem when an example fails; remembered per version."""
    marker = _cache_dir() / f"verified-{rules_version(rules_dir)}"
    if marker.exists():
        return
    cases = [c for c in examples(rules_dir) if not c.data.get("xfail")]
    results = run_examples(cases, rules_dir) if cases else {}
    failures = [(c, problem) for c in cases for problem in results[c.doc_id]]
    if failures:
        lines = [f"{c.path}:{c.line}: example {c.data['text']!r}: {p}" for c, p in failures[:20]]
        raise RuleError("rule examples fail, so the rules are not run:\n" + "\n".join(lines))
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newsfacts"
