"""Stage 1 — read: bytes on disk to article text, with the encoding detected.

Offsets everywhere index the text as Python's text mode gives it (universal
newlines), so ``\r\n`` and ``\r`` become ``\n`` here and nowhere else.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy

# A byte-order mark settles the encoding. Without one, UTF-8 is tried first (GB18030
# accepts many byte strings that are really UTF-8); then GB18030 (a superset of GBK
# and GB2312, the encodings of most mainland archives) and Big5 (Hong Kong and Taiwan)
# compete, and the decoding whose Chinese characters are the more common ones wins,
# because each of the two decodes most of the other's bytes into rare characters.
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
DOUBLE_BYTE = ("gb18030", "big5")
HTML_SUFFIXES = (".html", ".htm")


class ReadError(Exception):
    """An input file that cannot be turned into article text."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


@dataclass(frozen=True)
class Article:
    doc_id: str
    text: str
    path: str = ""
    encoding: str = "utf-8"
    paper: str = ""
    issue_date: str = ""  # ISO date or ""
    title: str = ""


def decode(data: bytes, path="<bytes>") -> tuple[str, str]:
    """Return (text, encoding) or raise ReadError naming the file and the problem."""
    for bom, enc in BOMS:
        if data.startswith(bom):
            return _decode_as(data, enc, path), enc.replace("-sig", "")
    if b"\x00" in data:
        raise ReadError(path, "binary data (NUL bytes), not a text file")
    try:
        text = data.decode("utf-8")
        if _looks_like_text(text):
            return _universal_newlines(text), "utf-8"
    except UnicodeDecodeError:
        pass
    # the decodings compete one at a time, so that at most two whole texts are alive;
    # the first of equal shares wins, as max() over a list of candidates would pick it
    best = None
    for enc in DOUBLE_BYTE:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            share = _common_share(text)
            if best is None or share > best[0]:
                best = (share, enc, text)
        del text
    if best is None:
        raise ReadError(path, "not valid UTF-8, UTF-16, GB18030/GBK or Big5 text")
    _, enc, text = best
    return _universal_newlines(text), enc


def _decode_as(data: bytes, enc: str, path) -> str:
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        raise ReadError(path, f"starts with a {enc.upper()} byte-order mark but is not valid {enc.upper()} ({exc.reason})") from exc
    return _universal_newlines(text.lstrip("\ufeff"))


def _common_share(text: str) -> float:
    """Share of the Chinese characters that are common ones, simplified (GB2312 level 1)
    or traditional (Big5 frequent block)."""
    counts: dict[int, int] = {}  # code point -> occurrences, over the CJK block
    for codes in _code_blocks(text):
        cjk, n = numpy.unique(codes[(codes >= 0x4E00) & (codes <= 0x9FFF)], return_counts=True)
        for c, k in zip(cjk.tolist(), n.tolist()):
            counts[c] = counts.get(c, 0) + k
    # each distinct character classified once; integer sums, so the share is the same float
    total = sum(counts.values())
    common = sum(k for c, k in counts.items() if _is_common(chr(c)))
    return common / total if total else 0.0


def _is_common(ch: str) -> bool:
    for enc, low, high in (("gb2312", 0xB0, 0xD7), ("big5", 0xA4, 0xC6)):
        try:
            if low <= ch.encode(enc)[0] <= high:
                return True
        except UnicodeEncodeError:
            pass
    return False


def read_article(path: Path, doc_id: str | None = None, **meta) -> Article:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(path, f"cannot read file ({exc.strerror or exc})") from exc
    return article_from_bytes(data, path, doc_id, **meta)


def article_from_bytes(data: bytes, path: Path | str, doc_id: str | None = None, **meta) -> Article:
    """The article a file's bytes hold (batch workers get bytes, not paths)."""
    path = Path(path)
    text, enc = decode(data, path)
    if path.suffix.lower() in HTML_SUFFIXES:
        from .html import (
            html_to_text,  # offsets index the extracted text, saved beside the outputs
        )

        text = html_to_text(text)
    return Article(doc_id=doc_id or path.stem, text=text, path=str(path), encoding=enc, **meta)


def _universal_newlines(text: str) -> str:
    if "\r" not in text:  # the usual case: no copy, and one scan instead of two
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_like_text(text: str) -> bool:
    """Reject decodings full of control or unassigned characters (a binary file
    that happens to decode, or the wrong codec)."""
    if not text:
        return True
    if _BEYOND_BMP.search(text) is None:
        # the usual text: one regex scan counts its junk (subn copies nothing when there is none);
        # code point arrays cost ~3x as much per article in a running pipeline (their numpy calls)
        bad = _bmp_junk_pattern().subn("", text)[1]
    else:
        bad = sum(_junk_count(codes) for codes in _code_blocks(text))
    return bad / len(text) < 0.01


_BEYOND_BMP = re.compile("[\U00010000-\U0010FFFF]")


@lru_cache(maxsize=1)
def _bmp_junk_pattern() -> re.Pattern:
    """A character class of the junk characters of the BMP (``_bmp_junk``), as ranges (~350)."""
    junk = _bmp_junk()
    edges = numpy.flatnonzero(numpy.diff(junk.astype(numpy.int8), prepend=0, append=0))
    ranges = (re.escape(chr(a)) + "-" + re.escape(chr(b - 1)) for a, b in zip(edges[::2].tolist(), edges[1::2].tolist()))
    return re.compile("[" + "".join(ranges) + "]")


# Code points are looked at a block of characters at a time: a whole 50 MB article as
# 4-byte code points (and the arrays derived from them) would cost ~270 MB for a moment.
_BLOCK_CHARS = 1 << 20


def _code_blocks(text: str):
    """The text's code points as uint32 arrays of at most ``_BLOCK_CHARS`` each."""
    for i in range(0, len(text), _BLOCK_CHARS):
        yield numpy.frombuffer(text[i:i + _BLOCK_CHARS].encode("utf-32-le", "surrogatepass"), dtype=numpy.uint32)


def _junk_count(codes) -> int:
    """How many of these code points are junk (``_is_junk``)."""
    # code points through a table of the BMP, not a Python call per character
    in_bmp = codes < 0x10000
    if in_bmp.all():
        return int(numpy.count_nonzero(_bmp_junk()[codes]))
    bad = int(numpy.count_nonzero(_bmp_junk()[codes[in_bmp]]))
    # characters beyond the BMP are rare: each distinct one classified
    chars, counts = numpy.unique(codes[~in_bmp], return_counts=True)
    return bad + sum(n for c, n in zip(chars.tolist(), counts.tolist()) if _is_junk(chr(c)))


@lru_cache(maxsize=1)
def _bmp_junk():
    """_is_junk of every character of the Basic Multilingual Plane (~15 ms, once per process)."""
    return numpy.fromiter(map(_is_junk, map(chr, range(0x10000))), dtype=bool, count=0x10000)


def _is_junk(ch: str) -> bool:
    if ch in "\n\r\t\ufeff":
        return False
    return unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")
