"""The date that governs a number: the clause's own, else the sentence's, else the
paragraph's last one, else the last one of the enclosing section (a heading's own
content, or the content of the headings above it: ``到2025年…“四大目标”`` governs
``目标一…年均增长9%``). Comparison bases (比上半年, 较去年同期) never govern."""
from __future__ import annotations

import bisect

import regex

from .facts_rules import FactRules
from .facts_text import FactText, Span


def governing_date(ft: FactText, rules: FactRules, clause: tuple[int, int], sentence: tuple[int, int],
                   number: Span) -> tuple[Span | None, str]:
    """(the date mention, the scope it was found in: clause/sentence/paragraph/section)."""
    dates = usable_dates(ft, rules)
    own = [d for d in _starting_in(ft, dates, *clause) if d.end <= clause[1]]
    before = [d for d in own if d.end <= number.start]
    if own:
        return (before[-1] if before else own[0]), "clause"
    in_sentence = [d for d in _starting_in(ft, dates, *sentence) if d.end <= sentence[1]]
    before = [d for d in in_sentence if d.end <= clause[0]]
    if in_sentence:
        return (_refined(before[-1], before) if before else in_sentence[0]), "sentence"
    para = ft.paragraphs[ft.paragraph_index(number.start)]
    earlier = [d for d in _starting_in(ft, dates, para[0], sentence[0]) if d.end <= sentence[0]]
    carried = [d for d in earlier if opens_sentence(ft, rules, d)] or earlier
    if carried:
        return _refined(carried[-1], earlier), "paragraph"
    return _section_date(ft, rules, dates, ft.paragraph_index(number.start))


def _starting_in(ft: FactText, dates: list[Span], lo: int, hi: int) -> list[Span]:
    """The usable dates with lo <= start < hi (a date ending by hi starts before it)."""
    return ft.starting_in("usable_date", lo, hi, dates)


def opens_sentence(ft: FactText, rules: FactRules, d: Span) -> bool:
    """A date carries on to the next sentences only when it opens its own (``前三季度，…``,
    ``2020年，…``); a date inside a statement (``一季度、半年均居全省第一``) stays in it."""
    sentence = ft.enclosing(ft.sentences, d.start)
    lead = ft.text[sentence[0]:d.start]
    for word in _longest_first(rules):
        lead = lead.replace(word, "")
    return not regex.sub(r"[\s\d.、，,：:#*]", "", lead)


def _longest_first(rules: FactRules) -> list[str]:
    words = rules.table("date_lead_words", [])
    key = ("date_lead_words", id(words))
    if _LEAD_WORDS.get("key") != key:  # sorted once per rules, not once per date
        _LEAD_WORDS.update(key=key, words=sorted(words, key=len, reverse=True), table=words)
    return _LEAD_WORDS["words"]


_LEAD_WORDS: dict = {}


def _refined(chosen: Span, earlier: list[Span]) -> Span:
    """``2021年1月22日，2021年…项目集中开工``: a coarser date right after a finer one inside
    it does not replace it."""
    i = earlier.index(chosen)
    while i > 0 and _within(earlier[i - 1], earlier[i]):
        i -= 1
    return earlier[i]


def _within(inner: Span, outer: Span) -> bool:
    a, b = inner.row, outer.row
    return (a["start_date"], a["end_date"]) != (b["start_date"], b["end_date"]) \
        and b["start_date"] <= a["start_date"] and a["end_date"] <= b["end_date"]


def usable_dates(ft: FactText, rules: FactRules) -> list[Span]:
    """The article's dates that may govern a number, found once per article (not once per number)."""
    if "usable_dates" not in ft.cache:
        ft.cache["usable_dates"] = [d for d in ft.mentions.get("date", []) if _usable(ft, rules, d)]
    return ft.cache["usable_dates"]


def _usable(ft: FactText, rules: FactRules, d: Span) -> bool:
    if not isinstance(d.row.get("start_date"), str):
        return False  # unresolved (XXXX-03-12): no period to report
    left = ft.text[max(0, d.start - 3):d.start]
    return not any(left.endswith(m) for m in rules.table("comparison_markers", []))


