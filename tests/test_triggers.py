"""A pattern with a ``trigger`` runs only over the trigger regions (speed); it must find
exactly what a scan of the whole text finds, on every rule example and bundled article."""
from pathlib import Path

import pytest
import regex

from pipeline.rules import RuleError, _load, load_rules

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("amount", "percent", "date", "project")


def _texts():
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    for kind in KINDS:
        texts += [str(e.get("text", "")) for e in load_rules(kind).examples]
    return texts + ["\n".join(texts)]


def _found(matches):
    return [(m.span(), m.groupdict()) for m in matches]


@pytest.mark.parametrize("kind", KINDS)
def test_trigger_regions_find_what_the_whole_text_scan_finds(kind):
    texts = _texts()
    for pattern in load_rules(kind).patterns:
        if pattern.trigger is None:
            continue
        for text in texts:
            assert _found(pattern.finditer(text)) == _found(pattern.regex.finditer(text)), (pattern.id, text[:60])


@pytest.mark.parametrize("kind", KINDS)
def test_every_triggered_pattern_tells_the_characters_its_matches_need(kind):
    """Speed guard: a pattern whose parse tree the walkers cannot read (``\\p{Han}``, a group name
    used twice: Python's parser refuses them) is searched in every run of its trigger characters,
    ~3x the work. Write such a piece as code-point ranges and one group."""
    from pipeline.rules import _needed_sets

    for p in load_rules(kind).patterns:
        if p.trigger is not None:
            assert _needed_sets(p.source, p.regex.flags), p.id


def test_lookbehind_sees_before_the_region_and_dollar_stays_at_the_end(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "kind: x\nmatch_chars: '[\\d元]'\npatterns:\n"
        "  - {id: a, trigger: 元, regex: '(?<!x)\\d+元(?=$|y)'}\n", encoding="utf-8")
    pattern = _load(str(tmp_path / "x.yaml"), "x").patterns[0]
    for text in ["x5元", "a5元", "a5元y", "a5元z", "5元" + "z" * 40 + "6元", "12元34元 x7元"]:
        assert _found(pattern.finditer(text)) == _found(pattern.regex.finditer(text)), text


def test_a_trigger_needs_match_chars_that_hold_it(tmp_path):
    (tmp_path / "x.yaml").write_text("kind: x\npatterns:\n  - {id: a, trigger: 元, regex: '元'}\n", encoding="utf-8")
    with pytest.raises(RuleError, match="match_chars"):
        _load(str(tmp_path / "x.yaml"), "x")
    (tmp_path / "y.yaml").write_text("kind: x\nmatch_chars: '[\\d]'\npatterns:\n  - {id: a, trigger: 元, regex: '元'}\n",
                                     encoding="utf-8")
    with pytest.raises(RuleError, match="trigger characters"):
        _load(str(tmp_path / "y.yaml"), "x")


# ---- dates: ``starts`` (where a pattern's match can begin) and ``exclusion_chars``

def _date_texts():
    """The texts above plus random strings of date characters, words and corpus pieces."""
    import random
    rnd = random.Random(6)
    texts = _texts()
    alpha = list("0123456789０１〇○零一二三四五六七八九十两年月日号 \t\n\u00a0—–-~～至到/.．、第季度前个份上中下旬"
                 "初底末全半今本去明后当同这那该次翌刚过的天即昨期五每近用连续历史多余内以之游马比较于国省市规划计时间#")
    alpha += ["年底", "同期", "去年", "十四五", "2020年", "3月", "12日", "上半年", "当天", "本月", "\n3.", "马上",
              "近年来", "连续3年", "2000多年历史", "同年级", "每年的", "3日内"]
    pieces = [p for t in texts for p in t.split("\n") if p]
    for _ in range(1500):
        texts.append("".join(rnd.choice(alpha) for _ in range(rnd.randint(1, 40))))
        texts.append("".join(rnd.choice(pieces)[:rnd.randint(1, 60)] + rnd.choice(alpha) for _ in range(rnd.randint(1, 6))))
    return texts


