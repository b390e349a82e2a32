"""The cheaper ways of the per-article stages give what the plain ways give.

The working copy's map back to the original through its removed spans (the per-character
list is built only when asked for), compared with the list the cleaner used to build.
"""
from __future__ import annotations

import random

from pipeline import clean as clean_mod
from pipeline import nlp as nlp_mod
from pipeline import read
from pipeline.kinds.base import ArticleContext, Offsets
from pipeline.segment import get_segmenter

from .conftest import CORPUS, RULES

SEG = get_segmenter(str(RULES / "lexicon"))


def _plain_offsets(folded_length: int, removed: list[tuple[int, int]]) -> list[int]:
    """The map as ``clean`` built it before: every kept character's original index."""
    offsets, pos = [], 0
    for start, end in removed:
        offsets.extend(range(pos, start))
        pos = end
    offsets.extend(range(pos, folded_length))
    return offsets + [folded_length]


def _random_breaks(rng: random.Random, n: int) -> list[tuple[int, int]]:
    cuts = sorted(rng.sample(range(n + 1), min(n + 1, 2 * rng.randint(0, 4))))
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2]) if b > a]
    return clean_mod._merge_spans(spans)


def test_map_through_removed_spans_is_the_offset_list():
    rng = random.Random(11)
    for _ in range(3000):
        n = rng.randint(0, 40)
        original = "".join(rng.choice("ab\n 。1") for _ in range(n))
        removed = _random_breaks(rng, n)
        kept = "".join(original[a:b] for a, b in zip([0] + [e for _, e in removed], [s for s, _ in removed] + [n]))
        c = clean_mod.CleanText(original, kept, removed)
        plain = _plain_offsets(n, removed)
        assert c.offsets == plain, removed
        assert [c.original_index(i) for i in range(len(kept) + 1)] == plain, removed
        for start in range(len(kept) + 1):
            for end in range(start - 1, len(kept) + 1):
                want = (plain[start], plain[start]) if end <= start else (plain[start], plain[end - 1] + 1)
                assert c.to_original(start, end) == want
        breaks = [0 < i < len(kept) and plain[i] != plain[i - 1] + 1 for i in range(-1, len(kept) + 2)]
        assert [c.is_repaired_break(i) for i in range(-1, len(kept) + 2)] == breaks


def test_clean_keeps_the_same_map_on_real_text():
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    texts += ["今年以来，全市项目建设取得新进展，已经有28个省重\n\n点项目全部开工建设。增长595. 92亿元，另有3\n.5%"]
    for original in texts:
        c = clean_mod.clean(original, SEG)
        assert len(c.offsets) == len(c.text) + 1
        assert c.offsets == _plain_offsets(len(original), c.breaks)
        folded = clean_mod._ocr_zeros(clean_mod.to_simplified(clean_mod.fold(original)))
        assert "".join(folded[i] for i in c.offsets[:-1]) == c.text
        assert [c.original_index(i) for i in range(len(c.text) + 1)] == c.offsets


def _plain_token_bounds(text: str, words: list[str]) -> tuple[list[int], list[int], list[int]]:
    """Offsets word by word, and a sentence after every word but the last ending in a break."""
    starts, ends, pos = [], [], 0
    for word in words:
        starts.append(pos)
        pos += len(word)
        ends.append(pos)
    firsts = [0] + [i + 1 for i, w in enumerate(words[:-1]) if w and w[-1] in nlp_mod._SENTENCE_BREAK]
    return starts, ends, firsts


def _texts_for_tokens() -> list[str]:
    rng = random.Random(5)
    pool = list("。！？!?；;\n，,中国项目投资亿元12 a") + ["\U00020BB7", "\ud800", "\uffff", "\U0010FFFF", "。。"]
    texts = ["", "a", "。", "\n", "。。！？;;\n\n", "𠮷野家。好吃吗？好\n", "end without break"]
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 60))) for _ in range(500)]
    return texts + [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]


def test_token_bounds_are_the_word_by_word_ones():
    assert all(ord(c) < 0x10000 for c in nlp_mod._SENTENCE_BREAK)  # the table covers the BMP
    for text in _texts_for_tokens():
        if not text:
            continue
        if "\ud800" not in text:  # jieba takes no lone surrogate (the cuts below do)
            words = SEG.cut(text)
            assert "".join(words) == text
            got = nlp_mod._token_bounds(text, words)
            assert list(got) == list(_plain_token_bounds(text, words)), text
        # and cut anywhere, not only where jieba cuts (a break inside a word starts nothing)
        rng = random.Random(len(text))
        cuts = sorted(set(rng.sample(range(1, len(text)), min(len(text) - 1, 8)))) if len(text) > 1 else []
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
        got = nlp_mod._token_bounds(text, pieces)
        assert list(got) == list(_plain_token_bounds(text, pieces)), (text, pieces)


def test_kept_offsets_read_as_python_ints():
    doc = nlp_mod.build_nlp().tokenizer.lean("总投资25亿元。增长12%\n第二段")
    tokens, sentences = doc.user_data["offsets"]
    assert list(sentences) == [(0, 8), (8, 14), (14, 17)]
    assert all(type(x) is int for pair in [*tokens, *sentences, tokens[1], sentences[-1]] for x in pair)
    pairs = [(s, e) for _, s, e in SEG.tokenize(doc.user_data["text"])]
    assert tokens == pairs and tokens[1:3] == pairs[1:3] and tokens[-1] == pairs[-1]


