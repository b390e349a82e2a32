"""Every rule file's examples, each one its own test case: a phrase in, every
expected record out (negatives included: ``expect: []``). All examples are
extracted in one batch; each case then reports its own differences."""
import pytest

from pipeline.rulecheck import examples, kind_files, run_examples
from pipeline.rules import load_rules

from .conftest import RULES

CASES = examples(RULES)


@pytest.fixture(scope="session")
def results():
    return run_examples(CASES, RULES)


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=case.data["xfail"])] if case.data.get("xfail") else []
    return pytest.param(case, id=f"{case.kind}-{case.line}-{case.data['text'][:20]}", marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_example(case, results):
    problems = results[case.doc_id]
    assert not problems, f"{case.path.name}:{case.line}: " + "; ".join(problems)


@pytest.mark.parametrize("path", kind_files(RULES), ids=lambda p: p.stem)
def test_every_rule_has_an_example(path):
    rules = load_rules(path.stem, RULES)
    named = {str(e.get("rule")) for ex in rules.examples for e in ex.get("expect") or []}
    missing = [p.id for p in rules.patterns if p.id not in named]
    assert not missing, f"rules without an example naming them: {missing}"