def test_date_patterns_tried_where_they_can_start_find_what_the_whole_text_scan_finds():
    from pipeline.kinds.date import compiled_patterns, pattern_candidates
    rules = load_rules("date")
    patterns = [p for p in compiled_patterns(rules) if not p.reason]
    assert sum(1 for p in patterns if p.starts) >= 10
    for text in _date_texts():
        for p, found in zip(patterns, pattern_candidates(text, rules)):
            whole = [(m.span(), {k: v for k, v in m.groupdict().items() if v}) for m in p.regex.finditer(text)]
            assert [((c.start, c.end), c.groups) for c in found] == whole, (p.id, text[:60])


def test_date_exclusions_looked_for_around_dates_are_those_a_whole_text_scan_finds():
    from pipeline.kinds import date
    rules = load_rules("date")
    exclusions = [p for p in date.compiled_patterns(rules) if p.reason]
    covered = 0
    for text in _date_texts():
        kept = date._longest_first([date.Candidate(m.start(), m.end(), p.id, {})
                                    for p in date.compiled_patterns(rules) if not p.reason
                                    for m in p.regex.finditer(text)])
        whole = [(date.Candidate(m.start(), m.end(), x.id, {}), x.reason) for x in exclusions
                 for m in x.regex.finditer(text) if m.end() > m.start()]
        near = date._exclusions(text, kept, rules)
        assert date._apply_exclusions(kept, near) == date._apply_exclusions(kept, whole), text[:60]
        covered += sum(1 for c in date._apply_exclusions(kept, whole) if c.reject)
    assert covered > 20  # the texts do exercise the exclusions


def test_exclusion_chars_hold_every_character_an_exclusion_matches_and_room_what_lookaheads_read():
    import regex
    rules = load_rules("date")
    chars = regex.compile(rules.table("exclusion_chars"))
    lookahead = regex.compile(r"\(\?[=!]([^()]*)\)")
    for x in rules.table("exclusions"):
        body = lookahead.sub("", x["regex"])  # lookaheads hold no match characters
        assert not [c for c in body if ord(c) > 127 and not chars.fullmatch(c)], x["id"]
        assert "(?<" not in body, x["id"]  # no lookbehinds: nothing before a run is needed
        assert "(?=" not in body and "(?!" not in body, x["id"]  # lookaheads simple enough to check here
        for ahead in lookahead.findall(x["regex"]):  # fixed-length and short: one character per atom
            assert not regex.search(r"[*+?{|\\]", ahead), (x["id"], ahead)
            assert len(regex.sub(r"\[[^]]*\]", "c", ahead)) <= rules.table("exclusion_room"), (x["id"], ahead)


def test_title_years_skipped_only_for_titles_without_a_written_year():
    from pipeline.kinds import date
    rules = load_rules("date")
    for text in _date_texts()[::7]:
        title = text[:40]
        built = [date._build(c, title, rules.data)[1] for c in date.candidates(title, rules)]
        years = [e.start.year for e in built if e is not None and e.base == "explicit" and e.end is None]
        assert date._title_years(title, rules) == years, title


# ---- quantities: all patterns of a file scanned together (``RuleSet.matches``)

def _quantity_texts():
    """The texts above plus random strings of number, unit and separator characters."""
    import random
    rnd = random.Random(7)
    texts = _texts()
    alpha = list("0123456789０１.,，、 \t\n\u00a0零〇一二两三四五六七八九十百千万亿多余个点元美欧港日英镑澳韩人民币金"
                 "%％分之成半—–-~～至到从由约近超过以上左右级的资金收入产值亿元万元百分点增长下降")
    alpha += ["595.92亿元", "3-5亿元", "1亿元至2亿元", "500多亿", "1.2万亿元", "4.3%", "2个百分点", "百分之二十",
              "三成", "七成半", "3万多亿", "十亿零五百万元", "-3.2%", "3.1 %", "12、15亿元", "美元", "人民币"]
    pieces = [p for t in texts for p in t.split("\n") if p]
    for _ in range(1500):
        texts.append("".join(rnd.choice(alpha) for _ in range(rnd.randint(1, 40))))
        texts.append("".join(rnd.choice(pieces)[:rnd.randint(1, 60)] + rnd.choice(alpha) for _ in range(rnd.randint(1, 6))))
    return texts


