"""A pattern with a ``trigger`` runs only over the trigger regions (speed); it must find
exactly what a scan of the whole text finds, on every rule example and bundled article."""
from pathlib import Path

import pytest

from pipeline.rules import RuleError, _load, load_rules

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("amount", "percent", "date", "project")


def _texts():
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    for kind in KINDS:
        texts += [str(e.get("text", "")) for e in load_rules(kind).examples]
    return texts + ["\n".join(texts)]


def _found(matches):
    return [(m.span(), m.groupdict()) for m in matches]


@pytest.mark.parametrize("kind", KINDS)
def test_trigger_regions_find_what_the_whole_text_scan_finds(kind):
    texts = _texts()
    for pattern in load_rules(kind).patterns:
        if pattern.trigger is None:
            continue
        for text in texts:
            assert _found(pattern.finditer(text)) == _found(pattern.regex.finditer(text)), (pattern.id, text[:60])


def test_lookbehind_sees_before_the_region_and_dollar_stays_at_the_end(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "kind: x\nmatch_chars: '[\\d元]'\npatterns:\n"
        "  - {id: a, trigger: 元, regex: '(?<!x)\\d+元(?=$|y)'}\n", encoding="utf-8")
    pattern = _load(str(tmp_path / "x.yaml"), "x").patterns[0]
    for text in ["x5元", "a5元", "a5元y", "a5元z", "5元" + "z" * 40 + "6元", "12元34元 x7元"]:
        assert _found(pattern.finditer(text)) == _found(pattern.regex.finditer(text)), text


def test_a_trigger_needs_match_chars_that_hold_it(tmp_path):
    (tmp_path / "x.yaml").write_text("kind: x\npatterns:\n  - {id: a, trigger: 元, regex: '元'}\n", encoding="utf-8")
    with pytest.raises(RuleError, match="match_chars"):
        _load(str(tmp_path / "x.yaml"), "x")
    (tmp_path / "y.yaml").write_text("kind: x\nmatch_chars: '[\\d]'\npatterns:\n  - {id: a, trigger: 元, regex: '元'}\n",
                                     encoding="utf-8")
    with pytest.raises(RuleError, match="trigger characters"):
        _load(str(tmp_path / "y.yaml"), "x")
