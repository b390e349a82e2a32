"""The date resolver on its own: typed values in, calendar days out (no regexes here)."""
from datetime import date

import pytest

from pipeline.date_resolve import (DateExpr, Point, Resolver, main_year, retrospective_score, timex,
                                   writing_year)
from pipeline.kinds.date import build_expr
from pipeline.rules import load_rules

TABLES = load_rules("date").data
WY = TABLES["writing_year"]


def explicit(y, m=None, d=None):
    return DateExpr(Point(y, m, d), base="explicit")


def yearless(m=None, d=None):
    return DateExpr(Point(None, m, d), base="context", numeric=True)


# ---- formatting and calendar arithmetic

@pytest.mark.parametrize("point,text", [
    (Point(2020), "2020"), (Point(2020, 4), "2020-04"), (Point(2020, 4, 9), "2020-04-09"),
    (Point(2020, quarter=3), "2020-Q3"), (Point(2020, half=2), "2020-H2"),
    (Point(None, 3, 12), "XXXX-03-12"), (Point(None, None, 16), "XXXX-XX-16"), (Point(None), "XXXX"),
    (Point(2021, 2, 0), "2021-02-28"), (Point(2024, 2, 0), "2024-02-29"),  # day 0: the month's last day
])
def test_timex(point, text):
    assert timex(point) == text


def test_quarter_and_half_cover_their_months():
    r = Resolver()
    q = r.resolve(DateExpr(Point(2019, quarter=4)))
    h = r.resolve(DateExpr(Point(2019, half=1)))
    assert (q.start_date, q.end_date, q.granularity) == ("2019-10-01", "2019-12-31", "quarter")
    assert (h.start_date, h.end_date) == ("2019-01-01", "2019-06-30")


def test_period_end_inherits_year_and_month_from_its_start():
    r = Resolver()
    res = r.resolve(DateExpr(Point(2021, 11, 16), Point(None, None, 17)))
    assert (res.value, res.end_date, res.granularity) == ("2021-11-16/2021-11-17", "2021-11-17", "period")


def test_impossible_day_raises():
    with pytest.raises(ValueError):
        Resolver().resolve(explicit(2021, 2, 29))


# ---- anaphoric: the context year, as the article is read

def test_context_year_follows_the_last_explicit_year():
    r = Resolver()
    r.resolve(explicit(2019))
    assert r.resolve(yearless(3, 12)).value == "2019-03-12"
    r.resolve(explicit(2021, 1, 22))
    res = r.resolve(yearless(3, 12))
    assert (res.value, res.anchor) == ("2021-03-12", "context")


def test_bare_day_takes_year_and_month_of_the_last_dated_expression():
    r = Resolver()
    r.resolve(DateExpr(Point(2021, 11, 16), Point(None, None, 17)))
    assert r.resolve(DateExpr(Point(None, None, 16), base="context", numeric=True)).value == "2021-11-16"


def test_no_context_and_no_issue_date_leaves_the_year_open():
    res = Resolver().resolve(yearless(3, 12))
    assert (res.value, res.start_date, res.end_date) == ("XXXX-03-12", None, None)


def test_flashback_in_one_paragraph_does_not_carry_over():
    r = Resolver()
    r.resolve(explicit(2021))
    r.paragraph(1)
    r.resolve(explicit(2020, 4))
    assert r.resolve(DateExpr(Point(None, 5), base="context")).value == "2020-05"  # 同年5月
    r.paragraph(2)
    assert r.resolve(yearless(10, 10)).value == "2021-10-10"


def test_a_new_main_year_in_its_own_paragraph_is_no_flashback_when_nothing_came_before():
    r = Resolver(issue=date(2021, 3, 10), writing=2021)  # seeded by the issue date only
    r.resolve(explicit(2020))
    r.paragraph(1)
    assert r.resolve(DateExpr(Point(None), base="context")).value == "2020"  # 全年


def test_a_year_long_before_the_issue_year_is_a_flashback_even_before_any_text_year():
    r = Resolver(issue=date(2021, 7, 2), writing=2021, flashback_gap=2)  # seeded by the issue date only
    r.resolve(explicit(1921, 7))
    assert r.resolve(yearless(7, 1)).value == "1921-07-01"  # inside its paragraph it holds
    r.paragraph(1)
    res = r.resolve(yearless(7, 1))
    assert (res.value, res.anchor) == ("2021-07-01", "publication")


def test_the_year_just_before_the_issue_year_carries_over_when_nothing_came_before():
    r = Resolver(issue=date(2021, 2, 10), writing=2021, flashback_gap=2)
    r.resolve(explicit(2020))
    r.paragraph(1)
    assert r.resolve(yearless(4)).value == "2020-04"


def test_a_post_taken_up_is_a_profiles_background_year():
    assert build_expr({"y": "2016", "m": "9"}, TABLES, after="任市发改委主任").background
    assert build_expr({"y": "2018"}, TABLES, after="起担任副市长").background
    assert build_expr({"y": "2001"}, TABLES, after="起历任县长、").background
    assert not build_expr({"y": "2021"}, TABLES, after="任务全面完成").background


