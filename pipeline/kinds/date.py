"""The date kind: calendar points and periods, each resolved to real days.

Matching is the rules' job (``rules/date.yaml``): every pattern's named groups are
turned into a typed :class:`~pipeline.date_resolve.DateExpr` here (``build_expr``),
and ``pipeline.date_resolve`` then supplies the missing year, month or day from the
article, read in order. Word tables (relative words, parts of the year, day words)
are data; this module only knows what each named group means.

Speed, with the same matches as a scan of the whole text per pattern: a pattern with
``starts`` is tried only where its match can begin (``_probed``), and exclusions are
looked for only around the dates found (``_exclusions``); ``tests/test_triggers.py``
compares both with whole-text scans.
"""
from __future__ import annotations

import bisect
import calendar
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache

import regex

from ..date_resolve import (
    DateExpr,
    Point,
    Resolver,
    main_year,
    retrospective_score,
    writing_year,
)
from ..numbers import NumberError, parse_number
from ..rules import LOOKAHEAD_ROOM, RuleSet, _gc_paused, expand
from .base import ArticleContext, Mention

COLUMNS = ["value", "start_date", "end_date", "granularity", "anchor"]
YEAR_MIN, YEAR_MAX = 1900, 2100
WORDS_SLOT = regex.compile(r"\(\?#words:([a-z_]+)\)")  # a regex comment naming a word table


class BadDate(ValueError):
    """A candidate whose numbers do not make a calendar date (13月, 2月30日, year 1200)."""


@dataclass(slots=True)  # thousands per article: made and read faster without a __dict__
class Candidate:
    start: int
    end: int
    rule_id: str
    groups: dict
    reject: str = ""


# ---------------------------------------------------------------- matching

@dataclass(frozen=True)
class Compiled:
    """A pattern, or an exclusion (``reason`` set), ready to scan. ``starts``: quick regexes
    that match wherever a match of the pattern can begin (see ``_probed``), or ().

    ``regex`` is compiled when first read: a pattern with ``starts`` is scanned only inside
    its probe's regex (``_probes``), so its own is compiled only for the tests that compare
    the two (``regex``'s compile is pure Python: ~2 ms a date pattern, every process)."""
    id: str
    source: str
    reason: str = ""
    starts: tuple = ()

    @cached_property
    def regex(self) -> regex.Pattern:
        return regex.compile(self.source)


@lru_cache(maxsize=8)
def compiled_patterns(rules: RuleSet) -> list[Compiled]:
    """The patterns and then the exclusions, each ``(?#words:TABLE)`` slot filled with that
    table's words."""
    def fill(source: str) -> str:
        return WORDS_SLOT.sub(lambda m: f"(?:{_alternation(rules.table(m[1], []))})", source)

    out = []
    for p in rules.patterns:
        starts = p.options.get("starts") or []
        starts = _start_scans(rules, tuple([starts] if isinstance(starts, str) else starts))
        out.append(Compiled(p.id, fill(p.source), "", starts))
    for x in rules.table("exclusions", []):
        out.append(Compiled(x["id"], expand(fill(str(x["regex"])), rules.defs), x.get("reject", "excluded")))
    return out


@lru_cache(maxsize=64)
def _start_scans(rules: RuleSet, sources: tuple[str, ...]) -> tuple[tuple[regex.Pattern, int | None], ...]:
    """A pattern's ``starts`` compiled: (regex, how far before its match the position is;
    None: at its group ``at``), one per source, and for a source that is one word slot one
    per group of the table's words (a word starts where one of the groups matches).
    Patterns with the same ``starts`` share the tuple, and so the positions found."""
    out = []
    for source in sources:
        source = expand(source, rules.defs)
        slot = WORDS_SLOT.fullmatch(source)
        if slot is None:
            assert WORDS_SLOT.search(source) is None, f"starts: a word slot stands alone ({source})"
            scan = regex.compile(source)
            out.append((scan, None if "at" in scan.groupindex else 0))
        else:
            out += [(regex.compile(group), offset) for group, offset in _word_groups(rules.table(slot[1], []))]
    return tuple(out)


def _alternation(words) -> str:
    """A regex alternation of table words (dict keys or a list), longest first."""
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))