@pytest.mark.parametrize("kind", ["amount", "percent"])
def test_patterns_scanned_together_find_what_whole_text_scans_find(kind):
    rules = load_rules(kind)
    found_any = 0
    for text in _quantity_texts():
        together = rules.matches(text)
        for pattern, matches in zip(rules.patterns, together):
            assert _found(matches) == _found(pattern.regex.finditer(text)), (pattern.id, text[:60])
            found_any += len(matches)
    assert found_any > 1000


def test_scan_together_with_empty_matches_lookbehinds_and_patterns_without_trigger(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "kind: x\nmatch_chars: '[\\d元万a]'\npatterns:\n"
        "  - {id: a, trigger: 元, regex: '(?<!x)\\d+元(?=$|y)'}\n"
        "  - {id: b, trigger: 元, regex: 'a*元?'}\n"  # empty matches: finditer's own rule decides
        "  - {id: c, regex: '\\d万'}\n"
        "  - {id: d, trigger: 万, regex: '(?i)\\d+万'}\n", encoding="utf-8")
    rules = _load(str(tmp_path / "x.yaml"), "x")
    for text in ["x5元", "a5元", "a5元y", "aa元a", "元a", "5元" + "z" * 40 + "6元", "12元34元 x7元", "3万元 4万"]:
        for pattern, matches in zip(rules.patterns, rules.matches(text)):
            assert _found(matches) == _found(pattern.finditer(text)), (pattern.id, text)  # its regions


def test_needed_sets_are_what_every_match_holds_and_nothing_when_unsure():
    from pipeline.rules import _needed_sets
    digits = frozenset("0123456789")
    assert _needed_sets(r"(?<![从由])\d+(?:\.\d+)?[万亿]?元") == ((digits, True), (frozenset("元"), False))
    assert _needed_sets(r"(?:\d+|[一二])[至到]?(?:元|美元)") == ((digits | {"一", "二"}, True), (frozenset("元美"), False))
    assert _needed_sets(r"a?b*(?=c)(?!d)(?P<x>e)?(?P=x)") == ()  # optional, lookarounds, back-references
    assert _needed_sets(r"[^a]b") == ((frozenset("b"), False),)  # a negated class needs nothing
    for unsure in [r"(?i)a", r"\p{Han}b", r"[[:digit:]]", r"(?:ab){e<=1}", r"(?r)a", r"(?V1)a"]:
        assert _needed_sets(unsure) == (), unsure


def test_ending_finds_where_a_match_followed_by_its_lookahead_can_end():
    from pipeline.rules import _ending
    ending = _ending(r"\d+(?:\.\d+)?[万亿](?=[的，\s]|以上|$)")
    assert ending is not None
    for text, can_end in [("5亿的", True), ("5亿元", False), ("5亿以上", True), ("5亿", True), ("5亿\n", True),
                          ("5亿 ", True), ("5万，", True), ("亿元5", False)]:
        assert (ending.search(text) is not None) == can_end, text
    for unsure in [r"\d+亿", r"\d+亿(?!元)", r"\d*(?=的)", r"\d+亿(?=a?)", r"(?i)\d+亿(?=的)", r"\d+(?<=5)(?=的)",
                   r"[多余]?(?=的)", r"(?<=5)[多余]?(?=的)"]:
        assert _ending(unsure) is None, unsure


