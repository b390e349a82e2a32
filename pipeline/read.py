"""Stage 1 — read: bytes on disk to article text, with the encoding detected.

Offsets everywhere index the text as Python's text mode gives it (universal
newlines), so ``\r\n`` and ``\r`` become ``\n`` here and nowhere else.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

# Tried in order. GB18030 is a superset of GBK and GB2312, the encodings of most
# Chinese newspaper archives; UTF-8 is tried first because GB18030 accepts many
# byte strings that are really UTF-8.
ENCODINGS = ("utf-8-sig", "gb18030")


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
    if b"\x00" in data:
        raise ReadError(path, "binary data (NUL bytes), not a text file")
    for enc in ENCODINGS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return _universal_newlines(text), enc.replace("-sig", "")
    raise ReadError(path, "not valid UTF-8 or GB18030/GBK text")


def read_article(path: Path, doc_id: str | None = None, **meta) -> Article:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(path, f"cannot read file ({exc.strerror or exc})") from exc
    text, enc = decode(data, path)
    return Article(doc_id=doc_id or path.stem, text=text, path=str(path), encoding=enc, **meta)


def _universal_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_like_text(text: str) -> bool:
    """Reject decodings full of control or unassigned characters (a binary file
    that happens to decode, or the wrong codec)."""
    if not text:
        return True
    bad = sum(1 for ch in text if _is_junk(ch))
    return bad / len(text) < 0.01


def _is_junk(ch: str) -> bool:
    if ch in "\n\r\t\ufeff":
        return False
    return unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")