def test_a_year_a_span_till_now_starts_in_moves_no_context():
    assert build_expr({"y": "2019"}, TABLES, after="以来，全市累计").compared
    r = Resolver(issue=date(2021, 3, 10), writing=2021)
    r.resolve(build_expr({"y": "2019"}, TABLES, after="以来，全市累计"))
    assert r.resolve(yearless(1)).value == "2021-01"


def test_a_day_a_rule_takes_effect_is_no_day_for_the_words_after_it():
    r = Resolver(issue=date(2022, 3, 6), writing=2022)
    r.resolve(explicit(2022, 3, 5))
    effective = build_expr({"y": "2022", "m": "1", "d": "1"}, TABLES, after="起施行；《衡阳")
    assert effective.future
    r.resolve(effective)
    assert r.resolve(DateExpr(Point(), base="day")).value == "2022-03-05"  # 当天


def test_a_goal_year_does_not_move_the_context():
    r = Resolver()
    r.resolve(explicit(2021))
    r.resolve(DateExpr(Point(2025), base="explicit", target=True))
    assert r.resolve(DateExpr(Point(None, half=1), base="context")).value == "2021-H1"


def test_a_plan_period_does_not_move_the_context():
    r = Resolver()
    r.resolve(explicit(2020))
    r.resolve(DateExpr(Point(2021), Point(2025), base="explicit"))
    assert r.resolve(DateExpr(Point(None), base="context")).value == "2020"


def test_comparison_base_is_the_year_before_the_context_year():
    r = Resolver(issue=date(2021, 3, 1), writing=2021)
    r.resolve(explicit(2020))
    assert r.resolve(DateExpr(Point(None), base="context", offset=-1)).value == "2019"  # 比上年


def test_a_background_year_moves_no_context_but_same_year_words_read_it():
    r = Resolver(issue=date(2021, 9, 10), writing=2021)
    r.resolve(explicit(2021))
    r.resolve(DateExpr(Point(1958), base="explicit", background=True))  # 始建于1958年
    assert r.resolve(DateExpr(Point(None), base="last")).value == "1958"  # 当年
    assert r.resolve(DateExpr(Point(None), base="last", offset=1)).value == "1959"  # 次年
    assert r.resolve(yearless(3, 12)).value == "2021-03-12"
    r.resolve(explicit(2020))
    assert r.resolve(DateExpr(Point(None), base="last")).value == "2020"  # the aside is forgotten


def test_a_background_year_without_any_context_leaves_the_year_open():
    r = Resolver()
    r.resolve(DateExpr(Point(1965), base="explicit", background=True))  # 1965年出生
    assert r.resolve(yearless(3, 12)).value == "XXXX-03-12"


def test_background_cues_mark_birth_and_founding_years_not_a_years_births():
    assert build_expr({"y": "1958"}, TABLES, before="公司始建于").background
    assert build_expr({"y": "1965"}, TABLES, after="出生，湖南人").background
    assert build_expr({"y": "1965"}, TABLES, after="生，湖南衡阳").background
    assert not build_expr({"y": "2020"}, TABLES, after="出生人口1200").background
    assert not build_expr({"y": "2021"}, TABLES, after="生产总值增长").background


# ---- deictic: the writing year

def test_this_year_moves_the_context_year_last_and_next_year_do_not():
    r = Resolver(issue=date(2022, 10, 10), writing=2022)
    r.resolve(explicit(2019))
    r.resolve(DateExpr(Point(None), base="writing"))  # 今年以来
    assert r.resolve(yearless(8)).value == "2022-08"
    r.resolve(DateExpr(Point(None, 12), base="writing", offset=-1))  # 去年12月
    r.resolve(DateExpr(Point(None), base="writing", offset=1))  # 明年
    assert r.resolve(yearless(3)).value == "2022-03"


def test_this_year_moves_no_context_where_it_may_mean_either_year():
    r = Resolver(issue=date(2021, 1, 10), writing=2021, this_year_moves=False)  # about 2020, printed early
    r.resolve(explicit(2020))
    r.resolve(DateExpr(Point(None), base="writing"))  # 今年
    assert r.resolve(yearless(10)).value == "2020-10"


def test_an_article_printed_early_about_the_year_before_keeps_its_explicit_context():
    from pipeline import extract

    def value_at(text, issue, span):
        rows = extract(text, issue_date=issue)["date"]
        return rows[rows["start"] == text.index(span)]["value"].iloc[0]

    assert value_at("2020年，全市经济稳步恢复。今年，全市将继续扩大有效投资。10月，园区开园。", "2021-01-10", "10月") == "2020-10"
    assert value_at("2019年，该公司落户我市。今年以来，公司产值增长30%。8月，新生产线投产。", "2022-10-10", "8月") == "2022-08"