def _word_groups(words) -> list[tuple[str, int | None]]:
    """The table's words as regexes led by the literal character they end in, which the regex
    engine searches for quickly, with a lookbehind for the rest: (regex, offset), the word
    starting ``offset`` before the match, or at its group ``at`` (offset None).

    Words of one length: 日(?<=(?:当|次)日), offset length - 1. Words of several: the
    lookbehind captures the longest word that ends there (年(?<=(?P<at>这一|今)年)), so the
    words that end another word (过去的一年 in 刚过去的一年) are searched for again, apart."""
    groups: dict[str, list[str]] = {}
    for w in sorted(words, key=len, reverse=True):
        groups.setdefault(w[-1], []).append(w)
    out = []
    for last, group in groups.items():
        c = regex.escape(last)
        if len({len(w) for w in group}) == 1:
            heads = "|".join(regex.escape(w[:-1]) for w in group)
            out.append((f"{c}(?<=(?:{heads}){c})" if len(group[0]) > 1 else c, len(group[0]) - 1))
            continue
        while group:  # each pass: the words no other word of the pass ends in are found
            heads = "|".join(regex.escape(w[:-1]) for w in group)
            out.append((f"{c}(?<=(?P<at>{heads}){c})", None))
            group = [w for w in group if any(o != w and o.endswith(w) for o in group)]
    return out


def _position(m, offset: int | None) -> int:
    return m.start() - offset if offset is not None else m.start("at")


@dataclass(frozen=True)
class Probe:
    """The patterns that share one ``starts``, tried together at each of its positions by one
    regex: per pattern an optional lookahead that captures the pattern's match there (a
    lookahead matches what the pattern's own regex would, and the empty alternative after
    it means the next one is tried whatever this one did)."""
    regex: regex.Pattern
    patterns: tuple  # per pattern: (id, the number of its whole match's group, ((its group, index in m.groups()), …))


@lru_cache(maxsize=8)
def _probes(rules: RuleSet) -> dict[tuple, Probe]:
    with _gc_paused():  # the compiles make many objects: no collection walks all loaded meanwhile
        return _make_probes(rules)


def _make_probes(rules: RuleSet) -> dict[tuple, Probe]:
    members: dict[tuple, list[Compiled]] = {}
    for p in compiled_patterns(rules):
        if p.starts:
            members.setdefault(p.starts, []).append(p)
    probes = {}
    for starts, patterns in members.items():
        parts = []
        for i, p in enumerate(patterns):
            prefix = f"p{i}_"  # group names made unique to the pattern
            source = _NAMED_GROUP.sub(rf"(?P\1{prefix}\2", p.source)
            parts.append(f"(?:(?=(?P<{prefix}>{source}))|)")
        compiled = regex.compile("".join(parts))
        probes[starts] = Probe(compiled, tuple(_probe_groups(compiled.groupindex, p.id, f"p{i}_")
                                               for i, p in enumerate(patterns)))
    return probes


_NAMED_GROUP = regex.compile(r"\(\?P([<=])([A-Za-z_]\w*)")


def _probe_groups(index: dict, pid: str, prefix: str) -> tuple:
    """(id, the number of the pattern's whole-match group, ((its group, index in m.groups()), …)),
    read from the probe's own groups, so that the pattern's regex is not compiled for them: its
    groups there are those renamed with ``prefix``, in the pattern's order (by number)."""
    names = sorted((n for n in index if n.startswith(prefix) and n != prefix), key=index.get)
    return pid, index[prefix], tuple((n[len(prefix):], index[n] - 1) for n in names)


