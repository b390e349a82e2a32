"""The percent kind: per cents and percentage points, value as written."""
from __future__ import annotations

from decimal import Decimal

import regex

from ..numbers import CN_DIGITS, NumberError, is_approximate_pair, parse_number
from ..rules import Pattern, RuleSet
from .base import ArticleContext, Mention
from .quantity import find_quantities

COLUMNS = ["value", "value_max", "unit", "qualifier"]


def find(ctx: ArticleContext, rules: RuleSet) -> list[Mention]:
    return find_quantities(ctx, rules, normalise)


def normalise(m: regex.Match, pattern: Pattern, rules: RuleSet) -> dict:
    groups = m.groupdict()
    tail = pattern.options.get("tail")
    num = groups.get("num") or m.group(0).rstrip("个")
    if groups.get("half") and not groups.get("num"):
        num = "0"  # 半个百分点
    value = read_number(num) * pattern.options.get("scale", 1)
    if groups.get("half"):  # 一个半百分点 = 1.5
        value += Decimal("0.5")
    if groups.get("frac"):  # 七成半, 三成五: tenths of the share
        value += Decimal(5) if groups["frac"] == "半" else Decimal(CN_DIGITS[groups["frac"]])
    if groups.get("sign"):
        value = -value
    unit = tail["unit"] if tail else pattern.options.get("unit", "%")
    values = {"value": float(value), "value_max": None, "unit": unit}
    if groups.get("num2"):
        values["value_max"] = float(read_number(groups["num2"]))
        values["qualifier"] = "range"
    return values


def read_number(num: str) -> Decimal:
    """Arabic or Chinese, with 点 as the Chinese decimal point (十五点五); 三五 and 一两 (三五个百分点)
    are vague spans, not 35 or 12."""
    if is_approximate_pair(num):
        raise NumberError(f"{num} is an approximate span, not one number")
    if "点" in num:
        whole, frac = num.split("点", 1)
        digits = "".join(str(CN_DIGITS[c]) for c in frac)
        return parse_number(whole) + Decimal("0." + digits)
    return parse_number(num)
