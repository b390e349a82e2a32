"""Resolving date expressions: a typed value in, calendar days out.

Matching (regexes in ``rules/date.yaml``) produces a :class:`DateExpr`: the
calendar shape of the expression (year/month/day/quarter/half, one point or a
period) plus *how* its year is to be found. This module supplies the year, the
month or the whole day from the article's state, as the article is read:

* ``explicit``   — the year is in the span;
* ``context``    — anaphoric: the nearest preceding explicit year or date
  (``3月12日``, ``全年``, ``上年``), with the flashback exception;
* ``last``       — ``同年``, ``当年``, ``次年``: the year named last, even a background one
  (成立于2003年，当年…), else as ``context``;
* ``writing``    — deictic: the year the text speaks from (``今年``, ``去年``);
* ``past``       — "the year just past", counted from the issue date;
* ``day`` / ``today`` / ``local_day`` — whole-day references (``当天``, ``昨日``, ``即日``);
* ``period``     — ``同期``: the shape of the last period, in the year given;
* ``issue_month`` / ``month`` / ``local_month`` — month words (``本月``, ``当月``, ``上月``):
  the issue date's month, the last month named, the last month named in this paragraph.

Nothing here reads the clock: the issue date is always an argument.
"""
from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

import regex

MONTH_BASES = ("issue_month", "month", "local_month")


class Point(NamedTuple):
    """One end of a date expression; unset fields are filled in by resolution.

    ``day == 0`` stands for "the last day of the month" (下旬 ends on the 28th … 31st).
    Point, DateExpr and Resolved are named tuples: immutable and hashable like frozen
    dataclasses, and made ~2x faster (several per date found).
    """
    year: int | None = None
    month: int | None = None
    day: int | None = None
    quarter: int | None = None
    half: int | None = None

    def with_year(self, year: int | None) -> Point:
        return Point(year, self.month, self.day, self.quarter, self.half)

    @property
    def unit(self) -> str:
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        if self.quarter is not None:
            return "quarter"
        if self.half is not None:
            return "half"
        return "year"


class DateExpr(NamedTuple):
    start: Point
    end: Point | None = None  # set for periods
    base: str = "explicit"  # where the missing parts come from (see the module doc)
    offset: int = 0  # years for year bases (去年 = -1), days for day bases (次日 = +1)
    numeric: bool = False  # a yearless numeric date (3月12日): anchor ``context``/``publication``
    year_base: str = "context"  # for base ``period`` (同期): where its year comes from
    target: bool = False  # a goal year (到2025年): does not move the context forward
    compared: bool = False  # a comparison base (比2019年增长): does not move the context
    future: bool = False  # a date things take effect from (1月1日起施行): lies ahead of the issue date,
    # and is no day the story is on (当天 after it is the day before)
    more_years: int = 0  # a run of years from the start's (今明两年: 1): the end is that many years on
    background: bool = False  # a birth or founding year (1965年出生, 始建于1958年): not where the story is


class Resolved(NamedTuple):
    value: str
    start_date: str | None
    end_date: str | None
    granularity: str
    anchor: str
    start: Point | None = None  # the resolved points, for the context state
    end: Point | None = None


# ---------------------------------------------------------------- calendar arithmetic

def _day(p: Point) -> int:
    return p.day or calendar.monthrange(p.year if p.year is not None else 2001, p.month)[1]


def first_day(p: Point) -> date:
    if p.day is not None:
        return date(p.year, p.month, _day(p))
    if p.month is not None:
        return date(p.year, p.month, 1)
    if p.quarter is not None:
        return date(p.year, 3 * p.quarter - 2, 1)
    if p.half is not None:
        return date(p.year, 6 * p.half - 5, 1)
    return date(p.year, 1, 1)


def last_day(p: Point) -> date:
    if p.day is not None:
        return date(p.year, p.month, _day(p))
    month = p.month or (3 * p.quarter if p.quarter else 6 * p.half if p.half else 12)
    return date(p.year, month, calendar.monthrange(p.year, month)[1])


def timex(p: Point) -> str:
    """TIMEX-style text of one point; unknown parts are written as X."""
    y = f"{p.year:04d}" if p.year is not None else "XXXX"
    if p.day is not None:
        if p.month is None:
            return f"{y}-XX-{p.day:02d}"
        return f"{y}-{p.month:02d}-{_day(p):02d}"
    if p.month is not None:
        return f"{y}-{p.month:02d}"
    if p.quarter is not None:
        return f"{y}-Q{p.quarter}"
    if p.half is not None:
        return f"{y}-H{p.half}"
    return y


