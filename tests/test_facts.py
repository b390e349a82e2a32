"""facts.csv on the bundled corpus: every known fact (tests/facts/*.yaml) is found,
the table validates, `newsfacts check` reports and fails on a regression, and the
coverage of issue 5 holds."""
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.facts import facts_and_rejects
from pipeline.facts_check import check_fact, load_known
from pipeline.facts_coverage import coverage
from pipeline.facts_rules import MODALITIES, load_fact_rules
from pipeline.facts_schema import offset_failures
from pipeline.write import write_csv

from .conftest import ROOT

KNOWN_DIR = ROOT / "tests" / "facts"
KNOWN = load_known(KNOWN_DIR)


@pytest.fixture(scope="session")
def corpus_facts(corpus_tables):
    return facts_and_rejects(corpus_tables)


def _param(fact):
    marks = [pytest.mark.xfail(strict=True, reason=fact.known_miss)] if fact.known_miss else []
    return pytest.param(fact, id=f"{fact.where}-{fact.number}", marks=marks)


def test_enough_known_facts():
    assert len(KNOWN) >= 40
    assert {f.doc_id for f in KNOWN} >= {"000_a94a2d5cae1ad98b", "001_25f75d4e9c69d5a0", "002_210148cc11667783",
                                         "003_e5cf64c1269dc84a"}


@pytest.mark.parametrize("fact", [_param(f) for f in KNOWN])
def test_known_fact(fact, corpus_facts):
    result = check_fact(fact, corpus_facts[0])
    assert result.status == "found", f"{fact.label}: {result.status} " + "; ".join(result.diffs)


def test_facts_validate(corpus_tables, corpus_facts):
    facts, rejects = corpus_facts
    assert rejects.empty, rejects.to_string()
    texts = {d: a.text for d, a in corpus_tables.articles.items()}
    assert offset_failures(facts, texts) == {}
    assert set(facts["modality"]) <= set(MODALITIES)
    assert set(facts["predicate"].dropna()) <= load_fact_rules().vocabulary


def test_coverage_of_issue_5(corpus_tables, corpus_facts):
    cov = coverage(corpus_facts[0], corpus_tables.frames)
    assert cov["amount"]["share"] >= 0.90 and cov["percent"]["share"] >= 0.85, cov


def test_one_row_per_number(corpus_tables, corpus_facts):
    facts = corpus_facts[0]
    for kind in ("amount", "percent"):
        mentions = corpus_tables[kind]
        got = facts[facts["kind"] == kind][["doc_id", "start", "end"]].values.tolist()
        assert sorted(got) == sorted(mentions[["doc_id", "start", "end"]].values.tolist())


def _write(facts: pd.DataFrame, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    write_csv(facts, out / "facts.csv")
    return out


def test_check_command_passes_on_the_corpus(corpus_facts, tmp_path, capsys):
    out = _write(corpus_facts[0], tmp_path / "run")
    assert main(["check", str(KNOWN_DIR), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("\nfound") + printed.startswith("found") >= 40
    assert "0 regressions" in printed


def test_check_command_fails_on_a_wrong_and_a_missing_fact(corpus_facts, tmp_path, capsys):
    facts = corpus_facts[0].copy()
    wrong = facts["text"] == "595.92亿元"
    facts.loc[wrong, "subject"] = "别的东西"
    facts = facts[facts["text"] != "29.5%"]
    out = _write(facts, tmp_path / "broken")
    assert main(["check", str(KNOWN_DIR), "--out", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "subject: expected '283个市重点项目', got '别的东西'" in printed
    assert "missing 002_210148cc11667783 29.5%" in printed
