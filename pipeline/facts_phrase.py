"""Words of a clause with part-of-speech, and the metric phrase cut from them.

A metric phrase is what a number measures (``283个市重点项目``, ``规模工业增加值``):
the clause's words before the predicate with adverbs, pronouns, dates and
clause-opening words trimmed from its edges.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache

from .facts_rules import FactRules


@dataclass(frozen=True)
class Word:
    text: str
    pos: str
    start: int  # clean-copy offsets
    end: int


def tag_words(segmenter, text: str, start: int, end: int, cuts: set[int] = frozenset()) -> list[Word]:
    """Tagged words; a word that straddles a mention edge in ``cuts`` is split there
    (``2025年产值``: jieba's 年产值 must not hide 产值 inside the date 2025年)."""
    words, pos, cuts = [], start, sorted(cuts)
    for w, tag in segmenter.tag(text[start:end]):
        inner = cuts[bisect.bisect_right(cuts, pos):bisect.bisect_left(cuts, pos + len(w))] if cuts else []
        edges = [pos] + inner + [pos + len(w)]
        words += [Word(text[a:b], tag, a, b) for a, b in zip(edges, edges[1:])]
        pos += len(w)
    return words


def boundaries(words: list[Word], offset: int) -> set[int]:
    """Word edges relative to ``offset`` (for matching vocabulary on word boundaries)."""
    return {w.start - offset for w in words} | {w.end - offset for w in words}


def trim(words: list[Word], rules: FactRules, dates: list[tuple[int, int]]) -> list[Word]:
    """Drop pronouns, adverbs, dates, modality and clause-opening words from both edges."""
    conf = rules.subject
    strip_words, keep = _trim_words(rules)
    drop = lambda w, tags: w.text not in keep and (w.text in strip_words or w.pos in tags or _in_dates(w, dates)
                                                   or not w.text.strip())
    lo, hi = 0, len(words)
    while lo < hi and drop(words[lo], conf["strip_pos_leading"]):
        lo += 1
    while hi > lo and drop(words[hi - 1], conf["strip_pos_trailing"]):
        hi -= 1
    return words[lo:hi]


def after_example_list(words: list[Word], rules: FactRules) -> list[Word]:
    """``A、B等23个项目`` measures ``23个项目``: keep what follows the last example marker."""
    markers = set(rules.subject.get("example_markers", []))
    cut = max((i for i, w in enumerate(words) if w.text in markers), default=-1)
    return words[cut + 1:] if 0 <= cut < len(words) - 1 else words


def noun_phrase_prefix(words: list[Word], rules: FactRules) -> list[Word]:
    """The leading noun phrase of a clause with no predicate word: stop at an adverb, a
    preposition or a verb, except a verb that modifies a noun through 的 (集中开工的重大项目)."""
    connectors = set(rules.subject.get("connectors", []))
    out = []
    for i, w in enumerate(words):
        if w.text in connectors and out:
            out.append(w)
            continue
        if w.pos in ("d", "p", "ad") or (w.pos == "v" and not _relative_verb(words, i)):
            break
        out.append(w)
    while out and out[-1].text in connectors:
        out.pop()
    return out


def _relative_verb(words: list[Word], i: int) -> bool:
    """A verb followed by 的 before any adverb or preposition modifies the next noun."""
    for w in words[i + 1:i + 4]:
        if w.text == "的":
            return True
        if w.pos in ("d", "p", "ad"):
            return False
    return False


def phrase_ok(words: list[Word], rules: FactRules) -> bool:
    text = "".join(w.text for w in words)
    conf = rules.subject
    return bool(text) and text not in conf["stop_words"] and len(text) <= conf["max_chars"] \
        and any(w.pos[:1] in ("n", "v", "e", "j", "l") for w in words)  # a bare count (24个) measures nothing


def _in_dates(w: Word, dates: list[tuple[int, int]]) -> bool:
    return any(s < w.end and w.start < e for s, e in dates)


@lru_cache(maxsize=4)
def _trim_words(rules: FactRules) -> tuple[set[str], set[str]]:
    """(words trimmed from a phrase's edges, words always kept), built once per rule set."""
    conf = rules.subject
    strip_words = set(conf["strip_words"]) | set(rules.table("target_date_markers", [])) | _modality_words(rules)
    return strip_words, set(conf.get("keep_words", []))


def _modality_words(rules: FactRules) -> set[str]:
    return {w for words in rules.table("modality", {}).values() for w in words}
