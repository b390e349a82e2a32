"""The shortcuts that make ``project.find`` fast give the answers of the plain ways they replace.

``pipeline/kinds/project.py`` finds the clauses with heads from one scan of the text, asks
end-anchored rules in reverse (with a per-character pre-test) before searching forward, and
remembers per-word answers. Each test below runs the plain way next to the shortcut on the
bundled corpus and the rule-file examples, so a change that breaks the equivalence fails here
(and not only in the byte comparison of a whole run).
"""
from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest
import regex

from pipeline.clean import clean
from pipeline.kinds import project
from pipeline.kinds.base import ArticleContext, Offsets
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


# ---------------------------------------------------------------- a clause's tokens

def _clauses(texts, cfg):
    """(text, start, end) of every clause with a head."""
    return [(text, cs, ce) for text in texts for cs, ce in _plain_clauses_with_heads(text, cfg)]


def _plain_clause(seg, text, start, end):
    """The definition: tag the clause, and each word starts where the one before ends."""
    words, tags, starts, ends, pos = [], [], [], [], start
    for word, tag in seg.tag(text[start:end]):
        words.append(word), tags.append(tag), starts.append(pos), ends.append(pos + len(word))
        pos += len(word)
    return project.Clause(words, tags, starts, ends)


def test_tag_columns_are_the_tagged_words(texts, seg, rules, monkeypatch):
    """cut's words with remembered per-word tags give what tag gives: with an empty table, a
    filled one, and a word whose tagging alone cannot answer (then the text is tagged)."""
    cfg = project._config(rules)
    stretches = [text[cs:ce] for text, cs, ce in _clauses(texts, cfg)] + [t[:300] for t in texts]
    assert seg.backend == "rjieba"
    monkeypatch.setattr(seg, "_word_tags", {})
    for _ in range(2):  # the first pass fills the table, the second reads it
        for stretch in stretches:
            tagged = seg.tag(stretch)
            assert seg.tag_columns(stretch) == ([w for w, _ in tagged], [t for _, t in tagged]), stretch
    assert seg._word_tags
    words = {w for w, _ in seg.tag(stretches[0])}
    monkeypatch.setattr(seg, "_word_tags", dict.fromkeys(words, ""))  # "cannot say" for every word
    tagged = seg.tag(stretches[0])
    assert seg.tag_columns(stretches[0]) == ([w for w, _ in tagged], [t for _, t in tagged])


def test_a_word_that_tagging_alone_cuts_apart_is_no_answer(seg):
    """A word may come apart when tagged alone (最多 in 开工项目最多的一次 is 最/多 alone): the table
    says "" for it and the text is tagged."""
    fresh = project_segmenter()
    text = "开工项目最多的一次"
    apart = [w for w in fresh._impl.cut(text) if len(fresh._impl.tag(w)) != 1]
    assert apart == ["最多"]
    fresh.tag_columns(text)
    assert fresh._word_tags[apart[0]] == ""
    tagged = fresh.tag(text)
    assert fresh.tag_columns(text) == ([w for w, _ in tagged], [t for _, t in tagged])


def project_segmenter():
    from pipeline.segment import Segmenter
    return Segmenter(tuple(sorted((RULES / "lexicon").glob("*.txt"))))


def test_a_new_word_empties_the_tag_table(seg):
    fresh = project_segmenter()
    fresh.tag_columns("园区建设项目")
    assert fresh._word_tags
    fresh.add_word("园区建设", 10, "nz")
    assert not fresh._word_tags
    assert fresh.tag_columns("园区建设项目") == (["园区建设", "项目"], ["nz", fresh.tag("项目")[0][1]])


def test_clause_tokens_are_the_tagged_clause(texts, seg, rules):
    cfg = project._config(rules)
    for text, cs, ce in _clauses(texts, cfg):
        ctx = ArticleContext("x", text, [], [], seg)
        assert project._clause_tokens(ctx, cs, ce) == _plain_clause(seg, text, cs, ce)


# text around clause boundaries that jieba may join to a neighbour (#, digits, letters, \r\n)
SEAM_TEXTS = ["#长沙项目#，12项目\r\n基地", "A项目，B园区。C基地#D中心", "园区\r\n\r\n项目", "项目…基地——中心"]


@pytest.mark.parametrize("source", ["articles", "seams"])
def test_clause_words_from_the_article_are_the_clause_cut(texts, seg, rules, source):
    """A clause's words sliced from the whole text's words (when ``words_between`` gives them)
    are the words and tags that cutting and tagging the clause alone gives."""
    cfg = project._config(rules)
    taken = 0
    for text, cs, ce in _clauses(texts if source == "articles" else SEAM_TEXTS, cfg):
        words = seg.cut(text)
        ends = list(itertools.accumulate(map(len, words)))
        ctx = ArticleContext("x", text, Offsets([0, *ends[:-1]], ends), [], seg, words=words)
        taken += ctx.words_between(cs, ce) is not None
        assert project._clause_tokens(ctx, cs, ce) == _plain_clause(seg, text, cs, ce), text[cs:ce]
    assert taken > 0


def test_a_clause_that_jieba_joins_to_its_neighbour_is_cut_alone(seg):
    text = "#长沙项目#，12项目"
    words = seg.cut(text)
    ends = list(itertools.accumulate(map(len, words)))
    ctx = ArticleContext("x", text, Offsets([0, *ends[:-1]], ends), [], seg, words=words)
    assert ctx.words_between(1, 5) is None  # after and before '#', which jieba keeps in a block
    assert ctx.words_between(7, 11) is not None  # after '，', to the end


# ---------------------------------------------------------------- per-candidate shortcuts