def is_complete(p: Point) -> bool:
    return p.year is not None and (p.day is None or p.month is not None)


@lru_cache(maxsize=4096)  # a pure function of frozen values; the same dates recur
def finish(start: Point, end: Point | None, anchor: str) -> Resolved:
    """Format resolved points; raises ValueError for impossible days (2月30日)."""
    if end is None:
        dates = (first_day(start).isoformat(), last_day(start).isoformat()) if is_complete(start) else (None, None)
        return Resolved(timex(start), *dates, start.unit, anchor, start, None)
    value = f"{timex(start)}/{timex(end)}"
    if is_complete(start) and is_complete(end):
        return Resolved(value, first_day(start).isoformat(), last_day(end).isoformat(), "period", anchor, start, end)
    return Resolved(value, None, None, "period", anchor, start, end)


def fill_end(start: Point, end: Point) -> Point:
    """``11月16日至17日``: the end inherits the year and month the start states; an end month
    before the start's is the next year's (12月31日至1月2日, 12月至次年3月)."""
    year = end.year if end.year is not None else start.year
    month = end.month if end.month is not None or end.day is None else start.month
    if end.year is None and year is not None and month is not None and start.month is not None and month < start.month:
        year += 1
    return Point(year, month, end.day, end.quarter, end.half)


def shift_days(p: Point, days: int) -> Point:
    d = date(p.year, p.month, p.day) + timedelta(days=days)
    return Point(d.year, d.month, d.day)


# ---------------------------------------------------------------- the year the text speaks from

def main_year(years: list[int]) -> int | None:
    """The article's own year: the most frequent explicit year (the latest on a tie)."""
    if not years:
        return None
    counts: dict[int, int] = {}  # a plain dict: Counter's construction costs more than the counting here
    for y in years:
        counts[y] = counts.get(y, 0) + 1
    return max(counts, key=lambda y: (counts[y], y))


def retrospective_score(head: str, body: str, signals: list[dict]) -> int:
    """Sum of the weighted signal words/regexes (``rules/date.yaml`` → writing_year.signals)."""
    score = 0
    for sig in signals:
        where = sig.get("in", "body")  # head, body, or text (both)
        text = head if where == "head" else body if where == "body" else head + "\n" + body
        hits = any(w in text for w in sig.get("words", []))
        if not hits and "regex" in sig and _compiled(sig["regex"]).search(text):
            hits = True
        score += sig.get("weight", 1) if hits else 0
    return score


@lru_cache(maxsize=32)
def _compiled(source: str) -> regex.Pattern:
    return regex.compile(source)  # regex.search(source, …) looks its cache up at ~10x the cost


def writing_year(issue: date | None, main: int | None, score: int | Callable[[], int], table: dict) -> int | None:
    """The issue date's year, unless the article is a retrospective printed early in the next year.

    A retrospective (year-end review, statistical bulletin) speaks from the year it reports on:
    printed early in year N about year N-1 (its main year, or no written year at all), with
    enough retrospective signals. ``score`` may be a function that gives the score: it is then
    called only when the score decides (it reads the whole article).
    """
    if issue is None:
        return None
    early = issue.month <= table.get("early_month", 4)
    if main in (issue.year - 1, None) and early and (score() if callable(score) else score) >= table.get("threshold", 2):
        return issue.year - 1
    return issue.year


# ---------------------------------------------------------------- reading state

@dataclass
class State:
    year: int | None = None  # the context year
    year_from_text: bool = False  # False while only the issue date has seeded it
    month: Point | None = None  # the last expression that named a month (year+month)
    month_para: int = -1  # the paragraph that month was in (for 上月)
    day: Point | None = None  # the last full date
    day_para: int = -1  # the paragraph that date was in (for 即日)
    period: Point | None = None  # the last sub-year point or period (for 同期) …
    period_end: Point | None = None
    period_para: int = -1
    aside: int | None = None  # a background year named since the last year that moved the context

    def copy(self) -> State:
        return State(self.year, self.year_from_text, self.month, self.month_para, self.day, self.day_para,
                     self.period, self.period_end, self.period_para, self.aside)


