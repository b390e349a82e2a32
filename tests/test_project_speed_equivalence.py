"""The shortcuts that make ``project.find`` fast give the answers of the plain ways they replace.

``pipeline/kinds/project.py`` finds the clauses with heads from one scan of the text, asks
end-anchored rules in reverse (with a per-character pre-test) before searching forward, and
remembers per-word answers. Each test below runs the plain way next to the shortcut on the
bundled corpus and the rule-file examples, so a change that breaks the equivalence fails here
(and not only in the byte comparison of a whole run).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import regex

from pipeline.clean import clean
from pipeline.kinds import project
from pipeline.kinds.base import ArticleContext
from pipeline.rules import load_rules
from pipeline.segment import get_segmenter

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"


@pytest.fixture(scope="module")
def seg():
    return get_segmenter(str(RULES / "lexicon"))


@pytest.fixture(scope="module")
def rules():
    return load_rules("project", RULES)


@pytest.fixture(scope="module")
def texts(seg, rules):
    """Working copies of the bundled articles and of the rule-file examples."""
    out = [clean(p.read_text(encoding="utf-8"), seg).text for p in sorted((ROOT / "corpus").glob("*.txt"))]
    out += [clean(ex["text"], seg).text for ex in rules.examples]
    assert len(out) > 10
    return out


def _plain_clauses_with_heads(text: str, cfg) -> list[tuple[int, int]]:
    """The definition: every clause (text between boundary matches) that holds a head word."""
    out, pos = [], 0
    for m in cfg.patterns["project.head_grow"].finditer(text + "\n"):
        if m.start() > pos and cfg.head_re.search(text, pos, m.start()):
            out.append((pos, m.start()))
        pos = m.end()
    return out


EDGE_TEXTS = ["项目", "，项目，", "园区项目，基地。", "无关的话，还是无关", "", "，，", "产业园\n园区", "项目，，基地"]


@pytest.mark.parametrize("local", [True, False], ids=["around heads", "any boundary regex"])
def test_clauses_with_heads_are_the_plain_ones(texts, rules, local):
    cfg = project._config(rules)
    assert cfg.boundary_run is not None  # the rule file's boundary is a run of one character class
    if not local:
        cfg = dataclasses.replace(cfg, boundary_run=None)
    total = 0
    for text in texts + EDGE_TEXTS:
        fast = list(project._clauses_with_heads(text, cfg))
        assert fast == _plain_clauses_with_heads(text, cfg), text[:40]
        total += len(fast)
    assert total > 100


def test_a_boundary_that_is_no_character_class_is_found_by_the_scan(rules):
    cfg = project._config(rules)
    assert project._boundary_run(regex.compile("，|。"), cfg.heads) is None
    assert project._boundary_run(regex.compile("[，。]+"), cfg.heads + ["某。园"]) is None  # a head holds one
    odd = dataclasses.replace(cfg, patterns={**cfg.patterns, "project.head_grow": regex.compile("(?:，|。)+")},
                              boundary_run=None)
    for text in EDGE_TEXTS + ["甲项目，乙基地。丙", "项目。"]:
        assert list(project._clauses_with_heads(text, odd)) == _plain_clauses_with_heads(text, odd)


def _stretches(texts, cfg):
    """(text, lo, end) for every token end of every clause with a head, lo = the clause start."""
    for text in texts:
        for cs, ce in _plain_clauses_with_heads(text, cfg):
            pos = cs
            for word, _ in get_segmenter(str(RULES / "lexicon")).tag(text[cs:ce]):
                yield text, cs, pos + 1  # where a count glued to the next word would end
                pos += len(word)
                yield text, cs, pos


@pytest.mark.parametrize("name", ["capacity", "ordinal", "count", "numeric_end"])
def test_end_rule_answers_as_a_forward_search(texts, rules, name):
    cfg = project._config(rules)
    rule = getattr(cfg, name)
    found = 0
    for text, lo, end in _stretches(texts, cfg):
        plain = rule.forward.search(text, lo, end)
        ends_here = plain is not None and plain.end() == end
        assert rule.exists(text, lo, end) == ends_here, (name, text[lo:end])
        assert rule.exists(text, lo, end) == (plain is not None), (name, text[lo:end])  # the rules end with $
        fast = rule.search(text, lo, end)
        assert (fast.span() if fast else None) == (plain.span() if plain else None)
        found += ends_here
    assert found > 0  # the corpus holds capacities, ordinals and counts


def test_end_rule_on_whole_words(rules):
    cfg = project._config(rules)
    for word in ["56个", "重大", "283个市", "一批", "三期", "年产40万吨", "", "个", "$", "吨$"]:
        assert cfg.count.exists(word) == (cfg.count.forward.search(word) is not None)
        assert (cfg.capacity.search(word) is None) == (cfg.capacity.forward.search(word) is None)


def test_remembered_word_answers_do_not_change_the_mentions(texts, seg, rules):
    """A fresh Config (nothing remembered) and a used one find the same mentions."""
    def mentions():
        out = []
        for i, text in enumerate(texts):
            ctx = ArticleContext(str(i), text, [(s, e) for _, s, e in seg.tokenize(text)], [], seg)
            out.append([(m.start, m.end, m.rule_id, m.values, m.reject) for m in project.find(ctx, rules)])
        return out

    project._CONFIGS.clear()
    first = mentions()
    assert sum(map(len, first)) > 100
    assert mentions() == first
    cfg = project._config(rules)
    assert cfg.facts and cfg.count_words  # the second pass ran on remembered answers


def test_full_word_tables_start_afresh(texts, seg, rules, monkeypatch):
    """The per-word tables are bounded; emptied when full, they still give the same mentions."""
    def mentions():
        out = []
        for i, text in enumerate(texts):
            ctx = ArticleContext(str(i), text, [], [], seg)
            out.append([(m.start, m.end, m.rule_id, m.values, m.reject) for m in project.find(ctx, rules)])
        return out

    project._CONFIGS.clear()
    plain = mentions()
    project._CONFIGS.clear()
    monkeypatch.setattr(project, "WORD_CACHE_MAX", 5)
    assert mentions() == plain
    cfg = project._config(rules)
    assert 0 < len(cfg.facts) <= 5 and len(cfg.count_words) <= 5
