"""Matching shared by the two quantity kinds (amount, percent).

Flow for one article: every pattern of the rule file runs over the working text;
overlapping candidates keep the longest (then the earliest rule in the file);
each survivor is checked against the rule's needs and the tokens, normalised by
the kind's own function, and given a qualifier from the words around it. Lists
that share one unit (``提高3.9、2.0、2.9个百分点``) give one mention per number.
"""
from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import regex

from ..numbers import NumberError
from ..rules import Pattern, RuleSet
from .base import ArticleContext, Mention

Normaliser = Callable[[regex.Match, Pattern, RuleSet], dict]
# A kind's own last check of a kept mention (its values and qualifier known): the reason, or "".
Check = Callable[[str, Mention, RuleSet], str]
_ALNUM = regex.compile(r"[A-Za-z0-9]")
_SPLIT_DIGITS = regex.compile(r"\d[ \t]*\n*[ \t]*$")
_LIST_ITEM = regex.compile(r"(?:\d[\d.,]*|[一二三四五六七八九十百千两]+)[^、，,。；;：:\s\d]{0,6}$")


@dataclass(frozen=True)
class Qualifiers:
    """The qualifier tables as the matcher reads them: word lists sorted longest first and
    regexes compiled once per rule set, not on every mention."""
    before: dict
    before_words: list[str]  # longest first
    before_by_last: dict  # last character -> the before words that end with it, longest first
    not_after: dict
    after: dict
    after_words: tuple[str, ...]  # longest first
    inside: regex.Pattern
    list_separators: str
    links: tuple[str, ...] = ()  # linking verbs allowed between a word and the number (约为)


@lru_cache(maxsize=16)
def qualifiers(rules: RuleSet) -> Qualifiers:
    q = rules.table("qualifiers", {})
    before, after = q.get("before", {}), q.get("after", {})
    before_words = sorted(before, key=len, reverse=True)
    return Qualifiers(before, before_words, _by_last_char(before_words), q.get("not_after", {}), after,
                      tuple(sorted(after, key=len, reverse=True)), regex.compile(q.get("inside", "[多余]")),
                      q.get("list_separators", "、"), tuple(sorted(q.get("links", []), key=len, reverse=True)))


def _by_last_char(words: list[str]) -> dict:
    """Words grouped by their last character, in the order given; an empty word ends every
    group (and stands alone under "")."""
    groups = {}
    for word in words:
        if word:
            groups.setdefault(word[-1], []).append(word)
    empty = [w for w in words if not w]
    return {ch: group + empty for ch, group in groups.items()} | {"": empty}


def find_quantities(ctx: ArticleContext, rules: RuleSet, normalise: Normaliser,
                    check: Check | None = None) -> list[Mention]:
    mentions = []
    for match, pattern in _longest_first(ctx.text, rules):
        mention = Mention(match.start(), match.end(), pattern.id)
        mention.reject = _rejection(ctx, match, pattern, rules)
        try:
            mention.values = normalise(match, pattern, rules)
        except NumberError as exc:
            mention.reject = mention.reject or f"unreadable number: {exc}"
        if not mention.reject and "qualifier" not in mention.values:
            mention.values["qualifier"] = qualifier_of(ctx.text, mention, rules)
        if check and not mention.reject:
            mention.reject = check(ctx.text, mention, rules)
        mentions.append(mention)
    kept = [m for m in mentions if not m.reject]
    mentions += shared_unit_items(ctx, kept, rules, normalise)
    return sorted(mentions, key=lambda m: (m.start, m.end))


def _longest_first(text: str, rules: RuleSet):
    """Candidates of every pattern; among overlapping ones keep the longest, then the
    earliest pattern in the file (so more specific rules go first)."""
    found = []
    patterns = rules.patterns
    for order, matches in enumerate(rules.matches(text)):  # each pattern's finditer(text)
        pattern = patterns[order]
        for m in matches:
            start, end = m.span()
            if end > start:
                found.append((start - end, start, order, m, pattern))
    found.sort()  # longest, leftmost, earliest pattern: no two alike (a pattern's matches start apart)
    starts: list[int] = []  # the taken spans, disjoint, by start
    ends: list[int] = []
    kept = []
    for neg_len, start, _, m, pattern in found:
        end = start - neg_len
        at = bisect.bisect_right(starts, start)  # a taken span overlapping this one is next to it
        if (at and ends[at - 1] > start) or (at < len(starts) and starts[at] < end):
            continue
        starts.insert(at, start)
        ends.insert(at, end)
        kept.append((m, pattern))
    kept.sort(key=lambda c: c[0].start())
    return kept


