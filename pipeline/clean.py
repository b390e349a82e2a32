"""Stage 2 — clean: a working copy of the text for matching, with an offset map.

Two repairs, both of which keep a map from every working-copy character back to
the original, so that a record found in the working copy points into the
original text (``original[start:end] == record.text``):

* full-width digits, letters, ``％`` and the ideographic space fold to ASCII, and
  traditional characters to simplified (one character for one character);
* a page break that splits a word or a number (``28个省重\\n\\n点项目``) is removed.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import regex

from .segment import Segmenter

_FOLD = {0x3000: " "}
_FOLD.update({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})  # full-width ASCII block
_FOLD_TABLE = {k: (chr(v) if isinstance(v, int) else v) for k, v in _FOLD.items()}
# Keep the Chinese full-width punctuation that carries meaning for clauses.
for _keep in "，；：！？（）":
    _FOLD_TABLE.pop(ord(_keep), None)
# str.translate looks every character up in the table, one by one; most texts hold none
# or few of these, so only the runs that do are translated (a character class scans fast)
_FOLDABLE_CHARS = "".join(re.escape(chr(c)) for c in sorted(_FOLD_TABLE))  # a character class's inside
_FOLDABLE = re.compile("[" + _FOLDABLE_CHARS + "]+")

# A line break whose left side does not end a sentence or heading: a blank-line break (a page
# or column break in text whose paragraphs are apart by blank lines), or a single one (text
# wrapped line by line; ``single`` is then the group that took part).
_BREAK = regex.compile(r"(?<=[^\s。！？!?；;：:…—”」』）)])[ \t]*\n(?:(?:[ \t]*\n)+|(?P<single>))[ \t]*(?=[^\s#■])")
_CLAUSE_PUNCT = regex.compile(r"[，,、；;]")
# OCR noise inside numbers: a letter O for a zero (2O2O年, 1OO万元), and blanks or a line
# break around a decimal point (595. 92, 595\n.92). Digits split without a decimal point
# are not joined (a table column could look the same); the extractor rejects those.
_OCR_ZERO = regex.compile(r"(?<=\d)[Oo]+(?=\d|[年月日%万亿元])")
# The gap is the group that took part; the pattern starts at the digit rather than behind a
# lookbehind, which the engine would try at every position of the text.
_OCR_DECIMAL_GAP = regex.compile(r"\d(?:([ \t]*\n?[ \t]*)(?=\.\d)|\.([ \t]*\n?[ \t]*)(?=\d))")
_LONG_LINE = 30  # a line this long with clause punctuation is running text, not a heading


@dataclass
class CleanText:
    """The working copy and its map back to the original. The map is the removed spans
    (``breaks``): most texts have none or a few, so a position is mapped through them by
    bisect, and the per-character list ``offsets`` (a Python int per character, ~40% of
    the stage's time when it was always built) is made only when asked for."""
    original: str
    text: str
    breaks: list[tuple[int, int]] = field(default_factory=list)  # original spans removed, sorted, apart

    def __post_init__(self):
        # the working-copy index where each removed span's right side starts, and the
        # original index minus the working-copy index from there on
        self._piece_starts, self._shifts, removed = [], [], 0
        for start, end in self.breaks:
            removed += end - start
            self._piece_starts.append(end - removed)
            self._shifts.append(removed)

    @cached_property
    def offsets(self) -> list[int]:
        """offsets[i] = index in original of text[i]; one extra entry at the end."""
        offsets, pos = [], 0
        for start, end in self.breaks:
            offsets.extend(range(pos, start))
            pos = end
        offsets.extend(range(pos, len(self.original)))
        offsets.append(len(self.original))
        return offsets

    def original_index(self, i: int) -> int:
        """``offsets[i]`` without the list (``i`` from 0 to ``len(text)``)."""
        if not self._shifts or i < self._piece_starts[0]:
            return i
        return i + self._shifts[bisect.bisect_right(self._piece_starts, i) - 1]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        if not self._shifts:  # nothing removed: the same offsets
            return (start, start) if end <= start else (start, end)
        if end <= start:
            return self.original_index(start), self.original_index(start)
        return self.original_index(start), self.original_index(end - 1) + 1

    def is_repaired_break(self, clean_pos: int) -> bool:
        """True when a page break was removed just before working-copy index ``clean_pos``."""
        return 0 < clean_pos < len(self.text) and self.original_index(clean_pos) != self.original_index(clean_pos - 1) + 1


def clean(original: str, segmenter: Segmenter | None = None) -> CleanText:
    folded = _ocr_zeros(_fold_and_simplify(original))
    removed = [m.span() for m in _BREAK.finditer(folded) if _is_page_break(folded, m, segmenter)]
    gaps = _decimal_gaps(folded)
    removed = _merge_spans(removed + gaps)
    if not removed:
        return CleanText(original, folded, removed)
    pieces, pos = [], 0
    for start, end in removed:
        pieces.append(folded[pos:start])
        pos = end
    pieces.append(folded[pos:])
    return CleanText(original, "".join(pieces), removed)


def _ocr_zeros(text: str) -> str:
    """Letters O read for zeros inside numbers to zeros (``2O2O年``)."""
    if "O" not in text and "o" not in text:
        return text  # the usual case, found without trying the pattern at every character
    return _OCR_ZERO.sub(lambda m: "0" * len(m[0]), text)


def _decimal_gaps(text: str) -> list[tuple[int, int]]:
    """Spans of the blanks and line breaks around decimal points (``595. 92``)."""
    if not _blank_beside_a_dot(text):
        return []  # the usual case, found without trying the pattern at every digit
    return [gap for m in _OCR_DECIMAL_GAP.finditer(text) if (gap := m.span(m.lastindex))[1] > gap[0]]


def _blank_beside_a_dot(text: str) -> bool:
    """A gap ends just before a dot or starts just after one, and is made of blanks and line
    breaks: without such a dot the text has no gap. Dots are few in Chinese text."""
    i = text.find(".")
    while i >= 0:
        if (i and text[i - 1] in " \t\n") or text[i + 1:i + 2] in (" ", "\t", "\n"):
            return True
        i = text.find(".", i + 1)
    return False


def _fold_and_simplify(text: str) -> str:
    """``to_simplified(fold(text))``; most texts hold neither a foldable character nor one that
    may start a t2s change, found in one scan instead of one per step."""
    either = _foldable_or_trigger()
    if either is not None and either.search(text) is None:
        return text
    return to_simplified(fold(text))


@lru_cache(maxsize=1)
def _foldable_or_trigger():
    """One character class of ``_FOLDABLE``'s and ``_trigger()``'s characters (None without a trigger)."""
    trigger = _trigger()  # "[...]": its inside joins the foldable characters
    return None if trigger is None else re.compile("[" + _FOLDABLE_CHARS + trigger.pattern[1:-1] + "]")


def fold(text: str) -> str:
    """Full-width ASCII and the ideographic space to ASCII (``text.translate(_FOLD_TABLE)``)."""
    return _FOLDABLE.sub(_fold_run, text)


def _fold_run(m: re.Match) -> str:
    return m[0].translate(_FOLD_TABLE)


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC t2s) for matching, one for one so
    that offsets hold; where a phrase conversion would change the length, convert
    character by character instead."""
    if not _may_change(text):  # most texts: no traditional character, nothing to convert
        return text
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(c := _t2s().convert(ch)) == 1 else ch for ch in text)


def _may_change(text: str) -> bool:
    """False only when OpenCC t2s would give the text back as it is: it holds no key of
    OpenCC's t2s dictionaries that converts to something else (``t2s_chars``)."""
    trigger = _trigger()
    if trigger is None:
        return True
    from .t2s_chars import PHRASES

    for m in trigger.finditer(text):
        ch, at = m[0], m.start()
        if ch in _changing_chars():
            return True
        for phrase in PHRASES.get(ch, ()):
            # the anchor may stand anywhere in its phrase, even twice
            if any(text.startswith(phrase, at - j) for j, c in enumerate(phrase) if c == ch and at >= j):
                return True
    return False


