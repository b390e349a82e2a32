"""Numerals to numbers: Arabic, Chinese and mixed (``1.2万亿``, ``两千三百万``, ``3万多亿``).

Decimal arithmetic so that ``595.92亿`` is exactly 59592000000, not 59592000000.00001.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
             "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
             "九": 9, "玖": 9}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10**4, "亿": 10**8}
FILLERS = "多余个,，"  # approximate markers and separators that do not change the value


class NumberError(ValueError):
    pass


@lru_cache(maxsize=4096)  # the same numerals come back (1亿, 5000万, 2.5): read each once
def parse_number(s: str) -> Decimal:
    """Parse a numeral with optional Chinese units; raise NumberError if it is not one."""
    s = s.strip().replace(" ", "")
    if not s:
        raise NumberError("empty numeral")
    total, section, number = Decimal(0), Decimal(0), None
    i = 0
    while i < len(s):
        ch = s[i]
        if ch.isdigit() or ch == ".":
            j = i
            while j < len(s) and (s[j].isdigit() or s[j] in ".,"):
                j += 1
            number = _decimal(s[i:j].replace(",", ""))
            i = j
            continue
        if ch in CN_DIGITS:
            number, i = _cn_digit_run(s, i, number)
            continue
        if ch == "点":  # 二点五, 十二点零五: the digits after 点 are the decimals
            number, i = section + (number or 0) + _cn_fraction(s, i + 1), _cn_digits_end(s, i + 1)
            section = Decimal(0)
            continue
        if ch in SMALL_UNITS:
            section += (number if number is not None else 1) * SMALL_UNITS[ch]
            number = None
        elif ch == "万":
            section = (section + (number or 0) or 1) * BIG_UNITS[ch]
            number = None
        elif ch == "亿":
            total = (total + section + (number or 0) or 1) * BIG_UNITS[ch]
            section, number = Decimal(0), None
        elif ch not in FILLERS:
            raise NumberError(f"not a numeral character: {ch!r} in {s!r}")
        i += 1
    return total + section + (number or 0)


def _cn_digit_run(s: str, i: int, number):
    """Digits written one by one (``二〇二〇``) read positionally; a single digit is itself."""
    j = i
    while j < len(s) and s[j] in CN_DIGITS:
        j += 1
    run = s[i:j]
    if _approximate_pair(run, s[j:j + 1]):
        raise NumberError(f"{run}{s[j]} is an approximate span, not one number")
    value = Decimal("".join(str(CN_DIGITS[c]) for c in run)) if len(run) > 1 else Decimal(CN_DIGITS[run])
    return value, j


def _approximate_pair(run: str, unit: str) -> bool:
    """二三十亿, 三四百万, 三五亿, 一两个亿: two digits before a unit say "twenty or thirty",
    a vague span, not 23 or 34 (a positional run such as 二〇二〇 has no unit after it)."""
    if not unit or (unit not in SMALL_UNITS and unit not in BIG_UNITS and unit != "个"):
        return False
    return is_approximate_pair(run)


def is_approximate_pair(run: str) -> bool:
    """Two Chinese digits that name a vague span: neighbours (二三, 七八, 一两) or 三五."""
    if len(run) != 2 or run[0] not in CN_DIGITS or run[1] not in CN_DIGITS:
        return False
    first, second = CN_DIGITS[run[0]], CN_DIGITS[run[1]]
    return first >= 1 and (second == first + 1 or (first, second) == (3, 5))


def _cn_digits_end(s: str, i: int) -> int:
    while i < len(s) and s[i] in CN_DIGITS:
        i += 1
    return i


def _cn_fraction(s: str, i: int) -> Decimal:
    digits = "".join(str(CN_DIGITS[c]) for c in s[i:_cn_digits_end(s, i)])
    if not digits:
        raise NumberError(f"no digits after 点 in {s!r}")
    return Decimal("0." + digits)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise NumberError(f"bad number {text!r}") from exc


def to_plain(value: Decimal) -> int | float:
    """An int when the value is whole (money in yuan), else a float."""
    return int(value) if value == value.to_integral_value() else float(value)


def has_digit(s: str) -> bool:
    return any(c.isdigit() or c in CN_DIGITS for c in s)