def _rejection(ctx: ArticleContext, m: regex.Match, pattern: Pattern, rules: RuleSet) -> str:
    """Why this candidate is not a mention, or "" when it is one."""
    text, start, end = ctx.text, m.start(), m.end()
    if _cuts_a_word(ctx, start, end):
        return "starts or ends inside a word"
    suffixes, continuations = _word_tables(rules)
    if text.startswith(suffixes, end):  # one call for all; then the first that matches, for the reason
        return f"size class ({next(s for s in suffixes if text.startswith(s, end))}), not a sum"
    if text.startswith(continuations, end - 1):
        return f"the unit is part of the word {next(w for w in continuations if text.startswith(w, end - 1))}"
    if _SPLIT_DIGITS.search(text, max(0, start - 8), start):
        return "digits split by a space or line break before the number (OCR?): value unsure"
    needs = pattern.options.get("needs", [])
    if "token_end" in needs and _ends_inside_token(ctx, end):
        return "the last character belongs to a longer word"
    if "qualifier" in needs and qualifier_of(text, Mention(start, end, pattern.id), rules) == "exact":
        return "a magnitude without a number or threshold word names a class, not a sum"
    if "context" in needs and not _has_context(text, start, end, rules, pattern.options.get("context_window")):
        return "no money word in the clause"
    return ""


