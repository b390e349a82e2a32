"""Every rule file's examples, each one its own test case: a phrase in, every
expected record out (negatives included: ``expect: []``)."""
from pathlib import Path

import pytest
import yaml

from pipeline import extract
from pipeline.rules import load_rules

RULES = Path(__file__).resolve().parent.parent / "rules"
KIND_FILES = sorted(p for p in RULES.glob("*.yaml") if yaml.safe_load(p.read_text(encoding="utf-8")).get("kind") != "common")


def _cases():
    for path in KIND_FILES:
        kind = path.stem
        for i, example in enumerate(load_rules(kind, RULES).examples):
            marks = [pytest.mark.xfail(strict=True, reason=example["xfail"])] if example.get("xfail") else []
            yield pytest.param(kind, example, id=f"{kind}-{i}-{example['text'][:24]}", marks=marks)


def _check(expected: dict, row: dict):
    for field, want in expected.items():
        got = row["rule_id"] if field == "rule" else row.get(field)
        if isinstance(want, float) or (isinstance(want, int) and not isinstance(want, bool)):
            assert got is not None and abs(float(got) - want) < 1e-6 * max(1, abs(want)), f"{field}: {got!r} != {want!r}"
        elif want is None:
            assert got is None or got != got, f"{field}: {got!r} != None"  # NaN counts as empty
        else:
            assert str(got) == str(want), f"{field}: {got!r} != {want!r}"


@pytest.mark.parametrize("kind,example", list(_cases()))
def test_example(kind, example):
    tables = extract(example["text"], issue_date=example.get("issue_date"), title=example.get("title", ""))
    rows = tables[kind].to_dict("records")
    expected = example.get("expect") or []
    assert [r["text"] for r in rows] == [str(e["text"]) for e in expected]
    for want, row in zip(expected, rows):
        _check(want, row)


@pytest.mark.parametrize("path", KIND_FILES, ids=lambda p: p.stem)
def test_every_rule_has_an_example(path):
    rules = load_rules(path.stem, RULES)
    named = {str(e.get("rule")) for ex in rules.examples for e in ex.get("expect") or []}
    missing = [p.id for p in rules.patterns if p.id not in named]
    assert not missing, f"rules without an example naming them: {missing}"
