"""facts.csv: every amount and percent tied to its subject, predicate, date and modality.

``build_facts(tables)`` links each article's numbers (``facts_link``), maps every
part back to original offsets, and validates the table (``facts_schema``); rows
that fail go to the run's rejects with the reason, like the mention tables. A huge
article (``WINDOWED_ROWS``) is linked window by window with the same result; every lookup
of the linker is a bisection over sorted starts, so its cost grows with the article's length.
"""
from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd

from .facts_date import carried_sections
from .facts_link import Part, link_sentence
from .facts_rules import load_fact_rules
from .facts_schema import COLUMNS, validate_facts
from .facts_text import FactText, fact_text, rows_by_doc, windows
from .rules import DEFAULT_RULES_DIR
from .segment import get_segmenter


def build_facts(tables, rules_dir: str | Path = DEFAULT_RULES_DIR) -> pd.DataFrame:
    facts, rejects = facts_and_rejects(tables, rules_dir)
    if len(rejects):  # the run writes rejects.csv after the derived tables, so these reach it
        tables.rejects = pd.concat([tables.rejects, rejects], ignore_index=True)
    return facts


# An article with more mentions than this (a huge single file) is linked a window of about
# WINDOW_CHARS characters at a time (``facts_text.windows``), so its clean copy, its mention
# rows and its facts are never all in memory as Python objects; a window's facts are the
# whole article's (a fact looks no further than its paragraph, but for the section date,
# which ``carried_sections`` passes on). Ordinary articles have a few hundred at most.
WINDOWED_ROWS = 5_000
WINDOW_CHARS = 100_000


def facts_and_rejects(tables, rules_dir: str | Path = DEFAULT_RULES_DIR) -> tuple[pd.DataFrame, pd.DataFrame]:
    rules = load_fact_rules(str(rules_dir))
    segmenter = get_segmenter(str(Path(rules_dir) / "lexicon"))
    huge = _huge_articles(tables.frames)
    rows, parts, texts = [], [], {}
    by_doc, none = rows_by_doc(tables.frames, skip=huge), {kind: [] for kind in tables.frames}
    for doc_id, article in tables.articles.items():
        texts[doc_id] = article.text
        if doc_id in huge:
            parts += [pd.DataFrame(rows, columns=COLUMNS), *_windowed_facts(tables.frames, article, segmenter, rules)]
            rows = []
            continue
        ft = fact_text(doc_id, article.text, by_doc.get(doc_id, none), segmenter, rules.table("sentence_ends"))
        for sentence in ft.sentences:
            rows += [fact_row(ft, f) for f in link_sentence(ft, rules, sentence)]
    df = pd.DataFrame(rows, columns=COLUMNS)
    if not parts:
        return validate_facts(df, texts, rules)
    return _validated_parts([*parts, df], texts, rules)


