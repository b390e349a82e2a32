"""The facts schema refuses rows whose parts do not point at their text or whose
modality / predicate is outside the vocabulary; refused rows become rejects."""
from pipeline import extract
from pipeline.facts import build_facts, facts_and_rejects
from pipeline.facts_rules import load_fact_rules
from pipeline.facts_schema import validate_facts

TEXT = "2020年，283个市重点项目完成投资595.92亿元，占年度任务94.9%。"


def _facts():
    tables = extract(TEXT, issue_date="2021-01-07")
    facts, rejects = facts_and_rejects(tables)
    assert rejects.empty and len(facts) == 2
    return tables, facts


def _validate(facts):
    return validate_facts(facts, {"doc": TEXT}, load_fact_rules())


def test_valid_rows_pass():
    _, facts = _facts()
    keep, rejects = _validate(facts)
    assert len(keep) == 2 and rejects.empty


def test_subject_offsets_must_hold():
    _, facts = _facts()
    facts.loc[0, "subject_start"] += 1
    keep, rejects = _validate(facts)
    assert len(keep) == 1 and rejects["reason"].str.startswith("subject: offsets").all()
    assert set(rejects["kind"]) == {"fact"}


def test_date_offsets_must_hold():
    _, facts = _facts()
    facts.loc[1, "date_end"] = 3
    keep, rejects = _validate(facts)
    assert len(keep) == 1 and "date" in rejects["reason"].iloc[0]


def test_modality_and_predicate_in_vocabulary():
    _, facts = _facts()
    facts.loc[0, "modality"] = "maybe"
    facts.loc[1, "predicate"] = "喜欢"
    keep, rejects = _validate(facts)
    assert keep.empty
    assert any("modality" in r for r in rejects["reason"]) and any("predicate" in r for r in rejects["reason"])


def test_build_facts_sends_rejects_to_the_run(monkeypatch):
    tables, _ = _facts()
    before = len(tables.rejects)
    import pipeline.facts as facts_module

    real = facts_module.validate_facts

    def break_first(df, texts, rules):
        df = df.copy()
        df.loc[0, "modality"] = "maybe"
        return real(df, texts, rules)

    monkeypatch.setattr(facts_module, "validate_facts", break_first)
    facts = build_facts(tables)
    assert len(facts) == 1 and len(tables.rejects) == before + 1
    assert tables.rejects.iloc[-1]["kind"] == "fact"