def _all_clauses(texts, seg, cfg):
    return [(text, _plain_clause(seg, text, cs, ce)) for text, cs, ce in _clauses(texts, cfg)]


def test_plain_words_step_as_step_says(texts, seg, rules):
    """_grow_left takes a word whose facts are plain without _step: _step gives the same."""
    cfg = project._config(rules)
    taken = stopped = 0
    for text, cl in _all_clauses(texts, seg, cfg):
        for j in range(len(cl.words)):
            facts = cfg.facts.get((cl.words[j], cl.tags[j])) or project._word_facts(cl.words[j], cl.tags[j], cfg)
            if not facts.plain:
                continue
            g = project.Growth(cl.ends[j], j + 1)
            step = project._step(text, cl, j, 0, g, facts, cfg)
            if facts.takes:
                assert (step, g.start, g.first_tok, g.proper, g.strong) == (j - 1, cl.starts[j], j, facts.proper,
                                                                            facts.strong)
                taken += 1
            else:
                assert step is None and not g.counted
                stopped += 1
    assert taken > 100 and stopped > 100


def _plain_modifier_words(text, cl, cand):
    head_start = cand.end - len(cand.head)
    words = []
    for k in range(cand.first_tok, len(cl.words)):
        if cl.starts[k] >= head_start:
            break
        word = text[max(cl.starts[k], cand.start):min(cl.ends[k], head_start)]
        if word and word not in project.QUOTES and word not in "()（）":
            words.append(word)
    return words


def _plain_head_of(text, cl, i, cfg):
    word = cl.words[i]
    if word in project.QUOTES or (cl.words[i + 1] if i + 1 < len(cl.words) else "") in cfg.head_blockers:
        return ""
    window = text[max(cl.starts[0], cl.ends[i] - 8):cl.ends[i]]
    for head in cfg.heads:
        if not window.endswith(head):
            continue
        if head in cfg.single_char_heads and (word != head or i == 0 or cl.tags[i - 1][:1] != "n"):
            continue
        if len(head) < len(word) and word[-len(head) - 1:] in cfg.head_set:
            continue
        return head
    return ""


def test_candidate_shortcuts_answer_as_the_plain_ways(texts, seg, rules):
    """Head words, modifier words (also of a name cut inside its first token), the token at a
    position, the quoted-name pre-test and the list pre-test, on every candidate of the corpus."""
    cfg = project._config(rules)
    quoted = items = 0
    for text, cl in _all_clauses(texts, seg, cfg):
        for i in range(len(cl.words)):
            assert project._head_of(text, cl, i, cfg) == _plain_head_of(text, cl, i, cfg)
        for pos in range(cl.starts[0] - 1, cl.ends[-1] + 1):
            plain = next((k for k in range(3, len(cl.ends)) if cl.ends[k] > pos), 3)
            assert project._token_index_at(cl, pos, 3) == plain
        cands = project._clause_candidates(text, cl, cfg)
        for cand in cands:
            assert project._modifier_words(text, cl, cand) == _plain_modifier_words(text, cl, cand)
            for cut in (1, 2):
                odd = dataclasses.replace(cand, start=min(cand.start + cut, cand.end - 1))
                assert project._modifier_words(text, cl, odd) == _plain_modifier_words(text, cl, odd)
            quoted += cand.rule_id == "project.quoted"
            items += cand.rule_id == "project.list_item"
        if not cfg.patterns["project.list_item"].search(text, cl.starts[0], cl.ends[-1]):
            assert project._list_items(text, cl, cands, cfg) == []  # skipped in _clause_candidates
    assert quoted > 0 and items > 0


def test_quoted_names_start_where_the_pre_test_says(texts, rules):
    cfg = project._config(rules)
    pattern = cfg.patterns["project.quoted"]
    starts = 0
    for text in texts:
        for a in range(len(text)):
            if not project._may_start_quoted(text[a], cfg):
                assert not any(pattern.fullmatch(text[a:b]) for b in range(a + 1, min(a + 25, len(text)) + 1))
            else:
                starts += 1
    assert starts > 0


def test_a_literal_separator_is_found_as_the_rule_finds_it(texts, rules):
    cfg = project._config(rules)
    assert cfg.separator_literal == "、"  # the rule file's separator is a plain string
    plain = dataclasses.replace(cfg, separator_literal=None)
    rule = cfg.patterns["project.list_item"]
    found = 0
    for text in texts + EDGE_TEXTS + ["甲、乙", "、", "甲乙、"]:
        for start in range(0, len(text) + 1, 3):
            for end in range(start, min(len(text), start + 40) + 1, 5):
                fast = project._has_separator(text, start, end, cfg)
                assert fast == project._has_separator(text, start, end, plain) == bool(rule.search(text, start, end))
                found += fast
    assert found > 0
    for source in ["a.b", "[、，]", "\\、", "(?i)ab", "#x", "、|，", ""]:
        assert project._literal(regex.compile(source)) is None, source
    assert project._literal(regex.compile("ab", regex.IGNORECASE)) is None
    assert project._literal(regex.compile("、")) == "、"


def test_a_name_of_letters_and_digits_holds_nothing_to_strip():
    """normalise_name (and find) skip the substitution for an alnum name: no character that
    STRIP_FROM_NAME removes is a letter or digit, over all of Unicode."""
    strip = project.STRIP_FROM_NAME
    removed = [c for c in map(chr, range(0x110000)) if strip.match(c)]
    assert len(removed) > 10 and not any(c.isalnum() for c in removed)
    assert project.normalise_name("湘潭智造谷项目") == "湘潭智造谷项目"
    assert project.normalise_name("“湘潭 智造谷”") == "湘潭智造谷"