def test_an_optional_last_item_ends_a_match_or_leaves_it_to_what_comes_before():
    from pipeline.rules import _ending
    ending = _ending(r"\d+亿[多余]?(?=[的，])")
    for text, can_end in [("5亿的", True), ("5亿多的", True), ("5亿余，", True), ("5亿元", False), ("5亿多元", False)]:
        assert (ending.search(text) is not None) == can_end, text
    assert regex.fullmatch(r"\[[亿多余]+\]\(\?=.*", _ending(r"\d+亿(?:多|余)*(?=[的，])").pattern)


def test_probe_groups_read_from_the_probe_are_the_patterns_own():
    """``_probes`` reads each pattern's groups from the probe's regex, not from the pattern's."""
    import regex

    from pipeline.kinds import date
    rules = load_rules("date")
    probes = date._probes(rules)
    checked = 0
    for p in date.compiled_patterns(rules):
        if not p.starts:
            continue
        pid, whole, names = next(spec for spec in probes[p.starts].patterns if spec[0] == p.id)
        own = regex.compile(p.source).groupindex
        assert [n for n, _ in names] == sorted(own, key=own.get), p.id
        assert probes[p.starts].regex.groupindex[f"p{[s[0] for s in probes[p.starts].patterns].index(pid)}_"] == whole
        checked += 1
    assert checked >= 10


def test_rules_load_restores_the_collector():
    import gc

    from pipeline import rules
    assert gc.isenabled()
    with rules._gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with rules._gc_paused():
            pass
        assert not gc.isenabled()  # a collector switched off stays off
    finally:
        gc.enable()


def test_date_build_cuts_the_context_only_when_read_and_gives_build_expr_s_value():
    from pipeline.kinds import date
    rules = load_rules("date")
    compared = 0
    for text in _date_texts()[::3]:
        for c in date.candidates(text, rules):
            plain = date.Candidate(c.start, c.end, c.rule_id, dict(c.groups), c.reject)
            fast = date._build(c, text, rules.data)
            try:
                expr = None if plain.reject else date.build_expr(plain.groups, rules.data, text[max(0, c.start - 4):c.start],
                                                                 text[c.end:c.end + 8])
            except date.BadDate as exc:
                expr, plain.reject = None, str(exc)
            assert (fast[1], fast[0].reject) == (expr, plain.reject), text[:60]
            compared += expr is not None
    assert compared > 1000


def test_main_year_counts_as_counter_does():
    import random
    from collections import Counter

    from pipeline.date_resolve import main_year
    rnd = random.Random(3)
    for _ in range(500):
        years = [rnd.choice([2019, 2020, 2021, 2025, 1999]) for _ in range(rnd.randint(1, 12))]
        counts = Counter(years)
        assert main_year(years) == max(counts, key=lambda y: (counts[y], y)), years
    assert main_year([]) is None


@pytest.mark.parametrize("kind", ["amount", "percent"])
def test_quantity_candidates_sorted_without_a_key_as_with_one(kind):
    """``_longest_first`` sorts (-length, start, pattern order, …) tuples as they are: the same order
    as the key (-length, start, order), since no two candidates share those three."""
    from pipeline.kinds import quantity
    rules = load_rules(kind)
    for text in _quantity_texts()[::5]:
        found = [(m.start(), -(m.end() - m.start()), order, m) for order, ms in enumerate(rules.matches(text))
                 for m in ms if m.end() > m.start()]
        found.sort(key=lambda c: (c[1], c[0], c[2]))
        kept, starts = [], []
        for start, neg_len, _, m in found:
            import bisect
            at = bisect.bisect_right([s for s, _ in starts], start)
            if (at and starts[at - 1][1] > start) or (at < len(starts) and starts[at][0] < start - neg_len):
                continue
            starts.insert(at, (start, start - neg_len))
            kept.append(m)
        kept.sort(key=lambda m: m.start())
        assert [m.span() for m, _ in quantity._longest_first(text, rules)] == [m.span() for m in kept], text[:60]
