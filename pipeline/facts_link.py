"""Link each amount and percent of a sentence to its subject, predicate, date and modality.

Within its clause a number's subject is, in this order: a noun phrase the number
modifies (``设立2.03亿元解困资金``), its item of a distributed list (``A、B、C投资分别
增长x、y、z``), the metric phrase before the predicate (``283个市重点项目完成投资``), the
object of a money verb (``投放资金358.9亿元``), the subject of an earlier clause of the
sentence (``…，占年度任务94.9%``), or a project named earlier in the sentence. An
investor (``…有限公司投资约25亿元``) gives way to the project the money goes to.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .facts_date import date_is_target, governing_date
from .facts_phrase import Word, after_example_list, boundaries, noun_phrase_prefix, phrase_ok, tag_words, trim
from .facts_rules import FactRules, Match
from .facts_text import FactText, Span, split_spans


@dataclass
class Part:
    text: str
    start: int  # clean offsets
    end: int
    head: tuple[int, int] | None = None  # a shared list head joined to the item (生态环境 + 投资)


@dataclass
class Clause:
    start: int
    end: int
    after_list_comma: bool  # the clause follows a 、 (…18亿元、增长45%)
    words: list[Word] = field(default_factory=list)


@dataclass
class SentenceState:
    """What later clauses of a sentence inherit from earlier ones."""
    subject: Part | None = None
    predicate: Match | None = None
    modality: str | None = None
    list_words: list[Word] = field(default_factory=list)  # the last clause, when it is a 、-list of nouns
    topic: Part | None = None  # the noun phrase ending a clause that opens with a verb (打造…产业集群)


def link_sentence(ft: FactText, rules: FactRules, sentence: tuple[int, int]) -> list[dict]:
    numbers = [(k, n) for k in ("amount", "percent") for n in ft.starting_in(k, *sentence)]
    numbers.sort(key=lambda kn: kn[1].start)
    state, facts = SentenceState(), []
    for clause in clause_spans(ft, rules, sentence, [n for _, n in numbers]):
        clause.words = tag_words(ft.segmenter, ft.text, clause.start, clause.end, _mention_edges(ft, clause))
        inside = [(k, n) for k, n in numbers if clause.start <= n.start < clause.end]
        for kind, number in inside:
            facts.append(link_number(ft, rules, clause, sentence, kind, number, state))
        if not inside:
            _remember_clause(ft, rules, clause, state)
    return facts


def clause_spans(ft: FactText, rules: FactRules, sentence: tuple[int, int], numbers: list[Span]) -> list[Clause]:
    """Split on ，；: and on a 、 that follows a number and precedes more than a bare number."""
    text, sep = ft.text, rules.table("list_separator")
    ends, by_start = {n.end for n in numbers}, {n.start: n for n in numbers}
    out = []
    for s, e in split_spans(text, sentence, rules.table("clause_separators")):
        start = s
        for i in range(s, e):
            if text[i] == sep and i in ends:
                nxt = by_start.get(i + 1)
                rest = text[nxt.end:e].lstrip() if nxt else "x"
                if not (rest == "" or rest[0] == sep or rest[0] in rules.table("sentence_ends")):
                    out.append(Clause(start, i, start > s))
                    start = i + 1
        out.append(Clause(start, e, start > s))
    return out


def _remember_clause(ft: FactText, rules: FactRules, clause: Clause, state: SentenceState) -> None:
    """A clause without numbers passes on its subject (the noun phrase it opens with)."""
    preds = _predicates(ft, rules, clause, clause.end)
    words = trim([w for w in clause.words if not preds or w.end <= preds[0].start], rules, _date_spans(ft, clause))
    listed = after_example_list(words, rules)  # A、B等23个项目 is one subject, not a list
    state.list_words = listed if any(w.text == rules.table("list_separator") for w in listed) else []
    words = after_example_list(noun_phrase_prefix(words, rules), rules)
    if not phrase_ok(words, rules) and preds and preds[0].group == "verbs":  # 新增市场主体3850家: the counted thing
        words = _verb_object(ft, rules, clause, preds[0])
    if phrase_ok(words, rules) and _ends_with_noun(words) and not state.list_words:
        state.subject, state.topic = _part(ft, words), None
    elif not words:
        state.topic = _trailing_noun_phrase(ft, rules, clause) or state.topic
    state.modality = None


def _trailing_noun_phrase(ft: FactText, rules: FactRules, clause: Clause) -> Part | None:
    """``建成…的无缝钢管制造及深加工产业基地``: the noun phrase a clause ends with; a project
    named inside it stands for it."""
    connectors, out = set(rules.subject.get("connectors", [])), []
    for w in reversed(clause.words):
        if not (w.pos[:1] == "n" or w.pos in ("vn", "b", "eng", "j", "l") or (w.text in connectors and out)):
            break
        out.insert(0, w)
    while out and (out[0].text in connectors or out[-1].pos == "vn"):
        out = out[1:] if out[0].text in connectors else out[:-1]
    if not out or not phrase_ok(out, rules):
        return None
    part = _part(ft, out)
    inside = [p for p in ft.starting_in("project", part.start, part.end) if p.end <= part.end]
    return _project_part(ft, inside[-1]) if inside else part


def _verb_object(ft: FactText, rules: FactRules, clause: Clause, verb: Match) -> list[Word]:
    """``新增“四上”单位353家``, ``全市新签约项目48个``: the verb (with an adverb right
    before it) and the noun phrase it counts, up to the count."""
    strip, dates = set(rules.subject["strip_words"]), _date_spans(ft, clause)
    lead = [w for w in clause.words if w.start < verb.start]
    while lead and (lead[0].text in strip or lead[0].pos in ("r", "p", "c", "x")
                    or any(s <= lead[0].start < e for s, e in dates)):
        lead = lead[1:]
    start = lead[0].start if lead and all(w.pos in ("d", "ad", "a") for w in lead) else verb.start
    words = [w for w in clause.words if w.start >= start]
    out = []
    for w in words:
        if w.pos == "q" or any(c.isdigit() for c in w.text) or w.text in ("，", ","):
            break
        out.append(w)
    return out if len(out) > 1 else []


def _ends_with_noun(words: list[Word]) -> bool:
    return words[-1].pos[:1] == "n" or words[-1].pos in ("eng", "j", "l") or words[-1].text in "”」』"


def link_number(ft: FactText, rules: FactRules, clause: Clause, sentence, kind: str, number: Span,
                state: SentenceState) -> dict:
    preds = _predicates(ft, rules, clause, number.start)
    pred = _predicate(ft, rules, clause, number, preds)
    dist = next((w for w in clause.words if w.end <= number.start and w.text in rules.table("distributive_words", [])), None)
    cut = min(pred.start if pred else number.start, dist.start if dist else number.start)
    listed = trim([w for w in clause.words if w.end <= cut], rules, _date_spans(ft, clause))
    own_words, head = after_example_list(listed, rules), None
    own_text = "".join(w.text for w in own_words)
    if rules.predicate_group.get(own_text) == "relations" and not dist:
        if pred is None or pred.word in rules.table("copulas", []):  # 投资额均为5000万元: the relation is the predicate
            pred = Match(own_text, own_words[0].start, own_words[-1].end, "relations")
        else:  # 增速高出…: the relation is the head of an inherited subject
            head = own_words
        own_words = []
    if head and state.topic is not None:  # …打造产业集群，力争产值达300亿元: the output is the cluster's
        subject, source = state.topic, "topic"
    else:
        subject, source = _choose_subject(ft, rules, clause, kind, number, pred, dist, listed, own_words, state)
    subject, source = _with_head(ft, subject, source, head)
    if pred is None and clause.after_list_comma:
        pred = state.predicate
    modality = _modality(ft, rules, clause, pred.start if pred else number.start, source == "inherited", state)
    date, scope = governing_date(ft, rules, (clause.start, clause.end), sentence, number)
    if modality is None:
        modality = "target" if date_is_target(ft, rules, date) else "actual"
    if source in ("own", "enumeration", "inherited", "object"):  # …增加值增长2.5%，比上半年加快1个百分点; 实现营业收入x亿元，增长y%
        state.subject = subject
    state.predicate, state.modality = pred, modality
    return dict(kind=kind, number=number, subject=subject, subject_source=source, predicate=pred,
                date=date, date_scope=scope, modality=modality, sentence=sentence)


def _predicate(ft: FactText, rules: FactRules, clause: Clause, number: Span, preds: list[Match]) -> Match | None:
    """The verb nearest the number; but in ``占全省新增企业数的13.9%`` the phrase before 的 is
    the base of the share, so the first verb is the relation. No verb: the relation noun."""
    verbs = [p for p in preds if p.group == "verbs"]
    if verbs and ft.text[clause.start:number.start].rstrip().endswith("的"):
        return verbs[0]
    return verbs[-1] if verbs else (preds[-1] if preds else None)


def _with_head(ft: FactText, subject: Part | None, source: str, head: list[Word] | None) -> tuple[Part | None, str]:
    if not head:
        return subject, source
    if subject is None:
        return _part(ft, head), "own"
    joined = Part(subject.text + "".join(w.text for w in head), subject.start, subject.end, (head[0].start, head[-1].end))
    return (joined, source) if subject.head is None else (subject, source)


def _choose_subject(ft, rules, clause, kind, number, pred, dist, listed, own_words, state) -> tuple[Part | None, str]:
    after = _noun_after(ft, rules, clause, number)
    if after:
        return after, "after_number"
    if dist is not None:
        part = _distributed(ft, rules, clause, number, dist, listed, state)
        if part:
            return part, "enumeration"
    if kind == "amount" and pred is not None and pred.group == "verbs":  # 提供担保贷款2.17亿元: money given
        obj = trim([w for w in clause.words if pred.end <= w.start and w.end <= number.start], rules, [])
        if phrase_ok(obj, rules):
            return _part(ft, obj), "object"
    if phrase_ok(own_words, rules):
        own = _project_or_phrase(ft, own_words)
        project = _investee(ft, rules, number, own, pred)
        return (project, "investee") if project else (own, "own")
    if state.subject is not None:
        return state.subject, "inherited"
    project = _project_before(ft, clause, number)
    return (project, "project") if project else (None, "")


def _noun_after(ft: FactText, rules: FactRules, clause: Clause, number: Span) -> Part | None:
    """``设立2.03亿元解困资金``, ``过100亿元的企业``: the noun phrase the number modifies."""
    skip = set(rules.subject["stop_words"]) | {"的", "多", "余"}
    words = [w for w in clause.words if w.start >= number.end]
    i = 0
    while i < len(words) and words[i].text in skip:
        i += 1
    if i < len(words):  # 总投资120亿元的新型显示器件项目: a project name is whole, whatever its tags
        named = next(iter(ft.starting_in("project", words[i].start, words[i].start + 1)), None)
        if named:
            return _project_part(ft, named)
    out = []
    for w in words[i:]:
        if not (w.pos[:1] in ("n", "v", "g") or w.pos in ("b", "eng", "j", "l")) or w.text in skip:
            break
        out.append(w)
    while out and not _ends_with_noun(out):
        out.pop()
    return _part(ft, out) if out and phrase_ok(out, rules) else None


def _distributed(ft, rules, clause, number, dist, own_words, state) -> Part | None:
    """``A、B、C投资分别增长x、y、z``: item i of the subject list goes with number i."""
    sep = rules.table("list_separator")
    items = split_spans(ft.text, (dist.end, clause.end), sep)
    index = next((i for i, (s, e) in enumerate(items) if s <= number.start < e), None)
    if any(w.text == sep for w in own_words):
        groups, head = _split_words(own_words, sep), None
        groups, head = _shared_head(groups, rules)
    elif state.list_words:
        groups, head = _split_words(state.list_words, sep), own_words or None
    else:
        return None
    groups = [trim(g, rules, []) for g in groups]
    if index is None or len(groups) != len(items) or not all(groups):
        return None
    part = _part(ft, groups[index])
    if head:
        part.text += "".join(w.text for w in head)
        part.head = (head[0].start, head[-1].end)
    return part


def _split_words(words: list[Word], sep: str) -> list[list[Word]]:
    groups = [[]]
    for w in words:
        if w.text == sep:
            groups.append([])
        else:
            groups[-1].append(w)
    return groups


def _shared_head(groups: list[list[Word]], rules: FactRules) -> tuple[list[list[Word]], list[Word] | None]:
    """The last item's final noun is shared by the items when they are bare fields
    (生态环境、高新技术产业、民生工程投资); items with their own verb are complete metrics."""
    last = groups[-1]
    markers = set(rules.subject.get("example_markers", []))
    cut = next((i for i, w in enumerate(last) if w.text in markers), None)
    if cut is not None and cut < len(last) - 1:
        return groups[:-1] + [last[:cut]], [last[-1]]
    if len(last) > 1 and not any(w.pos == "v" for g in groups[:-1] for w in g):
        return groups[:-1] + [last[:-1]], [last[-1]]
    return groups, None


def _project_or_phrase(ft: FactText, words: list[Word]) -> Part:
    part = _part(ft, words)
    for p in ft.starting_in("project", part.start, part.start + 1):
        if p.end == part.end:
            return _project_part(ft, p)
    return part


def _project_before(ft: FactText, clause: Clause, number: Span) -> Part | None:
    """A project named earlier in the sentence governs a number whose clause names no subject."""
    sentence = ft.enclosing(ft.sentences, number.start)
    return _last_project(ft, sentence[0], number.start)


def _investee(ft: FactText, rules: FactRules, number: Span, own: Part, pred: Match | None) -> Part | None:
    """``…项目签约仪式举行。…有限公司投资约25亿元``: when the subject is the investor (an
    organisation before an investment predicate), the money measures the project the
    sentence names after the number, else before it, else the one the sentence before
    (in the same paragraph) is about. No project named: the investor stays the subject."""
    if pred is None or pred.word not in rules.subject.get("investment_predicates", []) \
            or not own.text.endswith(tuple(rules.subject.get("investor_suffixes", []))):
        return None
    sentence = ft.enclosing(ft.sentences, number.start)
    after = [p for p in ft.starting_in("project", number.end, sentence[1]) if p.end <= sentence[1]]
    if after:
        return _project_part(ft, after[0])
    return _last_project(ft, own.end, number.start, skip=own) \
        or _last_project(ft, _previous_sentence(ft, sentence)[0], sentence[0])


def _last_project(ft: FactText, start: int, end: int, skip: Part | None = None) -> Part | None:
    found = [p for p in ft.starting_in("project", start, end) if p.end <= end
             and not (skip and skip.start <= p.start and p.end <= skip.end)]
    return _project_part(ft, found[-1]) if found else None


def _project_part(ft: FactText, project: Span) -> Part:
    """A project mention as a subject: its text as the article writes it (quotes kept, so
    the offsets check holds; the working copy has page breaks repaired)."""
    return Part(ft.text[project.start:project.end], project.start, project.end)


def _previous_sentence(ft: FactText, sentence: tuple[int, int]) -> tuple[int, int]:
    """The sentence before, when it is in the same paragraph; else an empty span."""
    i = bisect.bisect_right(ft.sentence_starts(), sentence[0]) - 1
    if i < 1 or ft.paragraph_index(ft.sentences[i - 1][0]) != ft.paragraph_index(sentence[0]):
        return sentence[0], sentence[0]
    return ft.sentences[i - 1]


def _modality(ft, rules, clause, upto: int, inherited: bool, state: SentenceState) -> str | None:
    text = ft.text[clause.start:upto]
    found = rules.modality_words(text, boundaries(clause.words, clause.start))
    if found:
        return found[-1].group
    if inherited and clause.after_list_comma and state.modality:
        return state.modality
    return None


def _predicates(ft: FactText, rules: FactRules, clause: Clause, upto: int) -> list[Match]:
    text = ft.text[clause.start:upto]
    found = rules.predicates(text, boundaries(clause.words, clause.start))
    return [Match(m.word, m.start + clause.start, m.end + clause.start, m.group) for m in found]


def _mention_edges(ft: FactText, clause: Clause) -> set[int]:
    return {x for kind in ft.mentions for m in ft.overlapping(kind, clause.start, clause.end) for x in (m.start, m.end)}


def _date_spans(ft: FactText, clause: Clause) -> list[tuple[int, int]]:
    return [(d.start, d.end) for d in ft.overlapping("date", clause.start, clause.end)]


def _part(ft: FactText, words: list[Word]) -> Part:
    return Part(ft.text[words[0].start:words[-1].end], words[0].start, words[-1].end)
