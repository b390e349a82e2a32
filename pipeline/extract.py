"""The per-article flow and its batch form: read → clean → nlp → records → validate.

``extract(text)`` is what a notebook calls; ``extract_articles`` is what the CLI
and batch runs call. Both return a ``Tables`` of pandas DataFrames per kind plus
rejects and errors.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from . import records
from .clean import clean
from .nlp import KINDS, build_nlp, run_nlp
from .read import Article, ReadError
from .rules import DEFAULT_RULES_DIR
from .timing import stage

ERROR_COLUMNS = ["path", "doc_id", "stage", "error"]


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
    ``timings`` (the benchmark's) collects seconds per stage."""
    nlp = build_nlp(rules_dir)
    with stage(timings, "clean"):
        cleaned = clean(article.text, nlp.tokenizer.segmenter)
    doc = run_nlp(nlp, cleaned.text, timings=timings, doc_id=article.doc_id,
                  issue_date=_date(article.issue_date), title=article.title)
    with stage(timings, "extract"):
        ctx = doc.user_data["ctx"]
        found = doc.user_data.get("newsfacts", {})
        out, rejects = {}, []
        for kind in KINDS:
            out[kind], rej = records.mention_rows(article.doc_id, kind, found.get(kind, []), cleaned, ctx.sentence_at)
            rejects += rej
    return out, rejects


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
