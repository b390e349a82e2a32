"""The amount kind: money sums normalised to yuan (or the stated currency)."""
from __future__ import annotations

from functools import lru_cache

import regex

from ..numbers import parse_number, to_plain
from ..rules import Pattern, RuleSet
from .base import ArticleContext, Mention
from .quantity import _has_context, find_quantities

COLUMNS = ["value", "value_max", "currency", "qualifier"]
_ARABIC_TAIL = regex.compile(r"\d([^\d]*)$")
_BIG_TAIL = regex.compile(r"[万亿]+$")
_STOPS = regex.compile(r"[。；;！？!?\n，,]")
_ROUND = regex.compile(r"10{4,}")  # 1万, 10亿, 百亿: one followed by zeros


def find(ctx: ArticleContext, rules: RuleSet) -> list[Mention]:
    return find_quantities(ctx, rules, normalise, check=not_a_sum)


def not_a_sum(text: str, mention: Mention, rules: RuleSet) -> str:
    """Why a matched sum names a class or a place rather than money (else "")."""
    values = mention.values
    nouns, money_after = _class_nouns(rules)
    if (text.startswith(nouns, mention.end) and values.get("qualifier") == "exact"
            and _ROUND.fullmatch(str(values.get("value"))) and values.get("value_max") is None):
        noun = next(n for n in nouns if text.startswith(n, mention.end))
        # 1亿元企业发展专项资金 is a sum: the noun only says what the money is for
        rest = _STOPS.split(text[mention.end + len(noun):mention.end + len(noun) + 8])[0]
        if not any(word in rest for word in money_after):
            return f"a round sum before {noun} names a size class, not a sum"
    # most sums begin with an Arabic digit: only a Chinese numeral needs the regex
    if (not text[mention.start].isdigit() and text[mention.end - 1] == "元"
            and _small_cn_numeral(rules).fullmatch(text, mention.start, mention.end - 1)):
        return _small_sum_reason(text, mention, rules)
    return ""


@lru_cache(maxsize=16)
def _class_nouns(rules: RuleSet) -> tuple[tuple[str, ...], tuple[str, ...]]:
    table = rules.table("class_nouns", {})
    return tuple(table.get("nouns", ())), tuple(table.get("money_after", ()))


@lru_cache(maxsize=16)
def _small_cn_numeral(rules: RuleSet) -> regex.Pattern:
    return regex.compile(rules.table("small_cn_sum", {}).get("numeral", "(?!)"))


def _small_sum_reason(text: str, mention: Mention, rules: RuleSet) -> str:
    """三元区, 三元桥, “一元多核”: a Chinese numeral with no magnitude before 元 is a name
    unless the clause talks money (门票五元, 每斤三元)."""
    table = rules.table("small_cn_sum", {})
    suffixes = tuple(table.get("name_suffixes", ()))
    if text.startswith(suffixes, mention.end):
        return "a small Chinese numeral + 元 before a place or name suffix is a name"
    if _has_context(text, mention.start, mention.end, rules):
        return ""
    words = table.get("words", ())
    before, after = text[max(0, mention.start - 12):mention.start], text[mention.end:mention.end + 6]
    before, after = _STOPS.split(before)[-1], _STOPS.split(after)[0]  # within the clause
    if any(w in before or w in after for w in words):
        return ""
    return "a small Chinese numeral + 元 with no money word in the clause is a name"


def normalise(m: regex.Match, pattern: Pattern, rules: RuleSet) -> dict:
    """Value in units of the currency; a list item takes its multiplier from the list's tail."""
    groups = m.groupdict()
    num = groups.get("num") or m.group(0)
    tail = pattern.options.get("tail")
    if tail:
        return {"value": to_plain(parse_number(num + tail["_multiplier"])), "value_max": None}
    unit = groups.get("cur") or "元"
    currency = rules.table("currencies", {}).get(unit, "CNY")
    if unit == "元":  # 港币5000万元: a currency before the number names what 元 counts
        currency = prefix_currency(m.string, m.start(), rules) or currency
    values = {"value": to_plain(parse_number(num)), "value_max": None, "currency": currency,
              "_multiplier": multiplier_of(num)}
    if groups.get("num2"):
        num2 = groups["num2"]
        values["value_max"] = to_plain(parse_number(num2))
        if not multiplier_of(num):  # 3-5亿元: the first number borrows the second's 亿
            values["value"] = to_plain(parse_number(num + multiplier_of(num2)))
        values["qualifier"] = "range"
    return values


def prefix_currency(text: str, start: int, rules: RuleSet) -> str:
    """The currency of a ``prefix_currencies`` word right before ``start`` (a space between allowed), or ""."""
    prefixes = rules.table("prefix_currencies", {})
    before = text[max(0, start - 4):start].rstrip(" \t\u00a0")
    return next((code for word, code in prefixes.items() if before.endswith(word)), "")


@lru_cache(maxsize=4096)
def multiplier_of(num: str) -> str:
    """The magnitude part after the digits: ``15亿`` → ``亿``, ``3万多亿`` → ``万亿``."""
    plain = num.replace("多", "").replace("余", "").replace("个", "")
    m = _ARABIC_TAIL.search(plain)
    if m:
        return m.group(1)
    m = _BIG_TAIL.search(plain)
    return m.group(0) if m else ""