def _probed(text: str, probe: Probe, starts: tuple, positions: dict) -> dict[str, list[Candidate]]:
    """What the whole-text scans of the probe's patterns find, as candidates per pattern.

    Every match of a pattern begins where its ``starts`` match (the positions are found once
    per text and kept in ``positions``), so taking from the left each match that begins at
    or after the end of the pattern's last one gives finditer's matches (no date pattern
    matches the empty string)."""
    at = positions.get(starts)
    if at is None:
        found_at = set()
        for scan, offset in starts:
            if offset is None:
                found_at.update(m.start("at") for m in scan.finditer(text, overlapped=True))
            else:
                found_at.update(m.start() - offset for m in scan.finditer(text, overlapped=True))
        at = positions[starts] = sorted(found_at)
    found = {pid: [] for pid, _, _ in probe.patterns}
    ends = [0] * len(probe.patterns)
    match = probe.regex.match
    for start in at:
        m = match(text, start)
        values = m.groups()  # one call for all groups: much cheaper than a span per pattern
        for k, (pid, whole, names) in enumerate(probe.patterns):
            if values[whole - 1] and start >= ends[k]:  # matched (not empty), after its last match
                ends[k] = end = m.end(whole)
                found[pid].append(Candidate(start, end, pid, {n: values[g] for n, g in names if values[g]}))
    return found


def pattern_candidates(text: str, rules: RuleSet) -> list[list[Candidate]]:
    """Per pattern (in order), the candidates of ``pattern.regex.finditer(text)``."""
    out, probed, positions = [], {}, {}
    probes = _probes(rules)
    for pattern in compiled_patterns(rules):
        if pattern.reason:
            break
        if pattern.starts:
            if pattern.id not in probed:
                probed.update(_probed(text, probes[pattern.starts], pattern.starts, positions))
            out.append(probed[pattern.id])
            continue
        found, pid, names = [], pattern.id, _group_names(pattern.regex)
        for m in pattern.regex.finditer(text):
            start, end = m.span()
            if end > start:
                values = m.groups()
                found.append(Candidate(start, end, pid, {n: values[g] for n, g in names if values[g]}))
        out.append(found)
    return out


@lru_cache(maxsize=128)
def _group_names(compiled: regex.Pattern) -> tuple[tuple[str, int], ...]:
    """(name, index in ``m.groups()``) of the named groups, in ``groupdict`` order."""
    return tuple((name, compiled.groupindex[name] - 1) for name in compiled.groupindex)


def candidates(text: str, rules: RuleSet) -> list[Candidate]:
    """Every date span the rules find, overlaps settled, exclusions applied."""
    kept = _longest_first([c for found in pattern_candidates(text, rules) for c in found])
    return _apply_exclusions(kept, _exclusions(text, kept, rules))


def _exclusions(text: str, kept: list[Candidate], rules: RuleSet) -> list[tuple[Candidate, str]]:
    """The exclusions' matches that may cover a kept candidate, in the order a scan of the
    whole text per exclusion gives them.

    An exclusion's match is made of ``exclusion_chars``, so one that covers a candidate lies
    inside the run of those characters around it, and no match crosses a run's ends: each
    run alone (with ``exclusion_room`` characters after it for lookaheads) holds the same
    matches as the whole text there. Exclusions have no lookbehinds: nothing before a run
    is needed."""
    runs = _runs_around(text, kept, rules)
    if not runs:
        return []
    pieces, offsets = [], []  # the runs with their room, one string: one scan per exclusion
    room = rules.table("exclusion_room", LOOKAHEAD_ROOM)
    at = 0
    for start, end in runs:
        piece = text[start:min(len(text), end + room)]
        pieces.append(piece)
        offsets.append((at, start, end - start))
        at += len(piece) + 1
    joined = "\x00".join(pieces)  # \x00: in no exclusion
    starts = [o[0] for o in offsets]
    out = []
    for pattern in compiled_patterns(rules):
        if not pattern.reason:
            continue
        for m in pattern.regex.finditer(joined):
            at, start, length = offsets[bisect.bisect_right(starts, m.start()) - 1]
            if m.start() - at < length and m.end() > m.start():
                s = start + m.start() - at
                out.append((Candidate(s, s + m.end() - m.start(), pattern.id, {}), pattern.reason))
    return out


def _runs_around(text: str, kept: list[Candidate], rules: RuleSet) -> list[tuple[int, int]]:
    """The maximal runs of ``exclusion_chars`` that hold a whole kept candidate and more, in order."""
    left, right = _exclusion_runs(rules)
    inside = _exclusion_char(rules)
    runs: list[tuple[int, int]] = []
    for c in kept:
        if runs and c.end <= runs[-1][1]:
            continue
        if not (c.start and inside(text[c.start - 1])) and not (c.end < len(text) and inside(text[c.end])):
            continue  # its run, if any, is c itself: no longer match can cover it
        end = right.match(text, c.start).end()
        if end < c.end:
            continue  # c holds a character no exclusion does
        start = left.match(text, 0, c.start).start()
        if end - start > c.end - c.start:  # else no longer match can cover c
            runs.append((start, end))
    return runs