@dataclass
class Resolver:
    """Resolves expressions in reading order; ``paragraph`` must be called at each new paragraph."""
    issue: date | None = None
    writing: int | None = None  # None: no issue date, the main year seen so far stands in
    window_months: int = 6  # a yearless date this far after the issue date belongs to the year before
    state: State = field(default_factory=State)
    seen_years: list[int] = field(default_factory=list)
    para: int = 0
    _para_base: State | None = None
    _flashback: State | None = None

    title_year: int | None = None  # the one year the title names (《2020年统计公报》)
    this_year_moves: bool = True  # 今年 moves the context year (not where it may mean either year)
    flashback_gap: int = 2  # with only the issue date's year, this many years back is a flashback

    def __post_init__(self):
        if self.title_year is not None:  # the title is the article's own explicit year
            self.state.year, self.state.year_from_text = self.title_year, True
        elif self.issue is not None and self.writing is not None:
            self.state.year = self.writing  # seed only: explicit text takes over
        self._para_base = self.state.copy()

    def paragraph(self, index: int) -> None:
        """A flashback inside one paragraph does not carry over to the next."""
        if index == self.para:
            return
        if self._flashback is not None and self.state.year != self._para_base.year:
            self.state = self._flashback.copy()
        self.para, self._flashback = index, None
        self._para_base = self.state.copy()

    def resolve(self, expr: DateExpr, remember: bool = True) -> Resolved:
        """The value of ``expr`` here; ``remember=False`` for a dateline, which is no context."""
        base = expr.base
        if base == "explicit":
            res = finish(expr.start, fill_end(expr.start, expr.end) if expr.end else None, "explicit")
        elif base in ("day", "today", "local_day"):
            res = self._resolve_day(expr)
        elif base == "period":
            res = self._resolve_same_period(expr)
        elif base in MONTH_BASES:
            res = self._resolve_month(expr)
        else:
            res = self._resolve_year(expr)
        if remember:
            self._remember(expr, res)
        return res

    # -- the three ways of finding what is missing

    def _resolve_year(self, expr: DateExpr) -> Resolved:
        year, anchor = self._year_for(expr)
        start = expr.start
        if start.day is not None and start.month is None:
            start, year = self._month_for_day(start, year)
        if year is not None and expr.numeric and anchor == "publication":
            year = self._near_issue(start, year, expr.future)
        if start.year is None:
            start = Point(year, start.month, start.day, start.quarter, start.half)
        end = fill_end(start, expr.end) if expr.end else None
        if expr.more_years and start.year is not None:
            end = Point(start.year + expr.more_years)
        return finish(start, end, anchor)

    def _year_for(self, expr: DateExpr) -> tuple[int | None, str]:
        if expr.base == "writing":
            w = self._writing()
            return (None if w is None else w + expr.offset), "relative"
        if expr.base == "past":
            return self._past_year(), "relative"
        year = self.state.year
        if expr.base == "last" and self.state.aside is not None:
            year = self.state.aside  # 成立于2003年，当年…: the year just named, though no context
        anchor = "context" if expr.numeric else "relative"
        if year is not None and not self.state.year_from_text:
            anchor = "publication" if expr.numeric else anchor
        return (None if year is None else year + expr.offset), anchor

    def _month_for_day(self, start: Point, year: int | None) -> tuple[Point, int | None]:
        """``16日``: the year and month of the last date that named a month."""
        m = self.state.month
        st = self.state
        if m is None and self.issue is not None and (not st.year_from_text or st.year == self.issue.year):
            m = Point(self.issue.year, self.issue.month)  # news of the day: the issue's month
        if m is None:
            return start, year
        return Point(start.year, m.month, start.day, start.quarter, start.half), m.year

    def _near_issue(self, p: Point, year: int, future: bool = False) -> int:
        """Yearless dates resolved by the issue date: far in its future means last year's;
        a date that takes effect (1月1日起施行) far in its past means next year's."""
        if self.issue is None or year != self.issue.year or p.month is None:
            return year
        if future:
            return year + 1 if self.issue.month - p.month > self.window_months else year
        return year - 1 if p.month - self.issue.month > self.window_months else year

    def _writing(self) -> int | None:
        if self.writing is not None:
            return self.writing
        return main_year(self.seen_years)  # no issue date: the article's own year so far

    def _past_year(self) -> int | None:
        """刚刚过去的一年: the year before the issue date (late in the year: the year itself)."""
        if self.issue is not None:
            return self.issue.year if self.issue.month >= 11 else self.issue.year - 1
        return self._writing()

    def _resolve_day(self, expr: DateExpr) -> Resolved:
        ref = self._day_reference(expr.base)
        if ref is None:  # no date to count from: say so rather than guess
            return Resolved("XXXX-XX-XX", None, None, "day", "relative")
        return finish(shift_days(ref, expr.offset), None, "relative")

    def _day_reference(self, base: str) -> Point | None:
        issue = Point(self.issue.year, self.issue.month, self.issue.day) if self.issue else None
        if base == "today":
            return issue
        if base == "local_day" and self.state.day_para != self.para and issue is not None:
            return issue  # 即日起 with no date in its paragraph: the day of publication
        return self.state.day

    def _resolve_same_period(self, expr: DateExpr) -> Resolved:
        """同期: the last period of this paragraph, moved to the year the prefix names."""
        if expr.year_base == "explicit":  # 2019年同期
            year, anchor = expr.start.year, "explicit"
        else:
            year, _ = self._year_for(expr._replace(base=expr.year_base, numeric=False))
            anchor = "relative"
        st = self.state
        if st.period is None or st.period_para != self.para:
            return finish(Point(year), None, anchor)  # nothing to be "the same" as: the year
        start = st.period.with_year(year)
        end = st.period_end.with_year(year) if st.period_end else None
        return finish(start, end, anchor)

    def _resolve_month(self, expr: DateExpr) -> Resolved:
        """本月 / 当月 / 上月: a reference month, moved by the word's offset in months."""
        ref = self._month_reference(expr.base)
        if ref is None:  # no month to count from: say so rather than guess
            return Resolved("XXXX-XX", None, None, "month", "relative")
        index = ref.year * 12 + ref.month - 1 + expr.offset
        year, month = divmod(index, 12)
        s, e = expr.start, expr.end
        start = Point(year, month + 1, s.day, s.quarter, s.half)
        end = Point(year, month + 1, e.day, e.quarter, e.half) if e else None
        return finish(start, end, "relative")

    def _month_reference(self, base: str) -> Point | None:
        st = self.state
        issue = Point(self.issue.year, self.issue.month) if self.issue else None
        if base == "issue_month":
            return issue or st.month
        if base == "local_month" and st.month_para != self.para:
            return issue or st.month
        return st.month or issue

    # -- updating the state

    def _remember(self, expr: DateExpr, res: Resolved) -> None:
        st, p = self.state, res.start
        if p is None or p.year is None:
            return
        if expr.background:
            st.aside = p.year  # 1965年出生: a 3月12日 after it is still the story's
            return
        if expr.compared and st.year is not None:
            return  # 比2019年增长: the base of a comparison is not where the story is
        one_year = res.end is None or res.end.year == p.year  # a span of years (十三五) is no single context year
        if expr.base == "explicit" and one_year:
            self._move_year(p.year, expr.target)
        elif expr.base == "writing" and expr.offset == 0 and one_year and self.this_year_moves:
            self._move_year(p.year, False)  # 2019年…今年以来…8月: this year's August
        one_month = res.end is None or (res.end.year, res.end.month) == (p.year, p.month)
        if p.month is not None and one_month:  # 1—11月 names no single month for a later 16日
            st.month, st.month_para = Point(p.year, p.month, None, p.quarter, p.half), self.para
        if p.day is not None and p.month is not None and res.end is None and not expr.future:
            st.day, st.day_para = p, self.para  # (a day a rule takes effect is no 当天 of the story)
        if p.unit != "year" or res.end is not None:
            st.period, st.period_end, st.period_para = p, res.end, self.para

    def _goes_back(self, year: int) -> bool:
        """Is ``year`` a flashback from where this paragraph began: before the text's own year,
        or, while only the issue date has given one, two or more years before the writing year
        (1921年7月… in news of 2021; the year just before may be what a review is about)."""
        base = self._para_base
        if base.year is None:
            return False
        if base.year_from_text:
            return year < base.year
        return year <= base.year - self.flashback_gap

    def _move_year(self, year: int, target: bool) -> None:
        st = self.state
        st.aside = None
        self.seen_years.append(year)
        if target and st.year is not None and year > st.year:
            return  # a goal (到2025年) is not where the story is
        if self._flashback is None and self._goes_back(year):
            self._flashback = st.copy()  # the state to return to after this paragraph
        st.year, st.year_from_text = year, True
