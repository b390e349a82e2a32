"""A huge article's facts and report page: the lookups found by bisection (so facts cost about
the article's length, not its square) give what a scan of the whole article gives, and the
report's page of a huge article is cut while a normal one is whole."""
import itertools

import pandas as pd
import pytest

from pipeline.facts_date import _section_date, usable_dates
from pipeline.facts_rules import load_fact_rules
from pipeline.facts_text import fact_text, rows_by_doc
from pipeline.report import data
from pipeline.report.site import PAGE_CHARS, _shown_chars
from pipeline.rules import DEFAULT_RULES_DIR
from pipeline.segment import get_segmenter


@pytest.fixture(scope="module")
def fact_texts(corpus_tables):
    rules = load_fact_rules(str(DEFAULT_RULES_DIR))
    segmenter = get_segmenter(str(DEFAULT_RULES_DIR / "lexicon"))
    by_doc = rows_by_doc(corpus_tables.frames)
    return rules, [fact_text(d, a.text, by_doc[d], segmenter, rules.table("sentence_ends"))
                   for d, a in corpus_tables.articles.items() if d in by_doc]


def test_range_lookups_are_the_scans(fact_texts):
    _, texts = fact_texts
    for ft in texts:
        for lo, hi in ft.sentences + [(s, s + 1) for s, _ in ft.sentences] + [(10, 5)]:
            for kind, spans in ft.mentions.items():
                assert ft.starting_in(kind, lo, hi) == [m for m in spans if lo <= m.start < hi]
                assert ft.overlapping(kind, lo, hi) == [m for m in spans if m.start < hi and lo < m.end]


def test_enclosing_sentence_is_the_scan(fact_texts):
    _, texts = fact_texts
    for ft in texts:
        for pos in range(0, len(ft.text), 7):
            scanned = next(((s, e) for s, e in ft.sentences if s <= pos < e), (pos, pos))
            assert ft.enclosing(ft.sentences, pos) == scanned


def _section_scan(ft, dates, para_index):
    """The section fallback as a scan of every paragraph and date (what the bisection replaces)."""
    owners, current = [], -1
    for i in range(len(ft.paragraphs)):
        current = i if i in ft.headings else current
        owners.append(current)
    chain, h = set(), owners[para_index]
    while True:
        chain.add(h)
        if h < 0:
            break
        level = ft.headings[h]
        h = next((j for j in range(h - 1, -1, -1) if j in ft.headings and ft.headings[j] < level), -1)
    allowed = {i for i in range(len(ft.paragraphs)) if owners[i] in chain}
    found = [d for d in dates if ft.paragraph_index(d.start) in allowed and d.start < ft.paragraphs[para_index][0]]
    return (found[-1], "section") if found else (None, "")


def test_section_date_is_the_scan(fact_texts):
    rules, texts = fact_texts
    checked = 0
    for ft in texts:
        dates = usable_dates(ft, rules)
        for i in range(len(ft.paragraphs)):
            assert _section_date(ft, rules, dates, i) == _section_scan(ft, dates, i)
            checked += _section_scan(ft, dates, i)[0] is not None
    assert checked  # the corpus has sections whose date comes from above


def test_year_before_is_the_scan(corpus_tables):
    dates = data._dates_by_doc(corpus_tables.frames["date"])
    for doc_id in [d for d in dates if d is not None]:
        found = list(dates[doc_id])
        for start in range(0, max(e for _, e, _ in found) + 20, 5):
            scanned = next((data._year(v) for _, e, v in reversed(found) if e <= start and data._year(v)), None)
            assert data._year_before(dates, doc_id, start) == scanned


def test_a_normal_article_page_is_whole():
    text = "前三季度，全市完成投资12亿元。\n" * 100
    assert _shown_chars(text) == len(text)


def test_a_huge_article_page_is_cut_after_a_sentence_and_line():
    text = "前三季度，全市完成投资12亿元。\n" * (PAGE_CHARS // 10)
    cut = _shown_chars(text)
    assert PAGE_CHARS - 20 < cut <= PAGE_CHARS
    assert text[cut - 2:cut] == "。\n"


def test_a_cut_page_says_so_and_marks_only_what_it_shows(tmp_path, monkeypatch):
    from pipeline import extract
    from pipeline.report import site
    from pipeline.write import write_tables

    text = "".join(f"{2001 + i}年，全市完成投资{i + 1}亿元，增长{i + 2}%。\n" for i in range(12))
    tables = extract(text, issue_date="2021-01-07", doc_id="long")
    write_tables(tables, tmp_path)
    monkeypatch.setattr(site, "PAGE_CHARS", 100)
    site.write_report(tmp_path, tables, {"paths": ["<inline>"]})
    page = (tmp_path / "report" / "articles" / "long.html").read_text(encoding="utf-8")
    shown = _shown_chars(text)
    assert "The article is cut here" in page and shown < 100
    amounts = tables.frames["amount"]
    assert len(amounts) == 12
    for start, end in zip(amounts["start"], amounts["end"]):
        assert (f'id="amount-{start}-{end}"' in page) == (end <= shown)


@pytest.mark.parametrize("window", [300, 2_000])
def test_windowed_facts_are_the_whole_articles(corpus_tables, monkeypatch, window):
    """Every corpus article linked window by window (cut after every few sentences, so
    section dates come from earlier windows) gives the facts of the article linked whole."""
    from pipeline import facts

    whole = facts.facts_and_rejects(corpus_tables)
    monkeypatch.setattr(facts, "WINDOWED_ROWS", 0)
    monkeypatch.setattr(facts, "WINDOW_CHARS", window)
    assert facts._huge_articles(corpus_tables.frames) == set(corpus_tables.articles)
    windowed = facts.facts_and_rejects(corpus_tables)
    pd.testing.assert_frame_equal(windowed[0], whole[0])
    pd.testing.assert_frame_equal(windowed[1], whole[1])
    assert len(whole[0]) > 50


@pytest.mark.parametrize("cuts", [3, 17])
def test_amounts_by_year_over_an_article_cut_into_chunks_is_the_whole(corpus_tables, cuts):
    """The chart's year of an amount without a linked date is the last date before it: when an
    article's rows come over several chunks (in offset order), the dates carried from the earlier
    chunks (``dates_to_carry``) give the years the whole article gives."""
    from types import SimpleNamespace

    frames, checked = corpus_tables.frames, 0
    for doc_id in frames["amount"]["doc_id"].unique():
        own = {k: frames[k][frames[k]["doc_id"] == doc_id] for k in ("amount", "date")}
        whole = data.amounts_by_year(SimpleNamespace(frames=own), {}, {})
        ends = sorted(set(own["amount"]["start"])) + [10 ** 9]
        bounds = [0, *ends[1:-1:max(1, len(ends) // cuts)], 10 ** 9]
        counts = data.RunCounts(["amount", "date"])
        for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
            part = {k: df[(df["start"] >= lo) & (df["start"] < hi)] for k, df in own.items()}
            counts.add(SimpleNamespace(frames=part, rejects=pd.DataFrame(columns=["doc_id"]),
                                       unfinished=doc_id if i + 2 < len(bounds) else None), {}, {})
        pd.testing.assert_frame_equal(counts.amounts_by_year().reset_index(drop=True), whole)
        checked += len(bounds) > 3
    assert checked >= 3
