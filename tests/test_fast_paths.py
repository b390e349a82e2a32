"""The fast paths of the per-text stages give what the plain ways give.

Each fast path (the tokenizer's offsets and sentences, spans by bisect, folding only the
foldable runs, the decimal-gap regex, the junk count through a table, qualifier words by
their last character) is compared with the obvious implementation it replaced.
"""
from __future__ import annotations

import random
import unicodedata

import pytest
import regex

from pipeline import clean as clean_mod
from pipeline import read
from pipeline.kinds import quantity
from pipeline.kinds.base import ArticleContext, Offsets
from pipeline.nlp import _expanded_span, article_context, build_nlp, run_nlp
from pipeline.segment import get_segmenter

TEXTS = [
    "",
    "a",
    "。",
    "\n",
    "你好。\n\n世界！",
    "𠮷野家。好吃吗？好\n",
    "abc def\r\nx",
    "。。！？;;\n\n",
    "end without break",
    "2020年第一季度，全市完成固定资产投资约25亿元，同比增长12%；其中工业投资3.5亿元。\n第二段没有句号",
]


@pytest.fixture(scope="module")
def nlp():
    return build_nlp()


@pytest.mark.parametrize("text", TEXTS)
def test_tokenizer_offsets_are_the_docs(nlp, text):
    doc = nlp.make_doc(text)
    tokens, sentences = doc.user_data["offsets"]
    assert doc.text == text
    assert [t.text for t in doc] == nlp.tokenizer.segmenter.cut(text)
    assert list(tokens) == [(t.idx, t.idx + len(t.text)) for t in doc] == tokens
    assert list(sentences) == ([(s.start_char, s.end_char) for s in doc.sents] if len(doc) else []) == sentences
    # a sentence starts at the first token and after every token that ends with a break
    starts = [i for i, t in enumerate(doc) if t.is_sent_start]
    breaks = [i + 1 for i, t in enumerate(doc) if i + 1 < len(doc) and t.text[-1] in "。！？!?；;\n"]
    assert starts == ([0] + breaks if len(doc) else [])


def test_tokenizer_offsets_match_jieba_tokenize(nlp):
    text = TEXTS[-1] * 3
    doc = nlp.make_doc(text)
    assert doc.user_data["offsets"][0] == [(s, e) for _, s, e in nlp.tokenizer.segmenter.tokenize(text)]
    assert [t.orth_ for t in doc] == [w for w, _, _ in nlp.tokenizer.segmenter.tokenize(text)]


def test_offsets_read_as_a_list_of_pairs():
    pairs = [(0, 2), (2, 3), (3, 7)]
    offsets = Offsets([0, 2, 3], [2, 3, 7])
    assert offsets == pairs and pairs == offsets and offsets != pairs[:2] and offsets != [(0, 2), (2, 3), (3, 8)]
    assert list(offsets) == pairs and len(offsets) == 3 and bool(Offsets([], [])) is False
    assert offsets[1] == (2, 3) and offsets[-1] == (3, 7) and offsets[1:] == pairs[1:]
    with pytest.raises(IndexError):
        offsets[3]


def test_context_reads_tokens_either_way():
    text = "总投资25亿元。增长12%"
    pairs = [(0, 3), (3, 5), (5, 7), (7, 8), (8, 10), (10, 13)]
    for tokens in (pairs, Offsets([s for s, _ in pairs], [e for _, e in pairs])):
        ctx = ArticleContext("d", text, tokens, [(0, 8), (8, 13)], get_segmenter(""))
        assert [ctx.token_at(i) for i in (0, 2, 3, 9, 12, 13)] == [(0, 3), (0, 3), (3, 5), (8, 10), (10, 13), None]
        assert ctx.sentence_at(7) == (0, 8) and ctx.sentence_at(8) == (8, 13)