def test_sentence_at_is_the_plain_lookup():
    rng = random.Random(9)
    for _ in range(500):
        n = rng.randint(0, 30)
        cuts = sorted(set(rng.sample(range(1, n), min(max(n - 1, 0), rng.randint(0, 5))))) if n > 1 else []
        bounds = [0, *cuts, n] if n else []
        pairs = list(zip(bounds, bounds[1:]))
        for sentences in (pairs, Offsets([s for s, _ in pairs], [e for _, e in pairs])):
            ctx = ArticleContext("d", "x" * n, [], sentences, SEG)
            for pos in range(-2, n + 3):
                plain = next((p for p in reversed(pairs) if p[0] <= pos), pairs[0]) if pairs else (0, n)
                assert ctx.sentence_at(pos) == plain and type(ctx.sentence_at(pos)) is tuple



def test_junk_pattern_is_the_junk_table():
    pattern = read._bmp_junk_pattern()
    every = "".join(map(chr, range(0x10000)))
    assert [m.start() for m in pattern.finditer(every)] == read._bmp_junk().nonzero()[0].tolist()
    assert [c for c in range(0x10000) if read._is_junk(chr(c))] == read._bmp_junk().nonzero()[0].tolist()


def test_junk_share_by_pattern_is_by_code_points():
    rng = random.Random(13)
    pool = [chr(c) for c in [*range(0x80), 0xFEFF, 0x3000, 0xD800, 0xDFFF, 0xE000, 0xF8FF, 0xFFFF, 0x378, 0x4E00]]
    pool += ["中"] * 3000  # junk shares around the 1% threshold
    astral = ["\U0001F600", "\U000F0000"]
    pools = (pool, pool + astral * 30)
    for n in range(3000):
        text = "".join(rng.choices(pools[n % 2], k=rng.randint(0, 300)))
        by_code_points = sum(read._junk_count(codes) for codes in read._code_blocks(text)) / len(text) < 0.01 if text else True
        assert read._looks_like_text(text) == by_code_points, repr(text)


def test_one_scan_for_fold_and_t2s_is_both_steps():
    rng = random.Random(17)
    pool = list("中国项目投资亿元12。，\n ") + ["覆", "瞭", "沈", "龜", "１", "％", "　", "Ａ", "\U00020BB7", "反覆", "藉口"]
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    texts += ["".join(rng.choices(pool, k=rng.randint(0, 30))) for _ in range(3000)]
    skipped = 0
    for text in texts:
        assert clean_mod._fold_and_simplify(text) == clean_mod.to_simplified(clean_mod.fold(text)), text
        skipped += clean_mod._foldable_or_trigger().search(text) is None
    assert skipped > 100
    every = "".join(map(chr, range(0x20, 0x10000))) + "\U00020BB7"
    either = clean_mod._foldable_or_trigger()
    assert [m[0] for m in either.finditer(every)] == [
        c for c in every if clean_mod._FOLDABLE.match(c) or clean_mod._trigger().match(c)]


# ---------------------------------------------------------------- kinds run a group at a time

def _payload(tmp_path, n: int):
    """``n`` articles cut from the bundled corpus, as ``load_batch`` gives them."""
    from pipeline.batch import load_batch, plan
    from pipeline.ledger import Ledger
    from pipeline.rules import rules_version

    folder = tmp_path / "c"
    folder.mkdir()
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    for k in range(n):
        (folder / f"a{k:02d}.txt").write_text(texts[k % len(texts)][k * 40:], encoding="utf-8")
    todo = plan([folder], Ledger(tmp_path / "l.sqlite"), rules_version(RULES)).todo
    return load_batch(todo)


def _rows(done):
    return [(r.doc_id, r.status, r.errors, rows, r.rejects) for r, rows, _ in done]


def test_a_group_gives_what_one_article_at_a_time_gives(tmp_path):
    from pipeline import batch

    payload = _payload(tmp_path, 7)
    one_by_one = [batch._process_group([p], str(RULES), None)[0] for p in payload]
    grouped = batch._process_group(payload, str(RULES), None)
    assert _rows(grouped) == _rows(one_by_one)
    assert sum(len(rows["date"]) for _, rows, _ in grouped) > 20


def test_a_kind_that_fails_on_one_article_of_a_group_costs_only_that_article(tmp_path, monkeypatch):
    from pipeline import batch
    from pipeline.kinds import percent

    payload = _payload(tmp_path, 5)
    before = _rows(batch._process_group(payload, str(RULES), None))
    find = percent.find

    def broken(ctx, rules):
        if ctx.doc_id == "a02":
            raise ValueError("broken on purpose")
        return find(ctx, rules)

    monkeypatch.setattr(percent, "find", broken)
    after = _rows(batch._process_group(payload, str(RULES), None))
    assert [r[1] for r in after] == ["ok", "ok", "failed", "ok", "ok"]
    assert after[2][2][0][2:] == ["extract", after[2][2][0][3]] and "broken on purpose" in after[2][2][0][3]
    assert [r for k, r in enumerate(after) if k != 2] == [r for k, r in enumerate(before) if k != 2]


def test_groups_hold_at_most_so_many_articles_and_bytes(monkeypatch):
    from pipeline import batch

    monkeypatch.setattr(batch, "GROUP_ARTICLES", 3)
    monkeypatch.setattr(batch, "GROUP_BYTES", 10)
    payload = [(k, b"x" * size) for k, size in enumerate([4, 4, 4, 1, 1, 1, 1, 20, 2])]
    assert [[k for k, _ in g] for g in batch._groups(payload)] == [[0, 1], [2, 3, 4], [5, 6], [7], [8]]