@lru_cache(maxsize=8)
def _exclusion_char(rules: RuleSet):
    """Is this character one of ``exclusion_chars``? (cached per character: a dict lookup)"""
    chars = regex.compile(rules.table("exclusion_chars"))
    return lru_cache(maxsize=None)(lambda ch: chars.fullmatch(ch) is not None)


@lru_cache(maxsize=8)
def _exclusion_runs(rules: RuleSet) -> tuple[regex.Pattern, regex.Pattern]:
    chars = rules.table("exclusion_chars")
    return regex.compile(f"(?r){chars}*+"), regex.compile(f"{chars}*+")


def _longest_first(cands: list[Candidate]) -> list[Candidate]:
    """Keep the longest of overlapping candidates (the earlier rule on a tie)."""
    order = sorted([(c.start - c.end, i, c) for i, c in enumerate(cands)])  # i differs: c never compared
    starts: list[int] = []  # the taken spans, disjoint, by start
    taken: list[Candidate] = []
    for _, _, c in order:
        at = bisect.bisect_right(starts, c.start)  # a taken span overlapping c is next to it
        if (at and taken[at - 1].end > c.start) or (at < len(taken) and taken[at].start < c.end):
            continue
        starts.insert(at, c.start)
        taken.insert(at, c)
    return taken


def _apply_exclusions(kept: list[Candidate], exclusions) -> list[Candidate]:
    """An exclusion that covers a date candidate replaces it, as a reject with its reason."""
    out = []
    for c in kept:
        cover = next(((x, r) for x, r in exclusions if x.start <= c.start and c.end <= x.end
                      and (x.end - x.start) > (c.end - c.start)), None)
        if cover is None:
            out.append(c)
        elif all(o.start != cover[0].start for o in out):
            x, reason = cover
            out.append(Candidate(x.start, x.end, x.rule_id, {}, reason))
    return out


# ---------------------------------------------------------------- typed values

def build_expr(groups: dict, tables: dict, before: str = "", after: str = "") -> DateExpr:
    """A typed value from a match's named groups; ``before``/``after`` are the text around it."""
    expr, reads = _typed(groups, tables)
    return _in_context(expr, reads, tables, before, after) if reads else expr


def _in_context(expr: DateExpr, reads: str, tables: dict, before: str, after: str) -> DateExpr:
    """The value as the words around it change it (what ``_typed`` says it ``reads``)."""
    if reads == "cues":  # a written year: a goal (到2025年), a comparison base (比2019年), a birth year?
        targets, not_targets, targets_after, comparisons, background, compared_after, since = _cues(tables)
        if before.endswith(background) or _compiled(tables.get("background_after", "(?!)")).match(after):
            return expr._replace(background=True)  # 1965年出生, 始建于1958年: a life's or a firm's past
        target = before.endswith(targets) and not before.endswith(not_targets)
        target = target or after.startswith(targets_after)
        compared = before.endswith(comparisons) or after.startswith(compared_after)
        compared = compared or after.startswith(since)  # 2016年以来: a start of what runs till now
        # 自2022年1月1日起施行: read for a full day only (what it changes is the day the story is on)
        future = expr.start.day is not None and _compiled(tables.get("future_after", "(?!)")).match(after) is not None
        return expr._replace(target=target, compared=compared, future=future) if target or compared or future else expr
    if reads == "future":  # a date from the context: a comparison base (比年初), or a start (1月1日起施行)?
        if before.endswith(_cues(tables)[3]):
            return expr._replace(compared=True)  # 比年初增加: the story stays in the month it was in
        if _compiled(tables.get("future_after", "(?!)")).match(after) is not None:
            return expr._replace(future=True)
    return expr


_TYPED: dict[int, tuple] = {}  # id(tables) -> (tables, {the groups' items: _typed's answer})
_TYPED_KEPT = 4096


