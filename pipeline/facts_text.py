"""The text a fact is read from: one article's clean working copy cut into
sections, paragraphs, sentences and clauses, with the mention tables mapped onto it.

Facts are linked in the clean copy (page breaks repaired, so ``28个省重\\n\\n点项目``
reads as one phrase) and every part is mapped back to original offsets at the end.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import pandas as pd
import regex

from .clean import CleanText, clean
from .segment import Segmenter


@dataclass
class Span:
    start: int  # clean-copy offsets
    end: int
    row: dict = field(default_factory=dict)  # the mention row (original offsets) it came from
    target: bool | None = None  # a date carried from an earlier window: whether a target marker leads it


@dataclass
class FactText:
    doc_id: str
    cleaned: CleanText
    paragraphs: list[tuple[int, int]]
    headings: dict[int, int]  # paragraph index -> heading level (# count)
    sentences: list[tuple[int, int]]
    mentions: dict[str, list[Span]]  # kind -> spans in clean offsets, sorted
    segmenter: Segmenter
    cache: dict = field(default_factory=dict)  # work the linker does once per article (usable dates …)
    origin: int = 0  # where the text starts in the article (a window of a huge one; see ``windows``)
    carried: list = field(default_factory=list)  # (heading level, its last date) from earlier windows

    @property
    def text(self) -> str:
        return self.cleaned.text

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        start, end = self.cleaned.to_original(start, end)
        return start + self.origin, end + self.origin

    def enclosing(self, spans: list[tuple[int, int]], pos: int) -> tuple[int, int]:
        if spans is self.sentences:  # in text order, not overlapping: the one that can hold pos
            i = bisect.bisect_right(self.sentence_starts(), pos) - 1
            return spans[i] if i >= 0 and pos < spans[i][1] else (pos, pos)
        for s, e in spans:
            if s <= pos < e:
                return s, e
        return pos, pos

    def sentence_starts(self) -> list[int]:
        if "sentence_starts" not in self.cache:  # made once (a setdefault would build the list every call)
            self.cache["sentence_starts"] = [s for s, _ in self.sentences]
        return self.cache["sentence_starts"]

    def starting_in(self, kind: str, lo: int, hi: int, spans: list[Span] | None = None) -> list[Span]:
        """The spans of ``kind`` (or of ``spans``, sorted, cached under ``kind``) with lo <= start < hi,
        in their order: found by bisection, where a scan of the article's mentions for every
        clause made the facts of a huge article cost the square of its length."""
        spans, starts, _ = self._index(kind, spans)
        return spans[bisect.bisect_left(starts, lo):bisect.bisect_left(starts, hi)]

    def overlapping(self, kind: str, lo: int, hi: int) -> list[Span]:
        """The mentions of ``kind`` with start < hi and lo < end, in their order."""
        spans, starts, longest = self._index(kind)
        first, stop = bisect.bisect_left(starts, lo - longest), bisect.bisect_left(starts, hi)
        return [m for m in spans[first:stop] if lo < m.end]

    def _index(self, kind: str, spans: list[Span] | None = None) -> tuple[list[Span], list[int], int]:
        key = ("index", kind)
        if key not in self.cache:
            spans = self.mentions.get(kind, []) if spans is None else spans
            self.cache[key] = (spans, [m.start for m in spans], max((m.end - m.start for m in spans), default=0))
        return self.cache[key]

    def paragraph_index(self, pos: int) -> int:
        if "paragraph_starts" not in self.cache:  # paragraphs are in text order and do not overlap
            self.cache["paragraph_starts"] = [s for s, _ in self.paragraphs]
        i = bisect.bisect_right(self.cache["paragraph_starts"], pos) - 1
        return i if i >= 0 and self.paragraphs[i][0] <= pos < self.paragraphs[i][1] else -1


def fact_text(doc_id: str, original: str, rows: dict[str, list[dict]], segmenter: Segmenter,
              sentence_ends: str, origin: int = 0) -> FactText:
    """``rows``: kind -> this article's mention rows (``rows_by_doc`` gives them for a run);
    ``original`` is the article's text, or the window of it that starts at ``origin``."""
    cleaned = clean(original, segmenter)
    paragraphs, headings = _paragraphs(cleaned.text)
    sentences = [s for p in paragraphs for s in split_spans(cleaned.text, p, sentence_ends, keep=True)]
    mentions = {kind: _spans(kind_rows, cleaned.offsets, origin) for kind, kind_rows in rows.items()}
    return FactText(doc_id, cleaned, paragraphs, headings, sentences, mentions, segmenter, origin=origin)


# The end of a line that ends a sentence, with the blank lines after it: the cleaner never
# joins across it (a page break is repaired only when its left side does not end a sentence),
# so a window cut there has the working copy of the whole text, and paragraphs, sentences and
# clauses never cross it.
_WINDOW_CUT = regex.compile(r"[。！？!?；;][ \t\u3000]*\n(?:[ \t\u3000]*\n)*")


def windows(text: str, size: int) -> list[tuple[int, int]]:
    """Consecutive (start, end) spans of ``text`` of at least ``size`` characters (the last may
    be shorter), each cut at the start of a line after a sentence end (``_WINDOW_CUT``)."""
    out, pos = [], 0
    while pos < len(text):
        m = _WINDOW_CUT.search(text, pos + size) if len(text) - pos > size else None
        end = m.end() if m else len(text)
        out.append((pos, end))
        pos = end
    return out


def rows_by_doc(frames: dict[str, pd.DataFrame], skip: set | frozenset = frozenset()) -> dict[str, dict[str, list[dict]]]:
    """doc_id -> kind -> that article's rows, in table order (but the articles in ``skip``).
    Grouped once per run: selecting each article's rows from the whole table made the facts
    cost grow with the square of the corpus."""
    out: dict[str, dict[str, list[dict]]] = {}
    for kind, df in frames.items():
        if skip:
            df = df[~df["doc_id"].isin(skip)]
        for row in df.to_dict("records"):
            out.setdefault(row["doc_id"], {k: [] for k in frames})[kind].append(row)
    return out


def _paragraphs(text: str) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """Non-blank lines (a repaired page break already joined the halves of a paragraph)."""
    spans, headings, pos = [], {}, 0
    for line in text.split("\n"):
        if line.strip():
            if line.lstrip().startswith("#"):
                headings[len(spans)] = len(line.lstrip()) - len(line.lstrip().lstrip("#"))
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans, headings


def split_spans(text: str, span: tuple[int, int], separators: str, keep: bool = False) -> list[tuple[int, int]]:
    """Cut ``text[span]`` after (keep) or around each separator character."""
    out, start = [], span[0]
    for i in range(span[0], span[1]):
        if text[i] in separators:
            out.append((start, i + 1 if keep else i))
            start = i + 1
    if start < span[1]:
        out.append((start, span[1]))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _to_clean(offsets: list[int], original: int) -> int | None:
    """The working-copy index of an original offset; None inside a removed break. Bisection on
    the (increasing) offset map: a dict of it cost ~100 bytes per character of a huge article."""
    i = bisect.bisect_left(offsets, original)
    return i if i < len(offsets) and offsets[i] == original else None


def _spans(rows: list[dict], offsets: list[int], origin: int = 0) -> list[Span]:
    spans = []
    for row in rows:
        start, last = _to_clean(offsets, int(row["start"]) - origin), _to_clean(offsets, int(row["end"]) - 1 - origin)
        if start is not None and last is not None:  # a mention inside a removed break has no clean position
            spans.append(Span(start, last + 1, row))
    return sorted(spans, key=lambda s: (s.start, s.end))