def _validated_parts(parts: list[pd.DataFrame], texts: dict[str, str], rules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``validate_facts`` of the parts' rows, one part at a time (a huge article's window, or the
    ordinary articles' rows between two huge ones), so the validation's copies and dicts are a
    part's. The same tables: a part's rejects come in row order, and sorting the parts' kept
    rows again (stably) orders them as the whole was, since a tie of doc_id, start and end is
    two facts of one number, which are in one part (the offsets are typed alike: Int64, float)."""
    checked = [validate_facts(p, texts, rules) for p in parts if len(p)] or [validate_facts(parts[-1], texts, rules)]
    keep = pd.concat([k for k, _ in checked], ignore_index=True)
    keep = keep.sort_values(["doc_id", "start", "end"], kind="stable").reset_index(drop=True)
    rejected = [r for _, r in checked if len(r)]
    return keep, (pd.concat(rejected, ignore_index=True) if rejected else checked[0][1])


def _huge_articles(frames: dict[str, pd.DataFrame]) -> set[str]:
    per_table = [df["doc_id"].value_counts() for df in frames.values() if len(df)]
    if not per_table:
        return set()
    counts = pd.concat(per_table).groupby(level=0).sum()
    return set(counts[counts > WINDOWED_ROWS].index)


def _windowed_facts(frames: dict[str, pd.DataFrame], article, segmenter, rules):
    """A huge article's facts, one window's DataFrame at a time (its rows are in start order
    in each table, so a window's are a slice found by bisection)."""
    own = {kind: _by_start(_rows_of(df, article.doc_id)) for kind, df in frames.items()}
    starts = {kind: df["start"].to_numpy() for kind, df in own.items()}
    carried = []
    for s, e in windows(article.text, WINDOW_CHARS):
        rows = {kind: df.iloc[starts[kind].searchsorted(s):starts[kind].searchsorted(e)].to_dict("records")
                for kind, df in own.items()}
        df, carried = _window_facts(article, (s, e), rows, carried, segmenter, rules)
        yield df


def _window_facts(article, window: tuple[int, int], rows: dict[str, list[dict]], carried: list, segmenter,
                  rules) -> tuple[pd.DataFrame, list]:
    """The facts of one window of a huge article (``rows``: its mentions starting in it, per kind),
    and the section dates the next window carries on (``carried_sections``)."""
    s, e = window
    ft = fact_text(article.doc_id, article.text[s:e], rows, segmenter, rules.table("sentence_ends"), origin=s)
    ft.carried = carried
    df = pd.DataFrame([fact_row(ft, f) for sentence in ft.sentences for f in link_sentence(ft, rules, sentence)],
                      columns=COLUMNS)
    return df, carried_sections(ft, rules)


class FactChunks:
    """``facts_and_rejects`` over a run's tables given chunk by chunk (``batch.table_chunks``),
    where a huge article's rows may come over several chunks (the chunk names the article that
    began in an earlier chunk, ``continued``, and the one that goes on, ``unfinished``). Such an
    article's rows are kept until it has more than ``WINDOWED_ROWS`` (then it is linked window by
    window, each window as soon as every row starting in it has come) or until it ends (then it
    is linked whole): the facts are those of the article whole, and memory holds a window's."""

    def __init__(self, rules_dir: str | Path = DEFAULT_RULES_DIR):
        self.rules_dir = rules_dir
        self.open: _ArticleFacts | None = None

    def add(self, chunk) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(the chunk's facts in the table's order, their rejects in row order)."""
        continued, unfinished = getattr(chunk, "continued", None), getattr(chunk, "unfinished", None)
        split = {continued, unfinished} - {None}
        checked = []
        if continued is not None:
            checked += self.open.add(_rows_of_doc(chunk.frames, continued))
            if continued != unfinished:
                checked += self.open.finish()
                self.open = None
        whole = [d for d in chunk.articles if d not in split]
        frames = {kind: df[~df["doc_id"].isin(split)] if split else df for kind, df in chunk.frames.items()}
        checked.append(facts_and_rejects(_Articles(frames, {d: chunk.articles[d] for d in whole}), self.rules_dir))
        if unfinished is not None and unfinished != continued:
            self.open = _ArticleFacts(chunk.articles[unfinished], self.rules_dir)
            checked += self.open.add(_rows_of_doc(chunk.frames, unfinished))
        return _joined(checked)


class _Articles:
    """What ``facts_and_rejects`` reads of a run's tables: the mention tables and the articles."""

    def __init__(self, frames: dict[str, pd.DataFrame], articles: dict):
        self.frames, self.articles = frames, articles


def _rows_of_doc(frames: dict[str, pd.DataFrame], doc_id: str) -> dict[str, pd.DataFrame]:
    return {kind: _rows_of(df, doc_id) for kind, df in frames.items()}


def _joined(checked: list[tuple[pd.DataFrame, pd.DataFrame]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validated pieces in the table's order (as ``_validated_parts`` joins them)."""
    keep = pd.concat([k for k, _ in checked if len(k)] or [checked[0][0]], ignore_index=True)
    keep = keep.sort_values(["doc_id", "start", "end"], kind="stable").reset_index(drop=True)
    rejected = [r for _, r in checked if len(r)]
    return keep, (pd.concat(rejected, ignore_index=True) if rejected else checked[0][1])


class _ArticleFacts:
    """One huge article's facts from its rows given a stretch at a time (each stretch's rows
    start after every row of the one before: a huge article's parts are in offset order)."""

    def __init__(self, article, rules_dir: str | Path):
        self.article, self.rules_dir = article, rules_dir
        self.rules = load_fact_rules(str(rules_dir))
        self.segmenter = get_segmenter(str(Path(rules_dir) / "lexicon"))
        self.pending: dict[str, list[pd.DataFrame]] = {}  # kind -> the rows not linked yet
        self.rows, self.windows, self.carried = 0, None, []

    def add(self, frames: dict[str, pd.DataFrame]) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
        for kind, df in frames.items():
            self.pending.setdefault(kind, []).append(df)
        self.rows += sum(len(df) for df in frames.values())
        if self.windows is None and self.rows > WINDOWED_ROWS:
            self.windows = deque(windows(self.article.text, WINDOW_CHARS))
        if self.windows is None:
            return []
        last = max((int(df["start"].iloc[-1]) for df in frames.values() if len(df)), default=-1)
        return self._link(lambda end: end <= last)  # every row that starts before ``last`` has come

    def finish(self) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
        if self.windows is None:  # a few rows: linked whole, as ``facts_and_rejects`` links them
            frames = {kind: pd.concat(dfs, ignore_index=True) for kind, dfs in self.pending.items()}
            return [facts_and_rejects(_Articles(frames, {self.article.doc_id: self.article}), self.rules_dir)]
        return self._link(lambda end: True)

    def _link(self, ready) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
        out = []
        self.pending = {kind: [pd.concat(dfs, ignore_index=True)] for kind, dfs in self.pending.items()}
        while self.windows and ready(self.windows[0][1]):
            s, e = self.windows.popleft()
            rows = {}
            for kind, (df,) in self.pending.items():
                cut = df["start"].to_numpy().searchsorted(e)
                rows[kind] = df.iloc[:cut].to_dict("records")
                self.pending[kind] = [df.iloc[cut:]]
            df, self.carried = _window_facts(self.article, (s, e), rows, self.carried, self.segmenter, self.rules)
            if len(df):
                out.append(validate_facts(df, {self.article.doc_id: self.article.text}, self.rules))
        return out


def _rows_of(df: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    """The article's rows: a slice when they are together (a run's tables are by doc_id), not a
    copy of a huge article's whole tables."""
    found = np.flatnonzero((df["doc_id"] == doc_id).to_numpy())
    if len(found) and found[-1] - found[0] + 1 == len(found):
        return df.iloc[found[0]:found[-1] + 1]
    return df.iloc[found]


def _by_start(df: pd.DataFrame) -> pd.DataFrame:
    """A run's tables are in start order per article; a stable sort keeps rows of one start in
    table order (``fact_text`` sorts by start and end, stably, either way)."""
    return df if df["start"].is_monotonic_increasing else df.sort_values("start", kind="stable")


def fact_row(ft: FactText, fact: dict) -> dict:
    number, subject, pred, date = fact["number"], fact["subject"], fact["predicate"], fact["date"]
    n = number.row
    row = dict(doc_id=ft.doc_id, kind=fact["kind"], start=n["start"], end=n["end"], text=n["text"],
               value=n["value"], value_max=n.get("value_max"), unit=n.get("currency") or n.get("unit"),
               qualifier=n.get("qualifier"), modality=fact["modality"], sentence=ft.text[slice(*fact["sentence"])].strip(),
               rule_id=f"fact.{fact['subject_source'] or 'unlinked'}")
    row.update(_subject_columns(ft, subject))
    row.update(_part_columns(ft, "predicate", pred.word if pred else None, pred))
    row.update(_date_columns(date, fact["date_scope"]))
    return row


def _subject_columns(ft: FactText, subject: Part | None) -> dict:
    cols = _part_columns(ft, "subject", subject.text if subject else None, subject)
    head = ft.original_span(*subject.head) if subject and subject.head else (None, None)
    cols.update(subject_head_start=head[0], subject_head_end=head[1])
    return cols


def _part_columns(ft: FactText, name: str, text: str | None, part) -> dict:
    start, end = ft.original_span(part.start, part.end) if part is not None else (None, None)
    return {name: text, f"{name}_start": start, f"{name}_end": end}


def _date_columns(date, scope: str) -> dict:
    if date is None:
        return dict(date=None, start_date=None, end_date=None, date_text=None, date_start=None, date_end=None,
                    date_scope=None)
    d = date.row
    return dict(date=d["value"], start_date=d["start_date"], end_date=d["end_date"], date_text=d["text"],
                date_start=d["start"], date_end=d["end"], date_scope=scope)
