"""newsfacts: money amounts, percents, dates and project names from Chinese economic news.

    from pipeline import extract, extract_corpus
    tables = extract("……完成投资595.92亿元……", issue_date="2021-01-07")
    tables["amount"]          # a pandas DataFrame, one row per mention
"""
from __future__ import annotations

from pathlib import Path

from .extract import Tables, extract, extract_articles
from .rules import DEFAULT_RULES_DIR


def extract_corpus(path: str | Path, rules_dir: str | Path = DEFAULT_RULES_DIR) -> Tables:
    """Tables for every article under a folder (or one file), using its manifest.csv."""
    from .corpus import load_articles

    return extract_articles(load_articles([Path(path)]), rules_dir)


__all__ = ["Tables", "extract", "extract_corpus", "extract_articles"]
