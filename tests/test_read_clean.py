import pytest

from pipeline.clean import clean
from pipeline.read import ReadError, decode, read_article
from pipeline.segment import get_segmenter

from .conftest import RULES

SEG = get_segmenter(str(RULES / "lexicon"))
SAMPLE = "全市完成投资595.92亿元，增长4.3%。"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_decodes_chinese_encodings(encoding):
    text, _ = decode(SAMPLE.encode(encoding))
    assert text == SAMPLE


def test_universal_newlines():
    text, _ = decode("第一段\r\n\r\n第二段\r第三段".encode("utf-8"))
    assert text == "第一段\n\n第二段\n第三段"


def test_binary_file_is_named_in_the_error(tmp_path):
    bad = tmp_path / "scan.txt"
    bad.write_bytes(b"\x00\x01\x02PNG\xff\xfe" * 20)
    with pytest.raises(ReadError) as exc:
        read_article(bad)
    assert "scan.txt" in str(exc.value)


def test_undecodable_bytes_are_reported():
    with pytest.raises(ReadError, match="not valid UTF-8, UTF-16, GB18030/GBK or Big5"):
        decode(bytes([0x81, 0x20, 0xFF, 0x81, 0x7F]) * 10, "x.txt")


def test_full_width_folding_keeps_offsets():
    original = "总投资１２亿元，增长４．５％"
    c = clean(original, SEG)
    assert c.text == "总投资12亿元，增长4.5%"
    assert len(c.text) == len(original)
    start = c.text.index("12亿元")
    s, e = c.to_original(start, start + 4)
    assert original[s:e] == "１２亿元"


def test_page_break_inside_a_word_is_repaired_with_an_offset_map():
    original = "今年以来，全市项目建设取得新进展，已经有28个省重\n\n点项目全部开工建设。"
    c = clean(original, SEG)
    assert "省重点项目" in c.text
    start = c.text.index("省重点项目")
    s, e = c.to_original(start, start + 5)
    assert original[s:e] == "省重\n\n点项目"
    assert c.is_repaired_break(start + 2)


def test_headings_and_paragraph_ends_are_not_page_breaks():
    original = "## 关键词 产业链建设\n\n我市大力推进园区建设。\n\n新的一年开始了"
    assert clean(original, SEG).text == original


@pytest.mark.parametrize("original,joined", [
    ("比亚迪年产40万副车\n灯项目开工", "比亚迪年产40万副车灯项目开工"),  # the break cuts 车灯 in two
    ("项目总投资5\n亿元，其中", "项目总投资5亿元，其中"),  # a number parted from its unit
    ("同比增长12  \n%，高于全省", "同比增长12%，高于全省"),
])
def test_a_single_line_break_inside_running_text_is_repaired(original, joined):
    c = clean(original, SEG)
    assert c.text == joined
    assert c.to_original(0, len(c.text)) == (0, len(original))
    assert [original[c.original_index(i)] for i in range(len(c.text))] == list(joined)


def test_a_blank_line_break_between_a_number_and_its_unit_is_repaired_on_a_short_line():
    assert clean("民间投资1.2\n\n亿元，同比增长8%。", SEG).text == "民间投资1.2亿元，同比增长8%。"
    assert clean("## 2021\n\n年终盘点", SEG).text == "## 2021\n\n年终盘点"  # a heading stays


@pytest.mark.parametrize("original", [
    "一是加快项目建设\n二是优化营商环境",  # the lines of a list: no word cut
    "年终盘点  \n特别策划",  # a heading's lines
    "全市完成投资59\n92亿元待核",  # digits on both sides: maybe a table's columns
    "今年开工项目38个。\n项目总投资",  # the line ends a sentence
])
def test_a_single_line_break_that_cuts_nothing_stays(original):
    assert clean(original, SEG).text == original


def test_byline_is_not_a_page_break():
    original = "■本报记者 张三\n\n回顾过去一年的发展"
    assert clean(original, SEG).text == original


@pytest.mark.parametrize("noisy,fixed", [
    ("完成投资595. 92 亿元", "完成投资595.92 亿元"),
    ("完成投资595 .92亿元", "完成投资595.92亿元"),
    ("完成投资595.\n92亿元", "完成投资595.92亿元"),
    ("2O2O年完成投资1OO万元", "2020年完成投资100万元"),
])
def test_ocr_noise_inside_numbers_is_repaired(noisy, fixed):
    c = clean(noisy, SEG)
    assert c.text == fixed
    start = c.text.index("9" if "9" in fixed else "1")
    assert c.to_original(start, start + 1)[0] == noisy.index(c.text[start])


def test_ocr_letter_o_outside_numbers_stays():
    assert clean("OPPO手机和GOOD公司", SEG).text == "OPPO手机和GOOD公司"


def test_decimal_gaps_need_a_blank_beside_a_dot():
    import random

    from pipeline import clean as C

    def every_gap(text):  # the pattern tried on every text (the reference)
        return [g for m in C._OCR_DECIMAL_GAP.finditer(text) if (g := m.span(m.lastindex))[1] > g[0]]

    rng = random.Random(5)
    found = 0
    for _ in range(3000):
        text = "".join(rng.choice(["1", "95", ".", " ", "\t", "\n", "亿元", "。", "a", "．"]) for _ in range(rng.randint(0, 10)))
        assert C._decimal_gaps(text) == every_gap(text), repr(text)
        found += bool(every_gap(text))
    assert found > 10  # texts with gaps were among them
