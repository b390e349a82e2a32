from decimal import Decimal

import pytest

from pipeline.numbers import NumberError, parse_number, to_plain


@pytest.mark.parametrize("text,value", [
    ("595.92亿", 59592000000), ("两千三百万", 23000000), ("五千万", 50000000), ("十二亿", 1200000000),
    ("1.2万亿", 1200000000000), ("3万多亿", 3000000000000), ("千亿", 100000000000), ("500多亿", 50000000000),
    ("1个亿", 100000000), ("二〇二〇", 2020), ("一百零五", 105), ("3万5千", 35000), ("十亿零五百万", 1005000000),
    ("1,234.5", 1234.5), ("万", 10000), ("两", 2), ("十", 10), ("二十", 20),
    ("二点五亿", 250000000), ("十二点零五", 12.05), ("一点零五万亿", 1050000000000), ("三点五万", 35000),
])
def test_parse_number(text, value):
    assert to_plain(parse_number(text)) == value


def test_exact_decimal_money():
    assert parse_number("595.92亿") == Decimal("59592000000")
    assert isinstance(to_plain(parse_number("595.92亿")), int)


@pytest.mark.parametrize("text", ["", "百分", "abc", "5G", "二点", "二三十亿", "三四百万", "三五亿", "一两个亿", "七八千万"])
def test_not_a_number(text):
    with pytest.raises(NumberError):
        parse_number(text)
