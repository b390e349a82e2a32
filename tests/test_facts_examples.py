"""rules/facts.yaml examples, each its own case: a phrase in, the expected facts out
(only the fields an example names are checked)."""
import pytest

from pipeline import extract
from pipeline.facts import facts_and_rejects
from pipeline.rules import load_rules

from .conftest import RULES

EXAMPLES = load_rules("facts", RULES).examples


def _param(i, ex):
    marks = [pytest.mark.xfail(strict=True, reason=ex["xfail"])] if ex.get("xfail") else []
    return pytest.param(ex, id=f"facts-{i}-{ex['text'][:20]}", marks=marks)


@pytest.mark.parametrize("example", [_param(i, e) for i, e in enumerate(EXAMPLES)])
def test_facts_example(example):
    tables = extract(example["text"], issue_date=example.get("issue_date"))
    facts, rejects = facts_and_rejects(tables)
    assert rejects.empty, rejects.to_string()
    rows = {r["text"]: r for r in facts.to_dict("records")}
    for want in example["expect"]:
        number = str(want["number"])
        assert number in rows, f"no fact for {number}; facts for {sorted(rows)}"
        for field, value in want.items():
            if field != "number":
                got = rows[number][field]
                assert str(got) == str(value), f"{number} {field}: {got!r} != {value!r}"
