"""A broken rule file stops the run with the file, the rule id and the line."""
import shutil

import pytest

from pipeline.cli import main
from pipeline.rulecheck import verify_rules
from pipeline.rules import RuleError, load_rules

from .conftest import RULES


@pytest.fixture()
def rules_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    dest = tmp_path / "rules"
    shutil.copytree(RULES, dest)
    return dest


def test_bad_yaml_names_the_file_and_line(rules_copy):
    path = rules_copy / "percent.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  bad: [unclosed\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"(?s)percent\.yaml.*line \d+"):
        load_rules("percent", rules_copy)


def test_bad_regex_names_the_rule_and_line(rules_copy):
    path = rules_copy / "percent.yaml"
    text = path.read_text(encoding="utf-8").replace("百分之(?P<num>", "百分之(?P<num", 1)
    path.write_text(text, encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "id: percent.chinese" in l)
    with pytest.raises(RuleError, match=rf"percent\.yaml:{line}: rule percent\.chinese: bad regex"):
        load_rules("percent", rules_copy)


def test_a_failing_example_stops_the_run(rules_copy, tmp_path, capsys):
    path = rules_copy / "amount.yaml"
    text = path.read_text(encoding="utf-8").replace("value: 59592000000", "value: 59592000001", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError, match=r"amount\.yaml:\d+: example .*595\.92亿元: value"):
        verify_rules(rules_copy)
    assert main(["run", str(tmp_path), "--rules", str(rules_copy), "--out", str(tmp_path / "out")]) == 2
    assert "amount.yaml" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_good_rules_are_verified_once(rules_copy):
    verify_rules(rules_copy)
    verify_rules(rules_copy)  # second call reads the marker