def _section_date(ft: FactText, rules: FactRules, dates: list[Span], para_index: int) -> tuple[Span | None, str]:
    """The last date before the paragraph among the paragraphs of its heading and of the
    headings above it (any date of a section's own text counts: its introduction, …明确了到2025年
    …“四大目标”:, frames it). Each heading's paragraphs are a run of the text, searched by bisection.
    In a window of a huge article the chain goes on in the headings ``ft.carried`` from earlier
    windows; the window's paragraphs before its first heading belong to the last of them."""
    owner, before = _owners(ft), ft.paragraphs[para_index][0]
    best, h, level = None, owner[para_index], None
    while True:
        if h < 0 and ft.carried and level is not None and ft.carried[-1][0] >= level:
            break  # the opening paragraphs' heading is not above this one
        found = _last_date_in(ft, dates, _owned_span(ft, h, before))
        if found is not None and (best is None or found.start > best.start):
            best = found
        if h < 0:
            break
        level, h = ft.headings[h], _parent_heading(ft, h)
    if best is None:  # the chain's headings in earlier windows, in text order: the last date wins
        best = next((d for lvl, d in reversed(ft.carried) if d is not None and (level is None or lvl < level)), None)
    return (best, "section") if best is not None else (None, "")


def carried_sections(ft: FactText, rules: FactRules) -> list[tuple[int, Span | None]]:
    """What the next window of a huge article needs of this one and the earlier ones for the
    section fallback: the headings that can still be above a later paragraph (each above the
    next; level 0 is the text before any heading), each with the last date of its paragraphs."""
    dates, end = usable_dates(ft, rules), len(ft.text) + 1
    stack = list(ft.carried) or [(0, None)]
    opening = _last_date_in(ft, dates, _owned_span(ft, -1, end))
    if opening is not None:
        stack[-1] = (stack[-1][0], _carried(ft, rules, opening))
    for h in _heading_order(ft):
        while stack[-1][0] >= ft.headings[h]:  # a heading closes the sections of its level and below
            stack.pop()
        found = _last_date_in(ft, dates, _owned_span(ft, h, end))
        stack.append((ft.headings[h], found and _carried(ft, rules, found)))
    return stack


def _carried(ft: FactText, rules: FactRules, d: Span) -> Span:
    """A date that outlives its window: what its window's text says of it, kept with it."""
    return Span(d.start, d.end, d.row, target=date_is_target(ft, rules, d))


def _owned_span(ft: FactText, h: int, before: int) -> tuple[int, int]:
    """Text offsets from heading ``h``'s paragraph (the article's start for -1) to the next
    heading's (or ``before``, when earlier)."""
    first = max(h, 0)
    order = _heading_order(ft)
    i = bisect.bisect_right(order, h)
    nxt = order[i] if i < len(order) else len(ft.paragraphs)
    end = ft.paragraphs[nxt][0] if nxt < len(ft.paragraphs) else len(ft.text) + 1
    return ft.paragraphs[first][0] if ft.paragraphs else 0, min(end, before)


def _last_date_in(ft: FactText, dates: list[Span], span: tuple[int, int]) -> Span | None:
    """The last date starting in ``span`` inside a paragraph (as the paragraph scan found them)."""
    for d in reversed(_starting_in(ft, dates, *span)):
        if ft.paragraph_index(d.start) >= 0:
            return d
    return None


def _heading_order(ft: FactText) -> list[int]:
    if "heading_order" not in ft.cache:
        ft.cache["heading_order"] = sorted(ft.headings)
    return ft.cache["heading_order"]


def _owners(ft: FactText) -> list[int]:
    """For each paragraph, the index of the heading it sits under (-1: before any heading)."""
    if "owners" not in ft.cache:
        owners, current = [], -1
        for i in range(len(ft.paragraphs)):
            if i in ft.headings:
                current = i
            owners.append(current)
        ft.cache["owners"] = owners
    return ft.cache["owners"]


def _parent_heading(ft: FactText, h: int) -> int:
    parents = ft.cache.setdefault("parent_heading", {})
    if h not in parents:
        level = ft.headings[h]
        parents[h] = next((j for j in range(h - 1, -1, -1) if j in ft.headings and ft.headings[j] < level), -1)
    return parents[h]


def date_is_target(ft: FactText, rules: FactRules, d: Span | None) -> bool:
    """``到2025年`` / ``力争2025年``: a target marker as the word right before the date
    (a whole word: ``时间回到2021年`` looks back, it sets no target)."""
    if d is None:
        return False
    if d.target is not None:  # carried from an earlier window, whose text this is not
        return d.target
    words = ft.segmenter.cut(ft.text[max(0, d.start - 6):d.start])
    return bool(words) and words[-1] in rules.table("target_date_markers", [])
