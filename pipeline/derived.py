"""Tables computed from a run's mention tables, written beside them.

Each builder takes the run's ``Tables`` and returns a DataFrame; the key is the
output file name. Add a builder here to add an output table. A batch run writing CSV
builds them chunk by chunk instead (``DerivedChunks``), so the whole mention tables
are never in memory.
"""
from __future__ import annotations

import pandas as pd

from .records import REJECT_COLUMNS


def derived_tables(tables) -> dict[str, pd.DataFrame]:
    builders = _builders()
    return {name: build(tables) for name, build in builders.items()}


def _builders() -> dict:
    from .facts import build_facts
    from .kinds.project import build_projects_index

    return {
        "facts.csv": build_facts,
        "projects_index.csv": lambda t: build_projects_index(t["project"]),
    }


class DerivedChunks:
    """``derived_tables`` over a run's tables given chunk by chunk (``batch.table_chunks``: articles
    in doc_id order, a huge one's rows cut across chunks in offset order). facts.csv needs only
    each article's own mentions and text, so its rows come out with each chunk (a huge article's
    window by window, ``facts.FactChunks``); projects_index.csv counts over the whole corpus, so it keeps the three
    short columns it groups (doc_id, name, head) until the end, as categories. The facts' rejects go to the
    end of rejects.csv, in the corpus's order, as ``build_facts`` appends them."""

    def __init__(self, position: dict[str, int]):
        self.position = position  # doc_id -> the article's place in the corpus
        self.rejects: list[pd.DataFrame] = []
        self.projects: list[pd.DataFrame] = []
        self.facts = None

    def add(self, chunk) -> dict[str, pd.DataFrame]:
        """The rows of facts.csv for one chunk, in the table's order."""
        from .facts import FactChunks

        self.facts = self.facts or FactChunks()
        facts, rejects = self.facts.add(chunk)
        if len(rejects):
            self.rejects.append(rejects)
        # as categories: codes and the chunk's distinct strings, not a string object per row (a huge
        # article's project mentions would all be kept), nor the chunk's other columns (the sentences)
        self.projects.append(chunk.frames["project"][["doc_id", "name", "head"]].astype("category"))
        return {"facts.csv": facts}

    def finish(self) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
        """(the tables built over the whole run, the facts' rejects)."""
        from .kinds.project import build_projects_index

        projects = pd.concat(self.projects, ignore_index=True).astype(object)  # the strings, shared
        rejects = pd.concat(self.rejects, ignore_index=True) if self.rejects else pd.DataFrame(columns=REJECT_COLUMNS)
        order = rejects["doc_id"].map(self.position)
        rejects = rejects.iloc[order.argsort(kind="stable")].reset_index(drop=True)
        return {"projects_index.csv": build_projects_index(projects)}, rejects