@lru_cache(maxsize=1)
def _changing_chars() -> frozenset:
    from .t2s_chars import CHARS

    return frozenset(CHARS)


@lru_cache(maxsize=1)
def _trigger():
    """A pattern for the characters that may start a change: the one-character changing keys,
    the anchors of the longer ones, and any character beyond the BMP (few in news text; a
    class of such characters makes the engine scan slowly), checked one by one. None when
    the installed OpenCC is not the one the table was made from: then every text is converted."""
    import opencc

    from .t2s_chars import CHARS, OPENCC_VERSION, PHRASES

    if opencc.__version__ != OPENCC_VERSION:
        return None
    bmp = sorted(c for c in set(CHARS) | set(PHRASES) if ord(c) < 0x10000)
    return re.compile("[" + "".join(map(re.escape, bmp)) + "\U00010000-\U0010FFFF]")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _is_page_break(text: str, m, segmenter: Segmenter | None) -> bool:
    line_start = text.rfind("\n", 0, m.start()) + 1
    line = text[line_start:m.start()]
    if line.lstrip().startswith(("#", "■")) or "■" in line:
        return False  # headings and bylines / photo credits
    nxt = text[m.end():m.end() + 6]
    if m.group("single") is not None:
        return _is_wrapped_line(line, nxt, segmenter)
    if _parts_number_and_unit(line, nxt):
        return True  # 民间投资1.2\n\n亿元: no paragraph starts with a unit
    if segmenter is not None and segmenter.spans_boundary(line[-6:], nxt):
        return True  # the break cuts a word in two
    return len(line) >= _LONG_LINE and bool(_CLAUSE_PUNCT.search(line))


def _is_wrapped_line(line: str, nxt: str, segmenter: Segmenter | None) -> bool:
    """A single line break inside running text: it cuts a word in two (年产40万副车\n灯项目) or
    parts a number from its unit (总投资5\n亿元). A single break between two digits may part
    the columns of a table, and one that cuts no word may end a line of a list: both are kept."""
    if not line or (line[-1].isdigit() and nxt[:1].isdigit()):
        return False
    if _parts_number_and_unit(line, nxt):
        return True
    return segmenter is not None and segmenter.spans_boundary(line[-6:], nxt)


def _parts_number_and_unit(line: str, nxt: str) -> bool:
    """The line ends with a digit and the next begins with a money or percent unit."""
    return bool(line) and line[-1].isdigit() and _UNIT_AFTER_BREAK.match(nxt) is not None


_UNIT_AFTER_BREAK = regex.compile(r"[万亿千百]*(?:元|美元|%|个百分点)")
