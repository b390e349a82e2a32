"""The project kind: named projects, parks, bases and facilities (SPEC "project").

Method: find a head word (项目, 产业园, 基地 … from ``rules/project.yaml``), then grow
the name leftwards over jieba tokens while their part of speech says "name material"
(nouns, place/organisation names, capacity phrases, quoted names) and stop at
predicates, counts, punctuation and scope words.  Lists separated by ``、`` give one
mention per item; items without a head of their own count when the list is labelled
as projects (``建滔化工、裕华化工等项目``) or sits beside named projects.

Only clauses that hold a head word are POS-tagged: tagging is the slow part.
What else runs per token or per step is kept cheap: the heads of a whole text are found
in one scan (``_clauses_with_heads``), a clause's tokens are parallel lists and not one
object each (``Clause``, from ``Segmenter.tag_columns``), rules anchored at a token's end
are first asked in reverse whether they can end there at all (``EndRule``), and what a
word alone decides is worked out once per word (``WordFacts``, the ``Config`` caches), so
that most steps of a growing name take the word inline. The shortcuts give the same
answers as the plain ways (tests/test_project_speed_equivalence.py).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from itertools import accumulate, compress, count, filterfalse
from operator import itemgetter

import pandas as pd
import regex

from ..rules import RuleError
from .base import ArticleContext, Mention

COLUMNS = ["name", "head"]
RULE_IDS = ("project.head_grow", "project.quoted", "project.list_item")

OPEN_QUOTES = "“‘「『\""
CLOSE_QUOTES = "”’」』\""
QUOTES = OPEN_QUOTES + CLOSE_QUOTES
OPEN_QUOTE_MARK = re.compile("[“‘「『]")  # an opening quote other than the ambiguous "
QUOTE_PAIRS = {"”": "“", "’": "‘", "」": "「", "』": "『", '"': '"'}
PAREN_PAIRS = {")": "(", "）": "（"}
OPEN_PARENS = frozenset(PAREN_PAIRS.values())
STRIP_FROM_NAME = regex.compile(r"[“”‘’「」『』\"\s]")
NUMBER = regex.compile(r"[\d.]+")
HAN_WORD = regex.compile(r"\p{Han}{2,}")
LAST_CHAR = itemgetter(-1)
MAX_PAREN_INNER = 6  # 衡阳(国际)眼镜小镇: a short aside inside a name


@dataclass(frozen=True, slots=True)
class WordFacts:
    """What a token's word and tag alone decide while a name grows over it (see ``_step``);
    worked out once per word and tag, since the same words come back in every clause."""
    closer: bool  # a closing quote or parenthesis
    number: bool  # a number (tagged m, or digits)
    numeric_end: bool  # a capacity, ordinal or count may end with the word (its last character)
    count_in_first: bool  # a count may end on its first character (28/个省)
    conjunction: bool  # 和/及, which may join two capacities
    stop: bool  # never part of a name
    material: bool  # may extend a name
    proper: bool  # a company, place or brand name
    strong: bool  # a place, person or organisation name
    plain: bool  # none of closer, numeric_end, number, count_in_first, conjunction: stop or material decides
    takes: bool  # material and no stop word


@dataclass(slots=True)
class Candidate:
    start: int
    end: int
    head: str
    rule_id: str
    first_tok: int  # index of the first token inside the span
    reject: str = ""
    left_word: str = ""  # the token that stopped the growth
    proper: bool = False  # holds a company/place/brand token or a capacity phrase
    quoted: bool = False  # the whole name is in quotes (打造“科创走廊”)


class EndRule:
    """A rule that must end where the stretch it is tried on ends (``…$``): a capacity
    phrase before a token's end, a count before a head.

    A forward search tries every start (~8 µs on a clause); a reverse match starts at the
    end and fails at once when the last character cannot end a match, which is what
    almost every token gives. Which characters can end a match is asked of the rule itself
    (a partial reverse match of that one character) and remembered. Only when the reverse
    match succeeds does the forward search find the leftmost start. (A stretch here never
    ends in a line break, where ``$`` could also match one character early.)"""

    def __init__(self, source: str):
        self.pattern = source
        self.forward = regex.compile(source)
        self.backward = regex.compile(source, regex.REVERSE)
        self.last_chars: dict[str, bool] = {}  # character -> a match can end with it

    def can_end(self, char: str) -> bool:
        """A match can end with this character."""
        known = self.last_chars.get(char)
        if known is None:
            known = self.last_chars[char] = self.backward.match(char, partial=True) is not None
        return known

    def exists(self, text: str, pos: int | None = None, endpos: int | None = None) -> bool:
        """A match ends at ``endpos`` (the text's end when None)."""
        end = len(text) if endpos is None else endpos
        if end > (pos or 0) and not self.can_end(text[end - 1]):
            return False
        return self.backward.match(text, pos, endpos) is not None

    def search(self, text: str, pos: int | None = None, endpos: int | None = None):
        """The leftmost match that ends at ``endpos``, or None."""
        return self.forward.search(text, pos, endpos) if self.exists(text, pos, endpos) else None


@dataclass
class Config:
    heads: list[str]
    head_set: frozenset[str]
    single_char_heads: set[str]
    head_blockers: set[str]
    grow_tags: set[str]
    proper_tags: set[str]
    strong_proper_tags: set[str]
    name_words: set[str]
    stop_words: set[str]
    before_head_words: set[str]
    place_links: set[str]
    sum_words: set[str]
    sum_verbs: set[str]
    served_regions: set[str]
    zone_park_heads: set[str]
    modifier_conjunctions: set[str]
    ancillary_words: tuple[str, ...]
    numeral_name: regex.Pattern
    joiners: set[str]
    generic_words: set[str]
    generic_heads: set[str]
    role_words: set[str]
    zone_markers: tuple[str, ...]
    company_markers: tuple[str, ...]
    policy_heads: set[str]
    policy_verbs: set[str]
    policy_words: set[str]
    policy_word_works: set[str]
    role_word_units: set[str]
    goal_verbs: set[str]
    description_words: set[str]
    place_category_heads: set[str]
    work_kinds: set[str]
    company_suffixes: set[str]
    label_max: int
    max_chars: int
    capacity: EndRule
    ordinal: EndRule
    count_after: regex.Pattern
    count: EndRule
    numeric_end: EndRule  # a capacity, ordinal or count ends here
    transfer_work: regex.Pattern  # a transfer work's route (南水北调): a work, not a slogan
    numbered_slogan: regex.Pattern  # 两新一重, 一号: a slogan of counted aims
    head_re: regex.Pattern
    head_scan: re.Pattern  # head_re for the stdlib engine: three times faster on a whole text
    boundary_run: tuple | None  # see _boundary_run
    separator_literal: str | None  # the list separator when its rule is a plain string (、), see _literal
    patterns: dict = field(default_factory=dict)
    # per-word answers, filled as words come (the same words come back in every clause)
    facts: dict = field(default_factory=dict)  # (word, tag) -> WordFacts
    count_words: dict = field(default_factory=dict)  # word -> it holds a count
    separators: dict = field(default_factory=dict)  # word -> it is a list separator
    quoted_starts: dict = field(default_factory=dict)  # character -> a project.quoted match may start with it
    heads_by_last: dict = field(default_factory=dict)  # last character -> the heads ending in it, longest first


# Word tables of rules/project.yaml that the Config holds as plain sets, under the same name.
WORD_SET_TABLES = ("single_char_heads", "head_blockers", "grow_tags", "proper_tags", "strong_proper_tags",
                   "name_words", "stop_words", "before_head_words", "place_links", "sum_words", "sum_verbs", "served_regions",
                   "zone_park_heads", "modifier_conjunctions", "joiners", "generic_words", "generic_heads", "role_words",
                   "policy_heads", "policy_verbs", "policy_words", "policy_word_works", "role_word_units", "goal_verbs", "description_words",
                   "place_category_heads", "work_kinds", "company_suffixes")


def _build_config(rules) -> Config:
    t = rules.table
    heads = sorted(set(t("heads", [])), key=len, reverse=True)
    pats = {p.id: p.regex for p in rules.patterns}
    if set(pats) != set(RULE_IDS):
        raise RuleError(f"{rules.path}: project patterns must be exactly {RULE_IDS}, found {sorted(pats)}")
    word_sets = {name: set(t(name, [])) for name in WORD_SET_TABLES}
    return Config(
        heads=heads,
        head_set=frozenset(heads),
        **word_sets,
        zone_markers=tuple(sorted(t("zone_markers", []), key=len, reverse=True)),
        company_markers=tuple(t("company_markers", [])),
        ancillary_words=tuple(t("ancillary_words", [])),
        numeral_name=regex.compile(t("numeral_name_regex")),
        label_max=int(t("list_label_max_chars", 12)),
        max_chars=int(t("max_name_chars", 40)),
        capacity=EndRule(t("capacity_regex")),
        count=EndRule(t("count_regex")),
        ordinal=EndRule(t("ordinal_regex")),
        count_after=regex.compile(t("count_after_regex")),
        transfer_work=regex.compile(t("transfer_work_regex")),
        numbered_slogan=regex.compile(t("numbered_slogan_regex")),
        numeric_end=EndRule("|".join(f"(?:{t(name)})" for name in ("capacity_regex", "ordinal_regex", "count_regex"))),
        head_re=regex.compile("|".join(regex.escape(h) for h in heads)),
        head_scan=re.compile("|".join(re.escape(h) for h in heads)),
        boundary_run=_boundary_run(pats["project.head_grow"], heads),
        separator_literal=_literal(pats["project.list_item"]),
        patterns=pats,
        heads_by_last={h[-1]: [x for x in heads if x[-1] == h[-1]] for h in heads},
    )


_CONFIGS: dict[int, tuple[object, Config]] = {}


def _config(rules) -> Config:
    """One Config per loaded rule set (the loader caches rule sets, so this is per file)."""
    hit = _CONFIGS.get(id(rules))
    if hit is None or hit[0] is not rules:
        hit = _CONFIGS[id(rules)] = (rules, _build_config(rules))
    return hit[1]


# ---------------------------------------------------------------- entry point

def find(ctx: ArticleContext, rules) -> list[Mention]:
    cfg = _config(rules)
    text = ctx.text
    mentions: list[Mention] = []
    strip = STRIP_FROM_NAME.sub
    for cs, ce in _clauses_with_heads(text, cfg):
        for c in _clause_candidates(text, _clause_tokens(ctx, cs, ce), cfg):
            name = text[c.start:c.end]
            if not name.isalnum():  # normalise_name, inline: one call less per mention
                name = strip("", name)
            mentions.append(Mention(c.start, c.end, c.rule_id, {"name": name, "head": c.head}, c.reject))
    return mentions


def normalise_name(span_text: str) -> str:
    """The ``name`` column: the span without quotes, whitespace or page breaks."""
    if span_text.isalnum():
        return span_text  # most names: no character to strip is a letter or digit, so none is there
    return STRIP_FROM_NAME.sub("", span_text)


def _clauses_with_heads(text: str, cfg: Config):
    """(start, end) of every clause that holds at least one head word.

    Few clauses hold one: rather than searching each clause, one scan finds the heads of the
    whole text, and only the clauses around them are looked at."""
    hits = [m.span() for m in cfg.head_scan.finditer(text)]
    if not hits:
        return
    if cfg.boundary_run is None:
        yield from _clauses_touched(text, hits, cfg)
        return
    # the boundary is a run of boundary characters and no head holds one: a head's clause
    # ends at the first boundary character after it and starts after the last one before it
    forward, backward = cfg.boundary_run
    tail, clause_end = text + "\n", -1  # the line break ends the last clause, as in _clauses_touched
    for start, end in hits:
        if start < clause_end:
            continue  # a second head in the same clause
        after = forward.search(tail, end)
        if after is None:
            return
        before = backward.search(text, max(clause_end, 0), start)
        clause_end = after.start()
        yield (before.end() if before else 0), clause_end


def _clauses_touched(text: str, hits: list[tuple[int, int]], cfg: Config):
    """The clauses with heads for any boundary regex: the clauses between its matches that the
    heads found touch, each searched for a head. That gives the same clauses as searching every
    clause: a head inside a clause is either matched by the scan or overlapped by a match."""
    bounds = [m.span() for m in cfg.patterns["project.head_grow"].finditer(text + "\n")]
    ends = [b[0] for b in bounds]  # clause k is text[bounds[k - 1][1]:bounds[k][0]]
    done = -1
    for start, end in hits:
        k = max(bisect.bisect_right(ends, start), done + 1)  # the first clause ending after the head starts
        while k < len(bounds) and (bounds[k - 1][1] if k else 0) < end:
            cs, ce = bounds[k - 1][1] if k else 0, ends[k]
            if ce > cs and cfg.head_re.search(text, cs, ce):
                yield cs, ce
            done, k = k, k + 1


def _boundary_run(boundary: regex.Pattern, heads: list[str]) -> tuple[regex.Pattern, regex.Pattern] | None:
    """(forward, reverse) regexes of one boundary character, when the clause boundary is a run
    of one character class (``[，。…]+``) and no head word holds such a character; else None."""
    source = boundary.pattern
    if not (source.endswith("+") and regex.fullmatch(r"\[(?:\\.|[^\\\[\]])+\]", source[:-1])):
        return None
    one = regex.compile(source[:-1], boundary.flags)
    if any(one.search(h) for h in heads):
        return None
    return one, regex.compile(source[:-1], boundary.flags | regex.REVERSE)


def _literal(pattern: regex.Pattern) -> str | None:
    """The text a rule matches when it is a plain string with the default flags, else None: then
    ``text.find(literal, pos, endpos) >= 0`` says what ``pattern.search(text, pos, endpos)`` says, cheaper."""
    source = pattern.pattern
    if not source or any(c in source for c in ".^$*+?{}[]\\|()#") or pattern.flags != regex.compile(source).flags:
        return None
    return source


@dataclass(slots=True)
class Clause:
    """The tokens of one clause as parallel lists: no object per token (a clause has ~20 tokens,
    and ~45k clauses of 10 MB hold a head), and the lists come from C-speed slicing."""
    words: list[str]
    tags: list[str]
    starts: list[int]  # offsets into ctx.text
    ends: list[int]


def _clause_tokens(ctx: ArticleContext, start: int, end: int) -> Clause:
    """The words and tags of the clause text[start:end], and where each word starts and ends."""
    kept = ctx.words_between(start, end)  # the article's own words, when they are the clause's
    if kept is not None:
        words, tags = ctx.segmenter.tag_words(ctx.text[start:end], kept[0])
        if words is kept[0]:
            return Clause(words, tags, kept[1], kept[2])
    else:
        words, tags = ctx.segmenter.tag_columns(ctx.text[start:end])
    bounds = list(accumulate(map(len, words), initial=start))
    return Clause(words, tags, bounds[:-1], bounds[1:])


# ---------------------------------------------------------------- one clause

def _clause_candidates(text: str, cl: Clause, cfg: Config) -> list[Candidate]:
    cands = []
    # most tokens cannot end a head word: test the last character before anything else (at C speed)
    may_end_head = map(cfg.heads_by_last.__contains__, map(LAST_CHAR, cl.words))
    for i in compress(count(), may_end_head):
        head = _head_of(text, cl, i, cfg)
        if head:
            cands.append(_headed_candidate(text, cl, i, head, cfg))
    if len(cands) > 1:
        cands = _drop_nested(cands)
    if _has_separator(text, cl.starts[0], cl.ends[-1], cfg):
        cands += _list_items(text, cl, cands, cfg)  # most clauses hold no separator, so no list
    return sorted(cands, key=lambda c: c.start) if len(cands) > 1 else cands


def _has_separator(text: str, start: int, end: int, cfg: Config) -> bool:
    """A list separator in text[start:end]."""
    if cfg.separator_literal is not None:
        return text.find(cfg.separator_literal, start, end) >= 0
    return cfg.patterns["project.list_item"].search(text, start, end) is not None


def _head_of(text: str, cl: Clause, i: int, cfg: Config) -> str:
    """The longest head word the text ends with at the end of token ``i``, or ''."""
    words = cl.words
    word = words[i]
    if word in QUOTES:
        return ""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if nxt in cfg.head_blockers:
        return ""
    end = cl.ends[i]
    lo = max(cl.starts[0], end - 8)  # the window text[lo:end] before the token's end
    for head in cfg.heads_by_last.get(word[-1], ()):  # the heads in cfg.heads order that end like the token
        if not text.endswith(head, lo, end):
            continue
        if head in cfg.single_char_heads and (word != head or i == 0 or cl.tags[i - 1][:1] != "n"):
            continue
        if len(head) < len(word) and word[-len(head) - 1:] in cfg.head_set:
            continue  # a longer head ends this token; it is found on its own
        return head
    return ""


def _drop_nested(cands: list[Candidate]) -> list[Candidate]:
    """A head inside a longer name (…产业园 in …产业园项目) is not a mention of its own."""
    keep = []
    for c in cands:
        inside = any(o is not c and o.start <= c.start and c.end <= o.end and (o.end - o.start) > (c.end - c.start)
                     and not o.reject for o in cands)
        if not inside:
            keep.append(c)
    return keep


def _headed_candidate(text: str, cl: Clause, i: int, head: str, cfg: Config) -> Candidate:
    grow = _grow_left(text, cl, i - 1, cl.starts[i], 0, cfg)
    cand = Candidate(grow.start, cl.ends[i], head, "project.head_grow", grow.first_tok,
                     left_word=grow.left_word, proper=grow.proper)
    if grow.left_word in ("与", "和", "及", "、", "以及") or grow.counted or grow.left_tag in ("m", "q"):
        k = _governor_index(cl, grow.left_idx, cfg)
        cand.left_word = cl.words[k] if k >= 0 else ""
        if cand.left_word in ("的", "之"):
            grow.left_idx = k  # the 的 checks of _verdict look at the words before the governing 的
    if grow.inside_quote:
        _quoted_name_alone(cl, i, grow, cand)
    _unquote_whole(text, cl, i, cand, cfg)
    cand.reject = _verdict(text, cl, cand, grow, cfg)
    return cand


def _quoted_name_alone(cl: Clause, i: int, grow: Growth, cand: Candidate) -> None:
    """A head inside quotes that close right after it (雨湖区“湘潭智造谷”): the quoted name is
    the name, so a span never holds an open quote without its close."""
    after = cl.words[i + 1] if i + 1 < len(cl.words) else ""
    if grow.inside_quote and after in CLOSE_QUOTES and grow.quote_tok > cand.first_tok:
        cand.start, cand.first_tok = cl.starts[grow.quote_tok], grow.quote_tok


def _unquote_whole(text: str, cl: Clause, i: int, cand: Candidate, cfg: Config) -> None:
    """When quotes wrap the whole name (打造“科创走廊”) they stay outside the span."""
    if i + 1 >= len(cl.words) or not _may_start_quoted(text[cand.start], cfg):
        return  # most names start with a character no quoted name starts with (a quote, in the rule file)
    if cfg.patterns["project.quoted"].fullmatch(text[cand.start:cl.ends[i + 1]]):
        cand.start += 1
        cand.first_tok += 1
        cand.rule_id = "project.quoted"
        cand.quoted = True


def _may_start_quoted(char: str, cfg: Config) -> bool:
    """A project.quoted match can start with this character: a partial match of it alone says
    whether some text starting with it could match; remembered per character."""
    known = cfg.quoted_starts.get(char)
    if known is None:
        _bound(cfg.quoted_starts)
        known = cfg.quoted_starts[char] = cfg.patterns["project.quoted"].fullmatch(char, partial=True) is not None
    return known


# ---------------------------------------------------------------- growing a name

@dataclass(slots=True)
class Growth:
    start: int  # first character of the name
    first_tok: int  # index of the first token of the name
    left_word: str = ""  # the token that stopped the growth ('' at the clause start)
    left_idx: int = -1  # its index
    left_tag: str = ""
    counted: bool = False  # stopped by a count (283个, 一批)
    proper: bool = False  # a company/place/brand token or a capacity phrase
    strong: bool = False  # a place, person or organisation name (not just a rare term)
    quoted: bool = False  # a quoted stretch is part of the name
    inside_quote: bool = False  # the head itself sits inside an open quote
    quote_tok: int = -1  # then: the index of that open quote
    capacity: bool = False  # a capacity phrase (年产10万吨) distinguishes the name
    joined: tuple = ()  # (index of 和/及, start, first_tok) before the name grew over that conjunction


def _grow_left(text: str, cl: Clause, j: int, start: int, floor: int, cfg: Config) -> Growth:
    """Extend a name leftwards from token ``j`` (inclusive) down to token ``floor``."""
    g = Growth(start, j + 1)
    words = cl.words
    if j >= floor and OPEN_QUOTE_MARK.search(text, cl.starts[floor], cl.ends[j]):  # rare: skip the walk
        j = _enter_open_quote(cl, j, floor, g)
    if j >= floor and words[j] in cfg.before_head_words and j + 1 == g.first_tok:
        j = _take(cl, j, g)  # 锂电池扩建项目: right before the head, 扩建 is part of the name
    tags, facts_of = cl.tags, cfg.facts
    while j >= floor:
        facts = facts_of.get((words[j], tags[j])) or _word_facts(words[j], tags[j], cfg)
        if facts.plain and facts.takes:  # most steps: name material the word alone lets in (_step, inline)
            g.proper = g.proper or facts.proper
            g.strong = g.strong or facts.strong
            g.start, g.first_tok = cl.starts[j], j
            j -= 1
            continue
        step = None if facts.plain else _step(text, cl, j, floor, g, facts, cfg)
        if step is None and words[j] in cfg.place_links and _links_places(cl, j, floor, g):
            step = _take(cl, j, g)  # 濮阳至卫辉高速公路项目: a route from one place to the next
        if step is None and words[j] == " " and _between_latin(cl, j, floor, g):
            step = _take(cl, j, g)  # LG Display: a space inside a Latin name
        if step is None and words[j] in cfg.modifier_conjunctions and _joins_modifiers(text, cl, j, floor, g, cfg):
            g.joined = (j, g.start, g.first_tok)
            step = _take(cl, j, g)  # 航站楼及配套工程: two modifiers of one head
        if step is None:
            g.left_word, g.left_idx, g.left_tag = words[j], j, tags[j]
            break
        j = step
    if j < floor and floor > 0:
        g.left_word, g.left_idx = words[floor - 1], floor - 1
    if g.joined and not (g.proper or g.capacity or g.quoted):
        _undo_join(cl, g)  # 土地和配套工程: what the conjunction joined names nothing either
    first = g.first_tok
    if first < len(words) and (words[first] in OPEN_PARENS or words[first] in cfg.joiners):
        _trim_leading(cl, g, cfg)  # rare: most names start with a word that may start one
    return g


def _links_places(cl: Clause, j: int, floor: int, g: Growth) -> bool:
    """Token ``j`` (至) stands between a place and the place the name starts with, or between two
    numbers (6号至10号)."""
    return j > floor and g.first_tok == j + 1 and cl.tags[j - 1] == cl.tags[j + 1] and cl.tags[j - 1] in ("ns", "m")


def _between_latin(cl: Clause, j: int, floor: int, g: Growth) -> bool:
    """Token ``j`` (one space) stands between a Latin word and the Latin word the name starts with."""
    return (j > floor and g.first_tok == j + 1 and cl.words[j - 1].isascii() and cl.words[j - 1].isalpha()
            and cl.words[j + 1].isascii() and cl.words[j + 1][:1].isalpha())


def _undo_join(cl: Clause, g: Growth) -> None:
    """The name stops at the conjunction it grew over, as if it had not."""
    k, g.start, g.first_tok = g.joined
    g.left_word, g.left_idx, g.left_tag = cl.words[k], k, cl.tags[k]
    g.strong, g.joined = False, ()


def _joins_modifiers(text: str, cl: Clause, j: int, floor: int, g: Growth, cfg: Config) -> bool:
    """Token ``j`` (和/及) joins two modifiers of the one head: what follows it names no company,
    place or capacity, and what precedes it is name material that does not end in a head of its
    own, unless what follows starts with an ancillary word (污水处理厂及配套管网工程)."""
    if g.proper or g.capacity or g.joined or j <= floor or g.first_tok != j + 1 or cl.words[j + 1] in cfg.head_set:
        return False  # a bare head after it (人才和项目) has no modifier to share
    before, tag = cl.words[j - 1], cl.tags[j - 1]
    facts = cfg.facts.get((before, tag)) or _word_facts(before, tag, cfg)
    if not facts.takes or before in cfg.generic_words or before.endswith(cfg.zone_markers):
        return False  # 县(市)区和国家级园区, 高新区和经开区: classes and zones, not modifiers of one name
    own_head = any(text.endswith(h, cl.starts[j - 1], cl.ends[j - 1]) for h in cfg.heads_by_last.get(before[-1], ()))
    return not own_head or text.startswith(cfg.ancillary_words, cl.starts[j + 1])


def _enter_open_quote(cl: Clause, j: int, floor: int, g: Growth) -> int:
    """A head inside quotes (“培育工程”): the whole quoted stretch belongs to the name."""
    depth = 0
    for k in range(j, floor - 1, -1):
        w = cl.words[k]
        if w in CLOSE_QUOTES and w != '"':
            depth += 1
        elif w in OPEN_QUOTES and w != '"':
            if depth == 0:
                g.start, g.first_tok, g.quoted, g.inside_quote, g.quote_tok = cl.starts[k], k, True, True, k
                return k - 1
            depth -= 1
    return j


def _step(text: str, cl: Clause, j: int, floor: int, g: Growth, facts: WordFacts, cfg: Config) -> int | None:
    """Take token ``j`` (and what belongs with it) into the name; the next index, or None to stop.
    ``facts``: the token's WordFacts."""
    word, end = cl.words[j], cl.ends[j]
    k = _quoted_or_paren(cl, j, floor) if facts.closer else None
    if k is not None:
        g.quoted = g.quoted or word in CLOSE_QUOTES
        return _take(cl, k, g)
    # most words cannot end a capacity, ordinal or count: their last character says so (and when
    # it can, EndRule.exists would ask can_end again: the reverse match is asked directly)
    numeric = facts.numeric_end and cfg.numeric_end.backward.match(text, cl.starts[floor], end) is not None
    k = _numeric_start(text, cl, j, floor, g, cfg) if numeric else None
    if k is not None:
        return _take(cl, k, g)
    if facts.number:
        k = _numeral_name(text, cl, j, floor, cfg)
        if k is not None:  # 三一重工: a company written with numerals
            g.proper = g.strong = True
            return _take(cl, k, g)
    if (facts.number or facts.count_in_first or numeric) and _is_count(text, cl.starts[j], end, cl.starts[floor],
                                                                       facts, numeric, cfg):
        g.counted = True
        return None
    if facts.conjunction and g.capacity and j + 1 < len(cl.words) and cl.words[j + 1][:1].isdigit():
        return _take(cl, j, g)  # 年产2万辆商用车和1000辆新能源整车: one capacity list
    if not facts.takes:
        return None
    g.proper = g.proper or facts.proper
    g.strong = g.strong or facts.strong
    return _take(cl, j, g)


def _numeral_name(text: str, cl: Clause, j: int, floor: int, cfg: Config) -> int | None:
    """The first token of a company name written with numerals (三一, 三/一重) that ends with
    token ``j``, inside a name (a word follows it); None for numbers, counts and ranges."""
    if j + 1 >= len(cl.words):
        return None
    k = j
    while k > floor and cl.tags[k - 1] == "m":
        k -= 1
    return k if cfg.numeral_name.match(text[cl.starts[k]:cl.ends[j]]) else None


def _word_facts(word: str, tag: str, cfg: Config) -> WordFacts:
    """What the word and tag alone decide in a step (remembered per word and tag)."""
    _bound(cfg.facts)
    if tag == "x" and HAN_WORD.fullmatch(word):
        tag = "nz"  # a Chinese word jieba does not know (潍柴/x) is a name, not a symbol
    closer = bool(QUOTE_PAIRS.get(word) or PAREN_PAIRS.get(word))
    number = tag == "m" or bool(NUMBER.fullmatch(word))
    numeric_end = cfg.numeric_end.can_end(word[-1])
    count_in_first = len(word) > 1 and cfg.count.can_end(word[0])
    conjunction = word in ("和", "及")
    stop = word in cfg.stop_words or word.isspace()
    material = word in cfg.joiners or word in cfg.name_words or tag in cfg.grow_tags
    facts = cfg.facts[word, tag] = WordFacts(
        closer, number, numeric_end, count_in_first, conjunction, stop, material,
        proper=_has_proper(word, tag, cfg.proper_tags, cfg),
        strong=_has_proper(word, tag, cfg.strong_proper_tags, cfg) and word not in cfg.served_regions,
        plain=not (closer or number or numeric_end or count_in_first or conjunction),
        takes=material and not stop)
    return facts


WORD_CACHE_MAX = 100_000  # words remembered per table; a long run's vocabulary keeps growing


def _bound(cache: dict, room: int = 1) -> None:
    """Start a per-word table afresh when it has no room left, so memory stays bounded on any corpus."""
    if len(cache) + room > WORD_CACHE_MAX:
        cache.clear()



def _numeric_start(text: str, cl: Clause, j: int, floor: int, g: Growth, cfg: Config) -> int | None:
    """The first token of a capacity (年产40万吨) or an ordinal (6号线, 三期) that ends with token ``j``."""
    end, lo = cl.ends[j], cl.starts[floor]
    cap = cfg.capacity.search(text, lo, end)
    if cap and cap.end() == end:
        g.proper = g.capacity = True
        return _token_index_at(cl, cap.start(), floor)
    num = cfg.ordinal.search(text, lo, end)
    if num and num.end() == end and g.start < len(text):
        return _token_index_at(cl, num.start(), floor)
    return None


def _is_count(text: str, start: int, end: int, lo: int, facts: WordFacts, numeric: bool, cfg: Config) -> bool:
    """The token text[start:end] is a number, or a count such as 283个 (jieba may glue the
    classifier on: 28/个省). ``numeric`` False: no count ends with the token (``cfg.numeric_end`` said so)."""
    if facts.number:
        return True
    if numeric and cfg.count.exists(text, lo, end):
        return True
    return facts.count_in_first and cfg.count.exists(text, lo, start + 1)


def _take(cl: Clause, k: int, g: Growth) -> int:
    g.start, g.first_tok = cl.starts[k], k
    return k - 1


def _quoted_or_paren(cl: Clause, j: int, floor: int) -> int | None:
    """Index of the opening quote/parenthesis matching a closing one at ``j``, or None."""
    words = cl.words
    word = words[j]
    opener = QUOTE_PAIRS.get(word) or PAREN_PAIRS.get(word)
    if not opener:
        return None
    for k in range(j - 1, floor - 1, -1):
        if words[k] == opener:
            inner = cl.starts[j] - cl.ends[k]
            limit = MAX_PAREN_INNER if word in PAREN_PAIRS else 20
            return k if 0 < inner <= limit and k > floor - 1 else None
    return None


def _token_index_at(cl: Clause, pos: int, floor: int) -> int:
    """The first token from ``floor`` on that ends after ``pos`` (``floor`` when none does)."""
    k = bisect.bisect_right(cl.ends, pos, floor)  # token ends rise strictly
    return k if k < len(cl.ends) else floor


def _trim_leading(cl: Clause, g: Growth, cfg: Config) -> None:
    """A name does not start with an opening parenthesis or a joiner."""
    words = cl.words
    while g.first_tok < len(words) and (words[g.first_tok] in OPEN_PARENS or words[g.first_tok] in cfg.joiners):
        g.first_tok += 1
        g.start = cl.starts[g.first_tok] if g.first_tok < len(words) else g.start


def _has_proper(word: str, tag: str, tags: set[str], cfg: Config) -> bool:
    """A company, place or brand name: a proper-noun tag on a word that is no zone or generic word."""
    if not word or word in cfg.generic_words or word in cfg.name_words or word.endswith(cfg.zone_markers):
        return False
    return tag in tags


# ---------------------------------------------------------------- verdicts


def _verdict(text: str, cl: Clause, cand: Candidate, grow: Growth, cfg: Config) -> str:
    """Why a headed candidate is not a project name ('' when it is one)."""
    words = _modifier_words(text, cl, cand)
    if not words:
        return "generic"
    if (grow.counted and not cand.proper) or _counted_after(text, cand.end, cfg) or _any_count(words, cfg):
        return "counted"
    if not cand.quoted and (_is_generic(words, cand.head, cfg) or _only_ordinals(words, cfg)
                            or (cand.head in cfg.place_category_heads and _place_category(cl, cand, cfg))):
        return "generic"
    if not cand.quoted and cand.head in cfg.zone_park_heads and _place_category(cl, cand, cfg):
        return "zone"  # 苏州工业园区: places before 园区 name an administrative zone
    if cand.head in cfg.policy_heads and _is_policy(text, cand, words, cfg):
        return "policy"
    if grow.quoted and _quoted_class(text, cand, cfg):
        return "generic"  # 长沙市“三智一芯”产业项目: the projects of the industries a slogan names
    if grow.quoted and _numbered_slogan(text, cand, cfg):
        return "policy"  # “两新一重”项目, “一号工程”: a slogan of counted aims names a programme
    if _common_noun(cl, cand, cfg):
        return "generic"  # 菜篮子工程, 希望工程, 数据中心: a common noun jieba knows whole
    if grow.inside_quote and not cand.quoted and not text.startswith(tuple(CLOSE_QUOTES), cand.end):
        return "quoted phrase"  # the head sits inside a longer quoted phrase (“生产基地物流+互联网”)
    if words[0] in cfg.company_suffixes:
        return "truncated"  # 集团黑岱沟…工程: the company's own name was cut off before 集团
    if not cand.quoted and not cfg.role_words.isdisjoint(words) and not _company_unit(words, cfg):
        return "role"
    named = grow.strong or cand.quoted or grow.capacity  # a capacity distinguishes, as the SPEC says
    if cand.left_word in cfg.goal_verbs and not named:
        return "goal"
    if cand.left_word in ("的", "之") and (_superlative(cl, grow.left_idx, cfg)
                                         or not (named or grow.quoted or _after_sum(cl, grow.left_idx, cfg)
                                                 or (grow.proper and _after_place(cl, grow.left_idx, cfg)))):
        return "description"
    if text.rfind("《", cl.starts[0], cand.start) > text.rfind("》", cl.starts[0], cand.start):  # inside a book title
        return "title"
    if cand.end - cand.start > cfg.max_chars:
        return "too long"
    return ""


def _counted_after(text: str, end: int, cfg: Config) -> bool:
    """A count right after the head (重大项目56个) makes it a number of projects; a count that a
    head follows (…产业化基地3个项目) counts the list the name ends, not the name."""
    m = cfg.count_after.match(text, end)
    return m is not None and cfg.head_re.match(text, m.end()) is None


def _company_unit(words: list[str], cfg: Config) -> bool:
    """The role word belongs to a unit of a company (圆通速递华中区域总部项目), not a designation."""
    joined = "".join(words)
    return any(unit in joined for unit in cfg.role_word_units)


def _any_count(words: list[str], cfg: Config) -> bool:
    """A modifier word holds a count (重大项目 no, 56个 yes); remembered per word."""
    counts = list(map(cfg.count_words.get, words))
    if None in counts:
        _bound(cfg.count_words, len(words))
        counts = [cfg.count_words.setdefault(w, cfg.count.exists(w)) if c is None else c
                  for w, c in zip(words, counts)]
    return True in counts


def _superlative(cl: Clause, de_idx: int, cfg: Config) -> bool:
    """``亚洲最大的…基地``: a superlative description, not a name."""
    word = cl.words[de_idx - 1] if de_idx > 0 else ""
    return word.startswith("最") or word in cfg.description_words


def _after_place(cl: Clause, de_idx: int, cfg: Config) -> bool:
    """``武汉光谷（东湖高新区）的华星光电t5项目``: a place or zone before 的 says where a name that
    holds a company or brand is (湖南的新材料产业基地 holds none: a description); a region a goal
    serves (全国的) does not."""
    k = de_idx - 1
    if k > 0 and cl.words[k] in PAREN_PAIRS:
        k -= 1  # the place inside the parenthesis
    if k < 0 or cl.words[k] in cfg.served_regions:
        return False
    return cl.tags[k] == "ns" or cl.words[k].endswith(cfg.zone_markers)


def _after_sum(cl: Clause, de_idx: int, cfg: Config) -> bool:
    """``投资20亿元的…产业城``, ``投资35亿元建设的…项目``: a sum before 的 (a verb may stand
    between them) introduces one specific undertaking."""
    k = de_idx - 1
    if k > 0 and cl.words[k] in cfg.sum_verbs:
        k -= 1
    return k >= 0 and cl.words[k] in cfg.sum_words


def _place_category(cl: Clause, cand: Candidate, cfg: Config) -> bool:
    """``郴州市重点项目``, ``长沙项目``: a place and class words before 项目 name a category of
    the place's projects, not one project (as 省重点项目 does)."""
    head_start = cand.end - len(cand.head)
    for k in range(cand.first_tok, len(cl.words)):
        start = cl.starts[k]
        if start >= head_start:
            break
        word = cl.words[k][:head_start - start]
        if word in cfg.name_words or word in cfg.work_kinds:
            return False  # 益阳市城市防洪工程: a work done to the place is one undertaking
        if not (cl.tags[k] == "ns" or word in cfg.generic_words or word in QUOTES):  # '' is in QUOTES
            return False
    return True
def _only_ordinals(words: list[str], cfg: Config) -> bool:
    """A phase, number or size alone does not distinguish a name (一期工程, 二期项目, 12英寸项目)."""
    return all(map(cfg.ordinal.forward.fullmatch, words)) or cfg.ordinal.forward.fullmatch("".join(words)) is not None


def _is_generic(words: list[str], head: str, cfg: Config) -> bool:
    """Only class words (重大, 省, 产业 …) or kinds of work (燃气, 污水处理) before the head, or a
    category such as 物流园区."""
    specific = [w for w in words if w not in cfg.generic_words and w not in cfg.work_kinds]
    joined = "".join(words)
    if not specific or joined in cfg.generic_words:
        return True
    return "".join(specific) + head in cfg.generic_heads or joined + head in cfg.generic_heads



def _governor_index(cl: Clause, idx: int, cfg: Config) -> int:
    """Where the word that governs a conjunct or a sized name is (-1: none): skip back over
    与/和/及/、, numbers (打造千亿级…) and name material."""
    words, tags = cl.words, cl.tags
    k = idx
    while 0 <= k:
        word = words[k]
        coordinator = word in ("与", "和", "及", "、", "以及") or tags[k] in ("m", "q") or _conjunct_verb(cl, k)
        material = (tags[k] in cfg.grow_tags or word in cfg.name_words) and word not in cfg.stop_words
        if not (coordinator or material):
            break
        k -= 1
    return k


def _conjunct_verb(cl: Clause, k: int) -> bool:
    """A verb right before 、/和/及 (收储、加工和集散中心) is one item of a list, not its governor."""
    return cl.tags[k][:1] == "v" and k + 1 < len(cl.words) and cl.words[k + 1] in ("、", "和", "及")


def _modifier_words(text: str, cl: Clause, cand: Candidate) -> list[str]:
    """The words of the name before its head word, without quotes and brackets."""
    head_start, starts, ends = cand.end - len(cand.head), cl.starts, cl.ends
    lo = cand.first_tok
    hi = bisect.bisect_left(starts, head_start, lo)  # tokens lo .. hi - 1 start before the head
    if hi <= lo:
        return []
    words = cl.words[lo:hi]
    if cand.start > ends[lo]:  # never so (the name starts in its first token): cut every word
        words = [text[max(starts[k], cand.start):min(ends[k], head_start)] for k in range(lo, hi)]
    else:  # only the first and the last word can stick out of the name
        words[0] = text[max(starts[lo], cand.start):min(ends[lo], head_start)]
        words[-1] = text[max(starts[hi - 1], cand.start):min(ends[hi - 1], head_start)]
    return [w for w in words if w not in QUOTES and w not in "()（）"]  # '' is in QUOTES too


def _quoted_slogan(text: str, cand: Candidate, cfg: Config) -> bool:
    """A quoted phrase right before the head that holds no head word (“四水同治”工程, “村村通”工程)
    names a programme; “郑州东站综合交通枢纽”改造工程 is a work (and the quote is not right before)."""
    head_start = cand.end - len(cand.head)
    if head_start <= cand.start or text[head_start - 1] not in CLOSE_QUOTES:
        return False
    opener = text.rfind(QUOTE_PAIRS[text[head_start - 1]], cand.start, head_start - 1)
    return opener >= 0 and cfg.head_re.search(text, opener + 1, head_start - 1) is None


def _numbered_slogan(text: str, cand: Candidate, cfg: Config) -> bool:
    """The quoted phrase right before the head is a numbered slogan (“两新一重”项目)."""
    head_start = cand.end - len(cand.head)
    if head_start <= cand.start or text[head_start - 1] not in CLOSE_QUOTES:
        return False
    opener = text.rfind(QUOTE_PAIRS[text[head_start - 1]], cand.start, head_start - 1)
    return opener >= 0 and cfg.numbered_slogan.fullmatch(text, opener + 1, head_start - 1) is not None


def _quoted_class(text: str, cand: Candidate, cfg: Config) -> bool:
    """A quoted phrase, then only a class word, then the head (“三智一芯”产业项目)."""
    head_start = cand.end - len(cand.head)
    close = max(text.rfind(q, cand.start, head_start) for q in "”’」』")
    between = text[close + 1:head_start]
    return close >= 0 and between in cfg.generic_words and between not in cfg.name_words and close + 1 < head_start


def _common_noun(cl: Clause, cand: Candidate, cfg: Config) -> bool:
    """The name is one word of jieba's dictionary, not a proper name, that ends in the head:
    a common noun (菜篮子工程, 安居工程, 数据中心), not one undertaking (三峡工程 is tagged nz)."""
    k = cand.first_tok
    return (not cand.quoted and k < len(cl.words) and cl.starts[k] == cand.start and cl.ends[k] == cand.end
            and len(cl.words[k]) > len(cand.head) and cl.tags[k] not in cfg.proper_tags)


def _is_policy(text: str, cand: Candidate, words: list[str], cfg: Config) -> bool:
    """Words of a policy, not a project (a head of ``policy_heads`` only: _verdict asks)."""
    if cfg.transfer_work.search(text, cand.start, cand.end - len(cand.head)):
        return False  # “南水北调”工程 is one built work, whatever verb or quotes come with it
    if cand.left_word in cfg.policy_verbs or _quoted_slogan(text, cand, cfg):
        return True
    quoted_head = cand.end < len(text) and text[cand.end] in CLOSE_QUOTES
    joined = "".join(words)
    for works in cfg.policy_word_works:  # 提质改造: work on a facility, though it holds 提质
        joined = joined.replace(works, "")
    return quoted_head or any(w in joined for w in cfg.policy_words)


# ---------------------------------------------------------------- lists

def _list_items(text: str, cl: Clause, cands: list[Candidate], cfg: Config) -> list[Candidate]:
    """Headless items of a 、-list that is about projects, one candidate each."""
    chunks = _chunks(text, cl, cfg)
    if len(chunks) < 2:
        return []
    label = _list_label(cl, chunks[-1], cands, cfg)
    headed = [c for c in cands if not c.reject or c.reject == "goal"]
    starts, ends = cl.starts, cl.ends  # a candidate is in chunk (lo, hi) when it ends in starts[lo] .. ends[hi]
    if not label and not any(starts[lo] <= c.end - 1 < ends[hi] for c in headed for lo, hi in chunks):
        return []  # neither labelled nor beside a named project (a chunk is never empty)
    head = label.head if label else _shared_head(headed, "项目")
    out = []
    for n, (lo, hi) in enumerate(chunks):
        end_tok = label.first_tok - 1 if label and n == len(chunks) - 1 else hi
        if n == len(chunks) - 1 and not label:
            continue  # an unlabelled last item runs on into the sentence
        if end_tok >= lo and any(starts[lo] <= c.end - 1 < ends[end_tok] for c in cands
                                 if c.rule_id != "project.list_item"):
            continue
        item = _headless_item(text, cl, lo, end_tok, head, n == 0, label is not None, cfg)
        if item:
            out.append(item)
    return out


def _chunks(text: str, cl: Clause, cfg: Config) -> list[tuple[int, int]]:
    """(first, last) token index of each 、-separated stretch of the clause."""
    sep, known, words = cfg.patterns["project.list_item"], cfg.separators, cl.words
    if not sep.search(text, cl.starts[0], cl.ends[-1]):
        return [(0, len(words) - 1)]  # no separator, so no token can be one
    is_sep = list(map(known.get, words))
    if None in is_sep:
        _bound(known, len(words))
        is_sep = [known.setdefault(w, sep.fullmatch(w) is not None) if s is None else s
                  for w, s in zip(words, is_sep)]
    chunks, lo = [], 0
    for k in compress(count(), is_sep):
        chunks.append((lo, k - 1))
        lo = k + 1
    chunks.append((lo, len(words) - 1))
    return [ch for ch in chunks if ch[0] <= ch[1]]


def _shared_head(cands: list[Candidate], default: str) -> str:
    heads = {c.head for c in cands if c.rule_id != "project.list_item"}
    return heads.pop() if len(heads) == 1 else default


@dataclass
class Label:
    first_tok: int  # index of 等
    head: str


def _list_label(cl: Clause, chunk, cands, cfg: Config) -> Label | None:
    """``…等(23个)(重点)项目``: the last item ends at 等 and a generic project phrase follows."""
    lo, hi = chunk
    for k in range(lo, hi + 1):
        if cl.words[k] != "等":
            continue
        for c in cands:
            gap = c.start - cl.ends[k]
            if c.reject in ("generic", "counted") and 0 <= gap and c.end - cl.ends[k] <= cfg.label_max + len(c.head):
                if "的" in cl.words[k + 1:bisect.bisect_left(cl.starts, c.start)]:
                    return None  # 赣州市、九江市等地的产业园区: the list names places, not projects
                return Label(k, c.head)
        return None
    return None


def _headless_item(text, cl: Clause, lo, hi, head, first, labelled, cfg: Config) -> Candidate | None:
    """One list item without a head word: kept when it holds a company, place or brand name.

    Inside a list labelled as projects a middle item is taken whole (新敏雅150亿瓦时高能比电池);
    elsewhere every token of it must be name material.
    """
    if hi < lo or cl.words[hi] in CLOSE_QUOTES + ")）":
        return None
    end = cl.ends[hi]
    g = _grow_left(text, cl, hi, end, lo, cfg)
    if labelled and not first:
        g = _whole_chunk(text, cl, lo, hi, g, cfg)
    if g.first_tok > hi or (not first and g.first_tok != lo):
        return None
    item_text = text[g.start:end]
    cand = Candidate(g.start, end, head, "project.list_item", g.first_tok, left_word=g.left_word,
                     proper=g.proper)
    if item_text.endswith(cfg.zone_markers):
        cand.reject = "zone"
    elif item_text.endswith(cfg.company_markers):
        cand.reject = "company"
    elif not g.proper or item_text in cfg.generic_words:
        cand.reject = "generic"
    return cand


def _whole_chunk(text, cl: Clause, lo, hi, g: Growth, cfg: Config) -> Growth:
    start, end = cl.starts[lo], cl.ends[hi]
    whole = Growth(start, lo, proper=g.proper)
    whole.proper = whole.proper or any(_has_proper(w, t, cfg.proper_tags, cfg)
                                       for w, t in zip(cl.words[lo:hi + 1], cl.tags[lo:hi + 1]))
    whole.proper = whole.proper or bool(cfg.capacity.search(text[start:end] + "$")
                                        or _capacity_inside(text, start, end, cfg))
    return whole

def _capacity_inside(text: str, start: int, end: int, cfg: Config) -> bool:
    """A capacity phrase anywhere in text[start:end] (the rule is anchored at its end)."""
    return any(cfg.capacity.exists(text, start, k) for k in range(start + 2, end + 1))


# ---------------------------------------------------------------- corpus index

INDEX_COLUMNS = ["name", "head", "articles", "mentions"]


def build_projects_index(projects_df: pd.DataFrame) -> pd.DataFrame:
    """``projects_index.csv``: each distinct project name once, with how many articles
    and mentions it has (most-mentioned first), so a researcher sees what the corpus
    talks about. ``head`` is the name's most frequent head word."""
    if projects_df is None or projects_df.empty:
        return pd.DataFrame(columns=INDEX_COLUMNS)
    df = projects_df[projects_df["name"].astype(str).str.len() > 0]
    grouped = df.groupby("name", sort=False)
    index = pd.DataFrame({
        "head": grouped["head"].agg(lambda s: s.value_counts().index[0]),
        "articles": grouped["doc_id"].nunique(),
        "mentions": grouped.size(),
    }).reset_index()
    index = index.sort_values(["mentions", "articles", "name"], ascending=[False, False, True], kind="stable")
    return index[INDEX_COLUMNS].reset_index(drop=True)