def test_spans_by_bisect_are_char_spans(nlp):
    text = TEXTS[-1] + TEXTS[5]
    doc = run_nlp(nlp, text)
    ctx = article_context(doc)
    n = len(text)
    for start in range(-2, n + 3):
        for end in range(-2, n + 3):
            try:
                want = doc.char_span(start, end, label="k", alignment_mode="expand")
                want = want and (want.start, want.end, want.label_)
            except IndexError:
                want = IndexError
            try:
                got = _expanded_span(doc, ctx, start, end, "k")
                got = got and (got.start, got.end, got.label_)
            except IndexError:
                got = IndexError
            assert got == want, (start, end)


def test_spans_carry_rule_and_values(nlp):
    doc = run_nlp(nlp, "总投资约25亿元，增长12%。")
    span = doc.spans["amount"][0]
    assert (span.text, span._.rule_id, span._.values["qualifier"]) == ("25亿元", "amount.number_currency", "approx")


def test_fold_is_translate():
    every = "".join(map(chr, range(0x20, 0x3100))) + "".join(map(chr, range(0xFF00, 0xFF70)))
    assert clean_mod.fold(every) == every.translate(clean_mod._FOLD_TABLE)
    assert clean_mod.fold("２０２０年　增长５．２％，（一）") == "2020年 增长5.2%，（一）"


_OLD_GAP = regex.compile(r"(?<=\d)[ \t]*\n?[ \t]*(?=\.\d)|(?<=\d\.)[ \t]*\n?[ \t]*(?=\d)")


def test_decimal_gap_regex_finds_the_lookbehind_gaps():
    rng = random.Random(7)
    alphabet = list("0123456789..  \t\n\nOa年。٣")
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        want = [m.span() for m in _OLD_GAP.finditer(text) if m.end() > m.start()]
        got = [g for m in clean_mod._OCR_DECIMAL_GAP.finditer(text) if (g := m.span(m.lastindex))[1] > g[0]]
        assert got == want, text


def test_clean_repairs_decimal_gaps():
    c = clean_mod.clean("增长595. 92亿元，另有3\n.5%")
    assert c.text == "增长595.92亿元，另有3.5%"


def _junk_share_ok(text: str) -> bool:
    """The plain way: every character classified."""
    if not text:
        return True
    bad = sum(1 for ch in text if ch not in "\n\r\t\ufeff" and unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs"))
    return bad / len(text) < 0.01


def test_junk_count_through_the_table():
    rng = random.Random(3)
    pool = [chr(c) for c in [*range(0x80), 0xFEFF, 0x3000, 0xD800, 0xDFFF, 0xE000, 0xFFFF, 0x378, 0x4E00,
                             0x10000, 0x1F600, 0xE0001, 0xF0000, 0x10FFFF, 0x2FFFE, 0x3134A]] + ["中"] * 60
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 200)))
        assert read._looks_like_text(text) == _junk_share_ok(text), repr(text)
    for k in range(5):  # around the 1% threshold, in and beyond the BMP
        for junk in ("\x01", "\U000F0000", "\ud800"):
            text = "中" * 297 + junk * k
            assert read._looks_like_text(text) == _junk_share_ok(text)


def _word_right_before_plain(text: str, pos: int, q) -> str:
    for word in q.before_words:
        if text.endswith(word, 0, pos):
            before = text[pos - len(word) - 1:pos - len(word)]
            if before and before in q.not_after.get(word, ""):
                continue
            return q.before[word]
    return ""


@pytest.mark.parametrize("kind", ["amount", "percent"])
def test_qualifier_words_by_last_character(nlp, kind):
    q = quantity.qualifiers(nlp.get_pipe(kind).rules)
    words = list(q.before) + list(q.links) + ["中", "1", "亿", "不"]
    rng = random.Random(5)
    for _ in range(3000):
        text = "".join(rng.choice(words) for _ in range(rng.randint(0, 5)))
        for pos in range(-len(text) - 2, len(text) + 3):
            assert quantity._word_right_before(text, pos, q) == _word_right_before_plain(text, pos, q), (text, pos)