def _typed(groups: dict, tables: dict) -> tuple[DateExpr, str]:
    """``_typed_anew``, kept per distinct groups (the same dates recur: 2020年, 一季度 …)."""
    entry = _TYPED.get(id(tables))
    if entry is None or entry[0] is not tables:
        entry = _TYPED[id(tables)] = (tables, {})
    known, key = entry[1], tuple(groups.items())
    found = known.get(key)
    if found is None:
        if len(known) >= _TYPED_KEPT:
            known.clear()
        found = known[key] = _typed_anew(groups, tables)
    return found


def _typed_anew(groups: dict, tables: dict) -> tuple[DateExpr, str]:
    """The value as the groups alone give it, and what of the text around it ``build_expr``
    still reads: "cues" (a written year), "future" (a date from the context) or ""."""
    if "plan" in groups:
        return _plan(groups["plan"], tables["plan_periods"]), ""
    if "dayw" in groups:
        word = tables["day_words"][groups["dayw"]]
        return DateExpr(Point(), base=word["base"], offset=word.get("offset", 0)), ""
    if "monw" in groups:
        return _month_word(groups, tables), ""
    if "relpair" in groups:  # 今明两年: from the writing year, a run of years
        pair = tables["relative_year_pairs"][groups["relpair"]]
        return DateExpr(Point(), base="writing", offset=pair["offset"], more_years=pair["years"] - 1), ""
    rel = tables["relative_words"].get(groups.get("rel", ""), None)
    if "same" in groups:
        if "y" in groups:  # 2019年同期: the last period, in the year written
            return DateExpr(Point(_year(groups["y"])), base="period", year_base="explicit"), ""
        year_base = rel["base"] if rel else "context"
        return DateExpr(Point(), base="period", offset=rel["offset"] if rel else 0, year_base=year_base), ""
    start, end = _shape(groups, tables)
    if "y" in groups or "ys" in groups:
        return DateExpr(start, end, "explicit"), "cues"
    if rel:
        return DateExpr(start, end, rel["base"], rel.get("offset", 0)), ""
    return DateExpr(start, end, "context", numeric="m" in groups or "d" in groups), "future"


_CUES: dict[int, tuple] = {}


def _cues(tables: dict) -> tuple[tuple[str, ...], ...]:
    """The cue word lists as tuples (for str.endswith), made once per tables dict."""
    entry = _CUES.get(id(tables))
    if entry is None or entry[0] is not tables:
        names = ("target_cues", "not_target_cues", "target_after_cues", "comparison_cues", "background_cues",
                 "comparison_after_cues", "since_after_cues")
        entry = _CUES[id(tables)] = (tables, tuple(tuple(tables.get(n, [])) for n in names))
    return entry[1]


@lru_cache(maxsize=16)
def _compiled(source: str) -> regex.Pattern:
    return regex.compile(source)  # regex.match(source, …) looks its cache up at ~10x the cost


def _month_word(groups: dict, tables: dict) -> DateExpr:
    """本月, 上月, 当月底, 本月中旬: year and month come from the issue date or the context."""
    word = tables["month_words"].get(groups["monw"]) or tables["month_edge"]  # 月 of 月底: month_edge
    days = tables["month_parts"].get(groups.get("mpart", ""), {}).get("days")
    start, end = Point(), None
    if days:  # 本月中旬: the 11th to the 20th
        start, end = Point(day=days[0]), Point(day=0 if days[1] == "last" else days[1])
    return DateExpr(start, end, base=word["base"], offset=word.get("offset", 0))


def _plan(numeral: str, table: dict) -> DateExpr:
    """The N-th five-year plan (十三五 → 2016/2020), computed, not looked up."""
    n = _int(numeral)
    if n < table["regular_from"]:
        first = table["first_start"] + table["length"] * (n - 1)
    else:
        first = table["regular_start"] + table["length"] * (n - table["regular_from"])
    return DateExpr(Point(first), Point(first + table["length"] - 1), "explicit")


