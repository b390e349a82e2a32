"""The per-article flow and its batch form: read → clean → nlp → records → validate.

``extract(text)`` is what a notebook calls; ``extract_articles`` is what the CLI
and batch runs call. Both return a ``Tables`` of pandas DataFrames per kind plus
rejects and errors.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pandas as pd
import regex

from . import records
from .clean import clean
from .kinds.base import ArticleContext
from .nlp import KINDS, article_context, build_nlp, run_kinds, run_nlp, segmented_doc
from .read import Article, ReadError
from .rules import DEFAULT_RULES_DIR
from .timing import stage

ERROR_COLUMNS = ["path", "doc_id", "stage", "error"]

# A huge article (a year of a paper in one file) is processed in paragraph-aligned chunks,
# so that the working copy's offset map, the tokens and the spaCy Doc exist for one chunk
# at a time and memory stays bounded (see ``_chunked_rows``).
CHUNK_THRESHOLD = 1_000_000  # characters (~3 MB of Chinese UTF-8); above this, chunks
CHUNK_CHARS = 50_000         # the size a chunk aims at (what kinds settle per chunk is quadratic in it)
CHUNK_MARGIN = 1_000         # context read on each side of a chunk; its mentions belong to the neighbour


@dataclass
class Tables:
    frames: dict[str, pd.DataFrame]  # kind -> table
    rejects: pd.DataFrame
    errors: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ERROR_COLUMNS))
    articles: dict[str, Article] = field(default_factory=dict)  # doc_id -> the article read (text, metadata)

    def __getitem__(self, kind: str) -> pd.DataFrame:
        return self.frames[kind]


def extract(text: str, issue_date: str | date | None = None, doc_id: str = "doc", title: str = "",
            rules_dir: str | Path = DEFAULT_RULES_DIR) -> Tables:
    """Tables for one article given as text (the notebook entry point)."""
    article = Article(doc_id=doc_id, text=text, issue_date=_iso(issue_date), title=title)
    return extract_articles([article], rules_dir)


def extract_articles(articles, rules_dir: str | Path = DEFAULT_RULES_DIR) -> Tables:
    """Tables for many articles; an article that fails is reported in ``errors``, the rest go on."""
    rows = {k: [] for k in KINDS}
    rejects, errors, done = [], [], {}
    build_nlp(str(rules_dir))  # a broken rule file stops the run here, before any article
    for article in articles:
        if isinstance(article, ReadError):
            errors.append(dict(path=article.path, doc_id=getattr(article, "doc_id", Path(article.path).stem), stage="read", error=article.problem))
            continue
        try:
            kind_rows, kind_rejects = article_rows(article, str(rules_dir))
        except Exception as exc:  # one bad article must not stop the batch
            errors.append(dict(path=article.path, doc_id=article.doc_id, stage="extract", error=f"{type(exc).__name__}: {exc}"))
            continue
        done[article.doc_id] = article
        for kind in KINDS:
            rows[kind] += kind_rows[kind]
        rejects += kind_rejects
    return assemble(rows, rejects, errors, done)


def article_rows(article: Article, rules_dir: str, timings: dict | None = None) -> tuple[dict, list]:
    """One article's rows per kind and its rule rejects (unvalidated): the unit a worker runs.
    ``timings`` (the benchmark's) collects seconds per stage. An article longer than
    ``CHUNK_THRESHOLD`` characters is processed in chunks, with the same records."""
    if len(article.text) > CHUNK_THRESHOLD:
        return _chunked_rows(article, rules_dir, timings)
    nlp = build_nlp(rules_dir)
    cleaned, doc = article_doc(article, nlp, timings)
    return doc_rows(article, cleaned, run_kinds(nlp, doc, timings), timings)


def article_doc(article: Article, nlp, timings: dict | None = None) -> tuple:
    """The article's working copy (``Cleaned``) and its lean Doc, the kinds not yet run over it."""
    with stage(timings, "clean"):
        cleaned = clean(article.text, nlp.tokenizer.segmenter)
    doc = segmented_doc(nlp, cleaned.text, timings=timings, spans=False, doc_id=article.doc_id,
                        issue_date=_date(article.issue_date), title=article.title)
    return cleaned, doc


def doc_rows(article: Article, cleaned, doc, timings: dict | None = None) -> tuple[dict, list]:
    """The rows per kind and the rule rejects of an article's Doc that the kinds have run over."""
    with stage(timings, "extract"):
        ctx = doc.user_data["ctx"]
        found = doc.user_data.get("newsfacts", {})
        out, rejects = {}, []
        for kind in KINDS:
            out[kind], rej = records.mention_rows(article.doc_id, kind, found.get(kind, []), cleaned, ctx.sentence_at)
            rejects += rej
    return out, rejects


# The end of a paragraph that ends a sentence: the cleaner never joins across it (a page
# break is repaired only when the left side does not end a sentence), so a cut there gives
# the same working copy as the whole text.
_SAFE_CUT = regex.compile(r"[。！？!?；;][ \t\u3000]*\n\s*")
_SENTENCE_END = regex.compile(r"[。！？!?；;]")


def _chunked_rows(article: Article, rules_dir: str, timings: dict | None = None) -> tuple[dict, list]:
    """``article_rows`` for a huge article: the rows of all its parts (``chunked_parts``)."""
    out, rejects = {k: [] for k in KINDS}, []
    for rows, rej in chunked_parts(article, rules_dir, timings):
        for kind in KINDS:
            out[kind] += rows[kind]
        rejects += rej
    return out, rejects


def chunked_parts(article: Article, rules_dir: str, timings: dict | None = None):
    """A huge article's (rows per kind, rule rejects), one paragraph-aligned segment at a time,
    in offset order: every row of a segment starts before any row of the next one. A batch run
    validates and stores them part by part, so they are never all in memory.

    Every kind but dates looks only at nearby text: each segment is cleaned and run through
    the pipeline with ``CHUNK_MARGIN`` characters of context on each side (whole lines), and
    keeps the mentions that start inside it. Dates carry state through the article (the
    writing year, the last year named, the dateline), so they are found in one pass over the
    whole working copy, which is built segment by segment without offset maps; each date is
    then given its offsets and sentence by the segment that holds it (date matching itself,
    which is local, runs segment by segment: settling overlaps is quadratic in the matches)."""
    nlp = build_nlp(rules_dir)
    segments = _segments(article.text, CHUNK_CHARS)
    starts, breaks, dates = _dates_of_whole(article, nlp, segments, timings)
    date_starts = [m.start for m in dates]
    for i, segment in enumerate(segments):
        end = starts[i + 1] if i + 1 < len(segments) else float("inf")
        seg_dates = dates[bisect.bisect_left(date_starts, starts[i]):bisect.bisect_left(date_starts, end)]
        yield _segment_rows(article, nlp, segment, (starts[i], breaks[i], seg_dates), timings)


def _dates_of_whole(article: Article, nlp, segments, timings) -> tuple[list, list, list]:
    """Pass 1: the working copy segment by segment (text only) and the dates over all of it.
    Returns each segment's start in the working copy, its removed breaks, and the dates."""
    segmenter, text = nlp.tokenizer.segmenter, article.text
    starts, breaks, pieces, cands, pos = [], [], [], [], 0
    dating = nlp.get_pipe("date") if "date" in nlp.pipe_names else None
    for a, b in segments:
        with stage(timings, "clean"):
            c = clean(text[a:b], segmenter)
        starts.append(pos)
        breaks.append(c.breaks)
        pieces.append(c.text)
        if dating is not None:  # matching is local: the candidates chunk by chunk (keeps it linear)
            with stage(timings, "extract"):
                cands += [replace(x, start=x.start + pos, end=x.end + pos)
                          for x in dating.module.candidates(c.text, dating.rules)]
        pos += len(c.text)
    if dating is None:
        return starts, breaks, []
    with stage(timings, "extract"):
        ctx = ArticleContext(doc_id=article.doc_id, text="".join(pieces), tokens=[], sentences=[],
                             segmenter=segmenter, issue_date=_date(article.issue_date), title=article.title,
                             cache={"date_candidates": cands})
        dates = sorted(dating.module.find(ctx, dating.rules), key=lambda m: m.start)
    return starts, breaks, dates


def _segment_rows(article: Article, nlp, segment: tuple[int, int], dated: tuple, timings) -> tuple[dict, list]:
    """Pass 2: one segment with its margins through the pipeline (dates excepted: they come
    from pass 1 as ``dated`` = (segment start in the working copy, its breaks, its dates))."""
    text, (a, b), (seg_start, seg_breaks, seg_dates) = article.text, segment, dated
    w0, w1 = _line_start(text, a - CHUNK_MARGIN), _line_end(text, b + CHUNK_MARGIN)
    with stage(timings, "clean"):
        cw = clean(text[w0:w1], nlp.tokenizer.segmenter)
    with nlp.select_pipes(enable=[k for k in nlp.pipe_names if k != "date"]):
        doc = run_nlp(nlp, cw.text, timings=timings, spans=False, doc_id=article.doc_id,
                      issue_date=_date(article.issue_date), title=article.title)
    out, rejects = {}, []
    with stage(timings, "extract"):
        ctx, found = article_context(doc), doc.user_data.get("newsfacts", {})
        ka, kb = bisect.bisect_left(cw.offsets, a - w0), bisect.bisect_left(cw.offsets, b - w0)
        for kind in KINDS:
            if kind == "date":
                mentions = [_to_window(m, seg_start, seg_breaks, a - w0, cw.offsets) for m in seg_dates]
            else:
                mentions = [m for m in found.get(kind, []) if ka <= m.start < kb]
            rows, rej = records.mention_rows(article.doc_id, kind, mentions, cw, ctx.sentence_at)
            records.shift(rows, rej, w0)
            out[kind], rejects = rows, rejects + rej
    return out, rejects


def _segments(text: str, size: int) -> list[tuple[int, int]]:
    """Consecutive (start, end) spans of about ``size`` characters, cut after a paragraph that
    ends a sentence; failing that (within 4 × size) after a line, a sentence, or anywhere."""
    n, pos, cuts = len(text), 0, []
    while n - pos > size:
        target, limit = pos + size, min(n, pos + 4 * size)
        m = _SAFE_CUT.search(text, target, limit)
        if m:
            cut = m.end()
        elif (nl := text.find("\n", target, limit)) >= 0:
            cut = nl + 1
        elif m := _SENTENCE_END.search(text, target, limit):
            cut = m.end()
        else:
            cut = target
            while cut < limit and text[cut - 1].isalnum() and text[cut].isalnum():
                cut += 1  # not inside a number or a word of Latin letters
        if cut >= n:
            break
        cuts.append(cut)
        pos = cut
    bounds = [0, *cuts, n]
    return list(zip(bounds, bounds[1:]))


def _line_start(text: str, pos: int) -> int:
    """The start of the line holding ``pos`` (not more than 4 margins back)."""
    if pos <= 0:
        return 0
    start = text.rfind("\n", 0, pos) + 1
    return start if pos - start <= 4 * CHUNK_MARGIN else pos


def _line_end(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    nl = text.find("\n", pos)
    return nl + 1 if 0 <= nl - pos <= 4 * CHUNK_MARGIN else pos


def _to_window(m, seg_clean_start: int, seg_breaks, seg_in_window: int, window_offsets: list[int]):
    """A date mention found in the whole working copy, moved into a segment window's working copy."""
    start = _unclean(m.start - seg_clean_start, seg_breaks) + seg_in_window
    last = _unclean(max(m.end - 1, m.start) - seg_clean_start, seg_breaks) + seg_in_window
    k = bisect.bisect_left(window_offsets, start)
    k_last = bisect.bisect_left(window_offsets, last)
    return replace(m, start=k, end=max(k_last + 1, k + (m.end > m.start)))


def _unclean(i: int, spans) -> int:
    """A segment's working-copy index back to the segment's original text (``spans`` removed)."""
    for s, e in spans:
        if i >= s:
            i += e - s
        else:
            break
    return i


def assemble(rows: dict, rejects: list, errors: list, articles: dict[str, Article]) -> Tables:
    texts = {doc_id: a.text for doc_id, a in articles.items()}
    frames, reject_frames = {}, [pd.DataFrame(rejects, columns=records.REJECT_COLUMNS)]
    for kind in KINDS:
        df = records.to_frame(kind, rows[kind])
        valid, bad = records.validate(kind, df, texts)
        frames[kind] = valid.sort_values(["doc_id", "start", "end"], kind="stable").reset_index(drop=True)
        reject_frames.append(bad)
    reject_frames = [f for f in reject_frames if len(f)]
    all_rejects = pd.concat(reject_frames, ignore_index=True) if reject_frames else reject_frames_empty()
    all_rejects = all_rejects.sort_values(["doc_id", "start", "kind"], kind="stable").reset_index(drop=True)
    return Tables(frames, all_rejects, pd.DataFrame(errors, columns=ERROR_COLUMNS), articles)


def reject_frames_empty() -> pd.DataFrame:
    return pd.DataFrame(columns=records.REJECT_COLUMNS)


def _iso(d) -> str:
    return d.isoformat() if isinstance(d, date) else (d or "")


def _date(iso: str) -> date | None:
    return date.fromisoformat(iso) if iso else None
