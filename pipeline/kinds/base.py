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


@dataclass
class ArticleContext:
    doc_id: str
    text: str  # the clean working copy
    tokens: list[tuple[int, int]]  # token (start, end) in text, in order
    sentences: list[tuple[int, int]]  # sentence (start, end) in text, in order
    segmenter: Segmenter
    issue_date: date | None = None
    title: str = ""
    cache: dict = field(default_factory=dict)  # kinds may share work here (date context …)
    # the starts alone, for bisect; given by the tokenizer, which has them (400k tokens in 2 MB)
    token_starts: list[int] | None = field(default=None, repr=False, compare=False)
    sentence_starts: list[int] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        self._token_starts = self.token_starts if self.token_starts is not None else [s for s, _ in self.tokens]
        self._sent_starts = self.sentence_starts if self.sentence_starts is not None else [s for s, _ in self.sentences]

    def token_at(self, pos: int) -> tuple[int, int] | None:
        """The token that holds character ``pos``."""
        i = bisect.bisect_right(self._token_starts, pos) - 1
        if i >= 0 and self.tokens[i][0] <= pos < self.tokens[i][1]:
            return self.tokens[i]
        return None

    def sentence_at(self, pos: int) -> tuple[int, int]:
        i = max(bisect.bisect_right(self._sent_starts, pos) - 1, 0)
        return self.sentences[i] if self.sentences else (0, len(self.text))