def _shape(g: dict, tables: dict) -> tuple[Point, Point | None]:
    """The calendar shape: which months/days/quarters, without the year unless written."""
    year = _year(g["y"]) if "y" in g else 2000 + int(g["ys"]) if "ys" in g else None  # 22年上半年
    if "m" in g or "d" in g:
        return _month_day_shape(g, tables, year)
    if "y2" in g:
        return Point(year), Point(_year(g["y2"]))
    if "mto" in g:  # 前10个月
        last = _month(g["mto"].replace("两", "二"))
        return Point(year, month=1), Point(year, month=last)
    if "qpart" in g and "q2" not in g:  # 三季度末: September; 一季度初: January
        q = _quarter(g["q"])
        return Point(year, month=3 * q if g["qpart"] in ("末", "底") else 3 * q - 2), None
    if "q" in g or "qto" in g:
        first = _quarter(g["q"]) if "q" in g else 1
        last = _quarter(g.get("q2") or g.get("qto") or g["q"])
        return Point(year, quarter=first), (Point(year, quarter=last) if last != first else None)
    if "part" in g:
        return _part(g["part"], tables["year_parts"], year), None
    return Point(year), None


def _month_day_shape(g: dict, tables: dict, year: int | None) -> tuple[Point, Point | None]:
    month = _month(g["m"]) if "m" in g else None
    day = _dayn(g["d"]) if "d" in g else None
    if day is not None and month is not None and day > calendar.monthrange(2000, month)[1]:
        raise BadDate(f"{month}月 has no day {day}")  # 2000 is a leap year: 2月29日 may exist
    start = Point(year, month, day)
    if "mpart" in g:
        days = tables["month_parts"].get(g["mpart"], {}).get("days")
        if days:  # 中旬: the 11th to the 20th
            last = 0 if days[1] == "last" else days[1]
            return Point(year, month, days[0]), Point(year, month, last)
    if not any(k in g for k in ("y2", "ynext", "m2", "d2")):
        return start, None
    end_year = _year(g["y2"]) if "y2" in g else year + 1 if "ynext" in g and year else None  # 至次年3月
    # (a yearless start: fill_end gives the end the next year, its month being before the start's)
    end = Point(end_year, _month(g["m2"]) if "m2" in g else None,
                _dayn(g["d2"]) if "d2" in g else None)
    return start, end


def _part(word: str, parts: dict, year: int | None) -> Point:
    spec = parts.get(word) or parts.get("年" + word) or {"unit": "year"}
    unit, n = spec["unit"], spec.get("n")
    return Point(year, month=n if unit == "month" else None, half=n if unit == "half" else None)


@lru_cache(maxsize=1024)
def _int(s: str) -> int:
    try:
        return int(parse_number(s))
    except NumberError as exc:
        raise BadDate(str(exc)) from exc


def _year(s: str) -> int:
    y = _int(s)
    if not YEAR_MIN <= y <= YEAR_MAX:
        raise BadDate(f"year {y} outside {YEAR_MIN}-{YEAR_MAX}")
    return y


def _month(s: str) -> int:
    m = 1 if s == "元" else _int(s)  # 元月: January
    if not 1 <= m <= 12:
        raise BadDate(f"month {m} is not a month")
    return m


def _dayn(s: str) -> int:
    d = _int(s)
    if not 1 <= d <= 31:
        raise BadDate(f"day {d} is not a day of a month")
    return d


def _quarter(s: str) -> int:
    return {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4}.get(s) or _int(s)


# ---------------------------------------------------------------- the article

def find(ctx: ArticleContext, rules: RuleSet) -> list[Mention]:
    tables = rules.data
    cands = ctx.cache.pop("date_candidates", None) or candidates(ctx.text, rules)  # a huge article's, chunk by chunk (extract.py)
    built = [_build(c, ctx.text, tables) for c in cands]
    dateline = _dateline(ctx.text, built, tables.get("dateline", {}))
    issue = ctx.issue_date or (_as_date(built[dateline][1]) if dateline is not None else None)
    resolver = _resolver(ctx, built, dateline, issue, rules)
    mentions, para, at = [], 0, 0  # para: the line breaks before ``at``, counted as the dates go
    for i, (cand, expr) in enumerate(built):
        if cand.reject or expr is None:
            mentions.append(Mention(cand.start, cand.end, cand.rule_id, {}, cand.reject))
            continue
        para = para + ctx.text.count("\n", at, cand.start) if cand.start >= at else ctx.text.count("\n", 0, cand.start)
        at = cand.start
        resolver.paragraph(para)
        mentions.append(_resolve(resolver, cand, expr, remember=i != dateline))
    return mentions


