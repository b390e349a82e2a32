"""read's text checks by blocks of code points give the verdicts of the whole-text checks."""
import random

import numpy
import pytest

from pipeline import read


def whole_looks_like_text(text: str) -> bool:
    """The check as it was, over the whole text at once (the reference)."""
    if not text:
        return True
    codes = numpy.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=numpy.uint32)
    in_bmp = codes < 0x10000
    bad = int(numpy.count_nonzero(read._bmp_junk()[codes[in_bmp]]))
    if not in_bmp.all():
        chars, counts = numpy.unique(codes[~in_bmp], return_counts=True)
        bad += sum(n for c, n in zip(chars.tolist(), counts.tolist()) if read._is_junk(chr(c)))
    return bad / len(text) < 0.01


def whole_common_share(text: str) -> float:
    cjk = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    return sum(read._is_common(ch) for ch in cjk) / len(cjk) if cjk else 0.0


JUNK = "\x01\x7f\x85\ue000\U000f0000\u0378\ud800\U0010fffe"  # Cc, Co, Cn, Cs, private use beyond the BMP
FINE = "中國国人\n\r\t\ufeffa1，。\U00020000\U0001f600榮譽"


def random_text(rng: random.Random, n: int, junk_share: float) -> str:
    out = []
    while len(out) < n:
        pool = JUNK if rng.random() < junk_share else FINE
        out.extend(rng.choice(pool) * rng.randint(1, 9))  # runs, which block boundaries cut
    return "".join(out[:n])


def texts():
    rng = random.Random(8)
    yield ""
    yield "\x01"
    yield "a" * 99 + "\x01"  # exactly 1 %: rejected
    yield "a" * 100 + "\x01"  # just under 1 %: kept
    yield "\x01" * 50 + "中" * 4950  # a run of junk across several blocks, 1 %
    yield "中" * 4951 + "\x01" * 49
    yield "\U000f0000" * 3 + "中" * 297
    for n in (1, 6, 7, 8, 13, 14, 15, 100, 997, 5000):
        for share in (0.0, 0.002, 0.005, 0.01, 0.03, 0.5):
            yield random_text(rng, n, share)


@pytest.mark.parametrize("block", [1, 2, 7, 64, 1 << 20])
def test_block_verdict_is_the_whole_verdict(monkeypatch, block):
    monkeypatch.setattr(read, "_BLOCK_CHARS", block)
    for text in texts():
        assert read._looks_like_text(text) == whole_looks_like_text(text), (block, text[:40])


@pytest.mark.parametrize("block", [1, 7, 1 << 20])
def test_common_share_by_blocks_is_the_whole_share(monkeypatch, block):
    monkeypatch.setattr(read, "_BLOCK_CHARS", block)
    rng = random.Random(6)
    cjk = [chr(c) for c in range(0x4E00, 0xA000)]
    samples = ["", "abc", "中国", "中國榮譽", "\u9fff\u4e00x"]
    samples += ["".join(rng.choice(cjk + list("aé，\n\U00020000")) for _ in range(rng.randint(1, 400))) for _ in range(40)]
    for text in samples:
        assert read._common_share(text) == whole_common_share(text)


def test_decode_of_big5_and_gb18030_text_is_unchanged():
    sample = "香港特別行政區政府今年投資五十億元，增長百分之四。\r\n臺灣"
    for enc in ("big5", "gb18030"):
        text, got = read.decode(sample.encode(enc))
        assert (text, got) == (sample.replace("\r\n", "\n"), enc)
