"""Messy inputs: encodings, HTML pages, empty and binary files."""
import os

import pytest

from pipeline import extract_articles
from pipeline.html import html_to_text
from pipeline.read import ReadError, decode, read_article

SIMPLIFIED = "全市完成投资595.92亿元，增长4.3%。"
TRADITIONAL = "全市完成投資595.92億元，增長4.3%。經濟運行穩中向好。"


@pytest.mark.parametrize("text,encoding", [
    (SIMPLIFIED, "utf-16"), (TRADITIONAL, "utf-16"), (TRADITIONAL, "big5"), (TRADITIONAL, "gb18030"),
    (SIMPLIFIED, "gbk"), (SIMPLIFIED, "utf-8-sig"),
])
def test_encodings_are_detected(text, encoding):
    decoded, _ = decode(text.encode(encoding))
    assert decoded == text


def test_utf16_with_a_broken_body_is_named(tmp_path):
    with pytest.raises(ReadError, match="UTF-16"):
        decode(b"\xff\xfe" + "投资".encode("utf-16-le") + b"\x00\xd8", "x.txt")


def test_traditional_text_is_extracted_with_offsets_into_the_original(tmp_path):
    path = tmp_path / "hk.txt"
    path.write_bytes(TRADITIONAL.encode("big5"))
    tables = extract_articles([read_article(path)])
    row = tables["amount"].iloc[0]
    assert (row.text, row.value) == ("595.92億元", 59592000000)
    assert TRADITIONAL[row.start:row.end] == row.text
    assert tables["percent"].iloc[0].value == 4.3


PAGE = """<html><head><title>衡阳日报</title><script>var x = "投资99亿元";</script>
<style>p {color: red}</style></head><body><nav>首页 | 要闻 | 投资100亿元</nav>
<article><h1>项目建设提速</h1><p>全市完成投资<b>595.92亿元</b>，增长4.3%。</p>
<p>第二段&lt;script&gt;不是脚本&lt;/script&gt;</p><!-- 注释 200亿元 --></article>
<footer>版权所有 投资300亿元</footer></body></html>"""


def test_html_text_drops_scripts_and_navigation():
    text = html_to_text(PAGE)
    assert text == "项目建设提速\n\n全市完成投资595.92亿元，增长4.3%。\n\n第二段<script>不是脚本</script>"


def test_html_article_is_read_and_extracted(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    article = read_article(path)
    tables = extract_articles([article])
    assert list(tables["amount"].text) == ["595.92亿元"]
    row = tables["amount"].iloc[0]
    assert article.text[row.start:row.end] == row.text


@pytest.mark.parametrize("content", [b"", b"   \n\n\t  \n", "\ufeff".encode("utf-8")])
def test_empty_and_blank_files_give_no_records_and_no_error(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    tables = extract_articles([read_article(path)])
    assert len(tables.errors) == 0 and all(len(df) == 0 for df in tables.frames.values())


def test_binary_file_with_a_txt_name_is_an_error_naming_it(tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ReadError, match="photo.txt"):
        read_article(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its permissions")
def test_unreadable_file_is_an_error_naming_it(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SIMPLIFIED, encoding="utf-8")
    path.chmod(0)
    with pytest.raises(ReadError, match="secret.txt"):
        read_article(path)


def test_names_with_spaces_and_chinese_characters(tmp_path):
    path = tmp_path / "衡阳 日报 2021.txt"
    path.write_text(SIMPLIFIED, encoding="utf-8")
    tables = extract_articles([read_article(path)])
    assert list(tables["amount"].doc_id) == ["衡阳 日报 2021"]