def _build(cand: Candidate, text: str, tables: dict) -> tuple[Candidate, DateExpr | None]:
    """``build_expr`` with the 4 characters before the candidate and the 8 after it, cut from
    the text only for the dates that read them (most take their value from the groups alone)."""
    if cand.reject:
        return cand, None
    try:
        expr, reads = _typed(cand.groups, tables)
    except BadDate as exc:
        cand.reject = str(exc)
        return cand, None
    if reads:
        expr = _in_context(expr, reads, tables, text[max(0, cand.start - 4):cand.start], text[cand.end:cand.end + 8])
    return cand, expr


def _resolve(resolver: Resolver, cand: Candidate, expr: DateExpr, remember: bool) -> Mention:
    try:
        res = resolver.resolve(expr, remember=remember)
    except ValueError as exc:  # 2月30日, 2月29日 of a common year
        return Mention(cand.start, cand.end, cand.rule_id, {}, f"not a calendar date: {exc}")
    values = {"value": res.value, "start_date": res.start_date, "end_date": res.end_date,
              "granularity": res.granularity, "anchor": res.anchor}
    if res.start_date and res.end_date and res.start_date > res.end_date:
        return Mention(cand.start, cand.end, cand.rule_id, values, "start after end")
    return Mention(cand.start, cand.end, cand.rule_id, values)


def _dateline(text: str, built, table: dict) -> int | None:
    """The index of a full date standing on its own line near the top (the article's own date)."""
    rest = _compiled(table.get("rest", r"^\s*$"))
    for i, (cand, expr) in enumerate(built):
        if cand.start > table.get("window", 400):
            break
        if expr is None or expr.base != "explicit" or expr.end or expr.start.day is None:
            continue
        line_start = text.rfind("\n", 0, cand.start) + 1
        line_end = text.find("\n", cand.end)
        after = text[cand.end:line_end if line_end >= 0 else len(text)]
        if not text[line_start:cand.start].strip(" \t#") and rest.match(after):
            return i
    return None


def _title_years(title: str, rules: RuleSet) -> list[int]:
    if not title or not _year_text(rules).search(title):  # a written year (group y/ys) is a {year} or NN年
        return []
    built = [_build(c, title, rules.data)[1] for c in candidates(title, rules)]
    return [e.start.year for e in built if e is not None and e.base == "explicit" and e.end is None]


@lru_cache(maxsize=8)
def _year_text(rules: RuleSet) -> regex.Pattern:
    return rules.compile(r"{year}|\d年")


def _as_date(expr: DateExpr) -> date | None:
    p = expr.start
    try:
        return date(p.year, p.month, p.day)
    except (TypeError, ValueError):
        return None


def _resolver(ctx: ArticleContext, built, dateline, issue: date | None, rules: RuleSet) -> Resolver:
    """The writing year: the issue date's, or for a retrospective the year it reports on."""
    table = rules.table("writing_year", {})
    years = [e.start.year for i, (c, e) in enumerate(built)  # a birth year is not the article's
             if e is not None and e.base == "explicit" and i != dateline and e.end is None and not e.background]
    title_years = set(_title_years(ctx.title, rules))  # 《2020年统计公报》: the title names the year
    n = table.get("head_chars", 200)
    def score() -> int:  # read only when the writing year depends on it
        return retrospective_score(ctx.title + "\n" + ctx.text[:n], ctx.text[n:], table.get("signals", []))

    title_year = title_years.pop() if len(title_years) == 1 else None
    main = main_year(years + [title_year] * 2 if title_year else years)
    wy = writing_year(issue, main, score, table)
    # printed early in a year about the year before, yet not found a retrospective: its 今年 may
    # be either year, so it moves no context (the explicit years keep the story's)
    unsure = issue is not None and wy == issue.year and main == issue.year - 1 \
        and issue.month <= table.get("early_month", 4)
    return Resolver(issue=issue, writing=wy, window_months=table.get("window_months", 6), title_year=title_year,
                    this_year_moves=not unsure, flashback_gap=table.get("flashback_gap", 2))
