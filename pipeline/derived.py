"""Tables computed from a run's mention tables, written beside them.

Each builder takes the run's ``Tables`` and returns a DataFrame; the key is the
output file name. Add a builder here to add an output table.
"""
from __future__ import annotations

import pandas as pd


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
