"""What every kind's extractor receives and returns.

A kind module (``pipeline/kinds/<kind>.py``) exposes:

* ``COLUMNS``: its own normalised columns, in output order;
* ``find(ctx, rules) -> list[Mention]``: every candidate it found in the working
  (clean) text, with offsets into that text; candidates that a rule excluded keep
  ``reject`` set to the reason and go to ``rejects.csv`` instead of the table.

Matching is separate from normalising: ``find`` builds ``values`` through the
kind's own normaliser functions, which the tests call directly.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from ..segment import Segmenter


@dataclass
class Mention:
    start: int  # offsets into ctx.text (the clean working copy)
    end: int
    rule_id: str
    values: dict = field(default_factory=dict)
    reject: str = ""  # why a rule excluded this candidate; "" when kept


class Offsets(Sequence):
    """(start, end) pairs kept as two lists and paired when read: the tokenizer has the two
    lists, and of the ~400k token pairs of 2 MB of text the kinds read a few thousand."""
    __slots__ = ("starts", "ends")

    def __init__(self, starts: list[int], ends: list[int]):
        self.starts, self.ends = starts, ends

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return list(zip(self.starts[i], self.ends[i]))
        return self.starts[i], self.ends[i]

    def __iter__(self):
        return zip(self.starts, self.ends)

    def __eq__(self, other) -> bool:
        if not isinstance(other, (Offsets, list, tuple)):
            return NotImplemented
        return len(self) == len(other) and all(a == tuple(b) for a, b in zip(self, other))

    __hash__ = None

    def __repr__(self) -> str:
        return f"Offsets({list(self)!r})"


@dataclass
class ArticleContext:
    doc_id: str
    text: str  # the clean working copy
    tokens: Sequence[tuple[int, int]]  # token (start, end) in text, in order (a list or Offsets)
    sentences: Sequence[tuple[int, int]]  # sentence (start, end) in text, in order
    segmenter: Segmenter
    issue_date: date | None = None
    title: str = ""
    cache: dict = field(default_factory=dict)  # kinds may share work here (date context …)
    words: list[str] | None = None  # the segmenter's words of the whole text (token k is words[k]), when kept

    def __post_init__(self):
        self._token_starts, self._token_ends = _starts_ends(self.tokens)
        self._sent_starts, self._sent_ends = _starts_ends(self.sentences)

    def token_at(self, pos: int) -> tuple[int, int] | None:
        """The token that holds character ``pos``."""
        i = bisect.bisect_right(self._token_starts, pos) - 1
        if i >= 0 and self._token_starts[i] <= pos < self._token_ends[i]:
            return self._token_starts[i], self._token_ends[i]
        return None

    def sentence_at(self, pos: int) -> tuple[int, int]:
        """The sentence that holds ``pos`` (the first one before it starts, the whole text without sentences)."""
        starts = self._sent_starts  # read directly: asked for every record
        if not starts:
            return 0, len(self.text)
        i = bisect.bisect_right(starts, pos) - 1
        if i < 0:
            i = 0
        return starts[i], self._sent_ends[i]

    def words_between(self, start: int, end: int) -> tuple[list[str], list[int], list[int]] | None:
        """The words of text[start:end] with their starts and ends, sliced from the whole text's
        words, or None when those were not kept or a word crosses ``start`` or ``end``.

        They are what the segmenter cuts from text[start:end] alone when the characters on both
        sides of it end jieba's blocks: jieba cuts each run of Han letters, Latin letters and digits
        (and ``+#&._%-``) on its own, so a run the span holds whole is cut the same way."""
        starts = self._token_starts
        if self.words is None or not starts or (start and _IN_BLOCK(self.text[start - 1])) or (
                end < len(self.text) and _IN_BLOCK(self.text[end])):
            return None
        i = bisect.bisect_left(starts, start)
        j = bisect.bisect_left(starts, end, i)
        if i >= len(starts) or starts[i] != start or self._token_ends[j - 1] != end:
            return None
        return self.words[i:j], starts[i:j], self._token_ends[i:j]


# a character jieba may join to its neighbours in one block (jieba's re_han; jieba-rs: the same
# CJK ranges plus a-zA-Z0-9+#&._%-); wider than needed errs on the safe side
_IN_BLOCK = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U0002FA1F"
                       r"a-zA-Z0-9+#&._%\-]").match


def _starts_ends(pairs) -> tuple[list[int], list[int]]:
    if isinstance(pairs, Offsets):
        return pairs.starts, pairs.ends
    return [s for s, _ in pairs], [e for _, e in pairs]
