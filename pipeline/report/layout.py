"""Spans over a text as a nested sequence of open / text / close events.

Both renderers (HTML pages and the terminal ``show``) need the same thing: the
article text with every mention wrapped, where mentions may nest (a date inside
a project name) or, rarely, cross. Crossing spans cannot nest, so the one that
starts later is cut where the earlier one ends; only its first piece has
``first=True`` (the HTML anchor and the terminal number go there).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    data: Any  # whatever the renderer needs (a mention row, a page break)


@dataclass(frozen=True)
class Open:
    span: Span
    first: bool  # False for the continuation of a span cut at a crossing


@dataclass(frozen=True)
class Close:
    span: Span


def events(text: str, spans: list[Span]) -> list:
    """Strings (text pieces), Open and Close events, properly nested."""
    out: list = []
    stack: list[Span] = []
    pos = 0
    for piece, first in nestable(s for s in spans if 0 <= s.start < s.end <= len(text)):
        pos = _close_until(text, out, stack, pos, piece.start)
        _emit_text(out, text, pos, piece.start)
        pos = piece.start
        out.append(Open(piece, first))
        stack.append(piece)
    pos = _close_until(text, out, stack, pos, len(text))
    _emit_text(out, text, pos, len(text))
    return out


def nestable(spans) -> list[tuple[Span, bool]]:
    """(piece, is_first_piece) in document order, no two pieces crossing."""
    order = 0
    heap = []
    for span in spans:
        heapq.heappush(heap, (span.start, -span.end, order, span, True))
        order += 1
    placed: list[tuple[Span, bool]] = []
    while heap:
        _, _, _, span, first = heapq.heappop(heap)
        cut = min((p.end for p, _ in placed if p.start < span.start < p.end < span.end), default=None)
        if cut is not None:  # crosses an earlier piece: keep the part inside it, requeue the rest
            heapq.heappush(heap, (cut, -span.end, order, Span(cut, span.end, span.data), False))
            order += 1
            span = Span(span.start, cut, span.data)
        placed.append((span, first))
    return sorted(placed, key=lambda p: (p[0].start, -p[0].end))


def _close_until(text: str, out: list, stack: list[Span], pos: int, limit: int) -> int:
    """Close every open span that ends at or before ``limit``, emitting the text up to each end."""
    while stack and stack[-1].end <= limit:
        span = stack.pop()
        _emit_text(out, text, pos, span.end)
        pos = max(pos, span.end)
        out.append(Close(span))
    return pos


def _emit_text(out: list, text: str, start: int, end: int) -> None:
    if end > start:
        out.append(text[start:end])