@lru_cache(maxsize=16)
def _word_tables(rules: RuleSet) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The class suffixes and the words that continue a unit, as tuples (for str.startswith)."""
    return tuple(rules.table("class_suffixes", [])), tuple(rules.table("word_continuations", []))


def _cuts_a_word(ctx: ArticleContext, start: int, end: int) -> bool:
    """A match that begins or ends inside a Latin/digit token (``G20``, ``5G``) is not a number."""
    first, last = ctx.token_at(start), ctx.token_at(end - 1)
    if first and first[0] < start and _ALNUM.search(ctx.text[first[0]:start]):
        return True
    return bool(last and last[1] > end and _ALNUM.match(ctx.text[end:last[1]]))


def _ends_inside_token(ctx: ArticleContext, end: int) -> bool:
    token = ctx.token_at(end - 1)
    return bool(token and token[1] > end)


def _has_context(text: str, start: int, end: int, rules: RuleSet, window: int | None = None) -> bool:
    ctx_rules = rules.table("context", {})
    stops = ctx_rules.get("clause_stops", "。；;！？\n")
    window = window or ctx_rules.get("window", 30)
    left = _clause_start(text, start, stops, window)
    # 余额1234亿，比上年增加56亿: a clause that opens with a comparison goes on about the
    # subject of the clause before it
    if left > 0 and text[left - 1] in "，," and text.startswith(tuple(ctx_rules.get("carry_over", ())), left):
        left = _clause_start(text, left - 1, stops, window)
    words = ctx_rules.get("words", [])
    before, after = text[left:start], text[end:end + ctx_rules.get("after", 6)]
    after = after[:next((i for i, c in enumerate(after) if c in stops), len(after))]  # same clause
    if any(word in after for word in words):
        return True
    last = max((before.rfind(w) + len(w) for w in words if w in before), default=-1)
    if last < 0:
        return False
    # 消费人次达3.2亿: a counted noun after the money word says what is counted
    return not any(b in before[last:] for b in ctx_rules.get("blockers", []))


def _clause_start(text: str, pos: int, stops: str, window: int) -> int:
    left = pos
    while left > 0 and text[left - 1] not in stops and pos - left < window:
        left -= 1
    return left


def qualifier_of(text: str, mention: Mention, rules: RuleSet) -> str:
    """The qualifier from the words right before or after the span, else from the
    head of a list the span ends (``分别突破1亿人次、1200亿元``), else 多/余 inside."""
    q = qualifiers(rules)
    found = _word_before(text, mention.start, q)
    found = found or _word_after(text, mention.end, q)
    found = found or _list_head_qualifier(text, mention.start, q)
    # 约3亿余元: 多/余 inside says the written number is a floor, which 约 does not undo
    if found in ("", "approx") and q.inside.search(text, mention.start, mention.end):
        found = "more_than"
    return found or "exact"


def _word_before(text: str, pos: int, q: Qualifiers, links_left: int = 2) -> str:
    """The qualifier word ending at ``pos``, or one before up to two links (约合人民币1200亿元)."""
    found = _word_right_before(text, pos, q)
    # one endswith for all the links first: most numbers follow none
    for link in q.links if not found and links_left and text.endswith(q.links, 0, pos) else ():
        if text.endswith(link, 0, pos):  # 约为12亿元, 最高可达500万元
            found = _word_before(text, pos - len(link), q, links_left - 1)
            if found:
                break
    return found


def _word_right_before(text: str, pos: int, q: Qualifiers) -> str:
    end = pos if 0 <= pos <= len(text) else slice(0, pos).indices(len(text))[1]  # as endswith reads pos
    last = text[end - 1] if end > 0 else ""
    # only the words that end with the character before pos can end there
    for word in q.before_by_last.get(last, q.before_by_last[""]):
        if text.endswith(word, 0, pos):
            before = text[pos - len(word) - 1:pos - len(word)]
            if before and before in q.not_after.get(word, ""):
                continue
            return q.before[word]
    return ""


def _word_after(text: str, pos: int, q: Qualifiers) -> str:
    for word in q.after_words if text.startswith(q.after_words, pos) else ():  # one call when none follows
        if text.startswith(word, pos):
            return q.after[word]
    return ""


def _list_head_qualifier(text: str, pos: int, q: Qualifiers) -> str:
    """Walk back over ``、``-joined items to the first one; take its qualifier word."""
    while pos > 0 and text[pos - 1] in q.list_separators:
        m = _LIST_ITEM.search(text, max(0, pos - 16), pos - 1)
        if not m:
            return ""
        found = _word_before(text, m.start(), q)
        if found:
            return found
        pos = m.start()
    return ""


def shared_unit_items(ctx: ArticleContext, kept: list[Mention], rules: RuleSet, normalise) -> list[Mention]:
    """``分别为12、15亿元`` → a mention for ``12`` with the unit of ``15亿元``."""
    spec = rules.table("shared_unit_list")
    if not spec:
        return []
    item = _shared_item(rules)
    taken = {(m.start, m.end) for m in kept}
    out = []
    for tail in kept:
        pos = tail.start
        while pos > 0 and ctx.text[pos - 1] in spec.get("separators", "、"):
            m = item.search(ctx.text, max(0, pos - 20), pos - 1)
            if not m or (m.start(), m.end()) in taken or _is_list_number(ctx.text, m.start()):
                break
            mention = Mention(m.start(), m.end(), spec["id"])
            mention.values = dict(tail.values, **spec_values(m, tail, spec, normalise, rules))
            own = qualifier_of(ctx.text, mention, rules)
            mention.values["qualifier"] = own if own != "exact" else tail.values["qualifier"]
            out.append(mention)
            pos = m.start()
    return out


@lru_cache(maxsize=16)
def _shared_item(rules: RuleSet) -> regex.Pattern:
    return rules.compile(rules.table("shared_unit_list")["item"] + "$")


def spec_values(m: regex.Match, tail: Mention, spec: dict, normalise, rules) -> dict:
    """Values of a list item: its own number with the tail's unit and multiplier."""
    pattern = Pattern(spec["id"], m.re, m.re.pattern, {"tail": tail.values, **spec})
    return normalise(m, pattern, rules)


def _is_list_number(text: str, start: int) -> bool:
    """``1、`` at the start of a line or sentence numbers a list item."""
    before = text[:start].rstrip(" \t")
    return not before or before[-1] in "\n。；;：:"