def test_deictic_words_count_from_the_writing_year_not_the_context():
    r = Resolver(issue=date(2021, 4, 2), writing=2021)
    r.resolve(explicit(2019))
    assert r.resolve(DateExpr(Point(None, 3), base="writing")).value == "2021-03"  # 今年3月
    assert r.resolve(DateExpr(Point(None), base="writing", offset=-1)).value == "2020"  # 去年


def test_without_issue_date_the_writing_year_is_the_main_year_read_so_far():
    r = Resolver()
    assert r.resolve(DateExpr(Point(None), base="writing", offset=1)).value == "XXXX"
    r.resolve(explicit(2021))
    r.resolve(explicit(2020))
    r.resolve(explicit(2021))
    assert r.resolve(DateExpr(Point(None, 1), base="writing", offset=1)).value == "2022-01"  # 明年1月


def test_year_just_past_counts_from_the_issue_date():
    assert Resolver(issue=date(2019, 1, 10), writing=2019).resolve(DateExpr(Point(None), base="past")).value == "2018"
    assert Resolver(issue=date(2020, 12, 28), writing=2020).resolve(DateExpr(Point(None), base="past")).value == "2020"


def test_yearless_date_far_after_the_issue_date_is_last_years():
    r = Resolver(issue=date(2021, 1, 5), writing=2021)
    res = r.resolve(yearless(12, 28))
    assert (res.value, res.anchor) == ("2020-12-28", "publication")
    assert Resolver(issue=date(2021, 1, 5), writing=2021).resolve(yearless(3, 1)).value == "2021-03-01"


# ---- whole days

def test_day_words():
    r = Resolver(issue=date(2021, 11, 19), writing=2021)
    r.resolve(explicit(2021, 11, 17))
    assert r.resolve(DateExpr(Point(), base="day")).value == "2021-11-17"  # 当天
    assert r.resolve(DateExpr(Point(), base="day", offset=1)).value == "2021-11-18"  # 次日
    assert r.resolve(DateExpr(Point(), base="today", offset=-1)).value == "2021-11-18"  # 昨日
    r.paragraph(3)
    assert r.resolve(DateExpr(Point(), base="local_day")).value == "2021-11-19"  # 即日, no date here


def test_day_word_without_any_date_is_unresolved():
    res = Resolver().resolve(DateExpr(Point(), base="today", offset=-1))
    assert (res.value, res.start_date, res.anchor) == ("XXXX-XX-XX", None, "relative")


def test_same_period_takes_the_shape_of_the_last_period_in_the_paragraph():
    r = Resolver(issue=date(2021, 1, 7), writing=2020)
    r.resolve(DateExpr(Point(None, quarter=1), Point(None, quarter=3), base="context"))  # 前三季度
    res = r.resolve(DateExpr(Point(), base="period", offset=-1, year_base="writing"))  # 去年同期
    assert (res.value, res.end_date) == ("2019-Q1/2019-Q3", "2019-09-30")


# ---- the writing year of retrospectives

def test_main_year_is_the_most_frequent_latest_on_tie():
    assert main_year([2020, 2021, 2020]) == 2020
    assert main_year([2020, 2021]) == 2021
    assert main_year([]) is None


def test_year_end_review_printed_in_january_speaks_from_the_year_before():
    score = retrospective_score("年终盘点\n2020", "全年GDP将突破3500亿元", WY["signals"])
    assert writing_year(date(2021, 1, 7), 2020, score, WY) == 2020


def test_government_work_report_speaks_from_the_year_it_is_delivered():
    score = retrospective_score("政府工作报告", "回顾过去一年。今年将着力推进", WY["signals"])
    assert writing_year(date(2021, 2, 1), 2020, score, WY) == 2021


def test_plain_news_speaks_from_its_issue_year():
    assert writing_year(date(2021, 1, 7), 2020, retrospective_score("", "项目开工", WY["signals"]), WY) == 2021
    assert writing_year(None, 2020, 5, WY) is None


def test_a_bulletin_printed_late_in_the_year_is_not_flipped():
    score = retrospective_score("统计公报", "", WY["signals"])
    assert writing_year(date(2021, 9, 1), 2020, score, WY) == 2021


# ---- typed values from match groups

def test_plan_periods_are_computed():
    assert build_expr({"plan": "十三"}, TABLES).start == Point(2016)
    assert build_expr({"plan": "十四"}, TABLES).end == Point(2025)
    assert build_expr({"plan": "十一"}, TABLES).start == Point(2006)
    assert build_expr({"plan": "十"}, TABLES).start == Point(2001)


def test_goal_cue_marks_a_target_year():
    assert build_expr({"y": "2025"}, TABLES, before="力争到").target
    assert not build_expr({"y": "2020"}, TABLES, before="截至").target


def test_relative_word_table_decides_the_base():
    e = build_expr({"rel": "去年", "same": "同期"}, TABLES)
    assert (e.base, e.offset, e.year_base) == ("period", -1, "writing")
    e = build_expr({"rel": "上年", "part": "末"}, TABLES)
    assert (e.base, e.offset, e.start) == ("context", -1, Point(None, 12))
