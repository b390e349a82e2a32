"""The amount kind: money sums normalised to yuan (or the stated currency)."""
from __future__ import annotations

from functools import lru_cache

import regex

from ..numbers import parse_number, to_plain
from ..rules import Pattern, RuleSet
from .base import ArticleContext, Mention
from .quantity import find_quantities

COLUMNS = ["value", "value_max", "currency", "qualifier"]
_ARABIC_TAIL = regex.compile(r"\d([^\d]*)$")
_BIG_TAIL = regex.compile(r"[万亿]+$")


def find(ctx: ArticleContext, rules: RuleSet) -> list[Mention]:
    return find_quantities(ctx, rules, normalise)


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
