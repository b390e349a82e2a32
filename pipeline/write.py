"""Stage 6 — write: one CSV per kind plus rejects and errors, atomically.

UTF-8 with a BOM so spreadsheet programs read the Chinese text; one row per
mention sorted by doc_id, start; each file written to a temporary name and
renamed, so a crash never leaves half a file.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

FILES = {"amount": "amounts.csv", "percent": "percents.csv", "date": "dates.csv", "project": "projects.csv"}


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename over ``path``; the old file survives any failure."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, encoding="utf-8-sig", float_format="%.15g"))


def write_tables(tables, out_dir: Path, extra: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """Write every table of a run; returns the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    named = {FILES[k]: df for k, df in tables.frames.items()}
    named.update({"rejects.csv": tables.rejects, "errors.csv": tables.errors})
    named.update(extra or {})
    written = []
    for name, df in named.items():
        write_csv(df, out_dir / name)
        written.append(out_dir / name)
    return written
