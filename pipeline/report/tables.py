"""Output tables read back a slice at a time, as if read whole.

The report shows each table as written; reading a 100 MB corpus's tables whole took more
memory than the rest of the run. ``scan`` reads a table once to count its rows and find the
type pandas would give each column when reading the whole file; ``read_slices`` then reads it
again in slices with those types, so every value is the one a whole read gives.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

SLICE_ROWS = 10_000  # a slice of facts.csv (30 columns) as row dicts and HTML: ~25 MB
_CSV = dict(encoding="utf-8-sig", keep_default_na=False, na_values=[""])


@dataclass
class Shape:
    rows: int
    types: dict[str, str] | None  # column -> int | float | bool | text, in order; None: no columns


def scan(path: Path) -> Shape:
    """The rows and the whole-table column types of a CSV (or Parquet) table."""
    if path.suffix == ".parquet":
        return Shape(len(pd.read_parquet(path)), None)
    rows, seen = 0, {}
    try:
        for part in pd.read_csv(path, dtype={"doc_id": str}, chunksize=SLICE_ROWS, **_CSV):
            rows += len(part)
            for col in part.columns:
                seen.setdefault(col, set()).add(_kind(part[col]))
        if not rows:  # a header only: its columns as a whole read types them
            seen = {col: {_kind(c)} for col, c in pd.read_csv(path, dtype={"doc_id": str}, **_CSV).items()}
    except pd.errors.EmptyDataError:  # a table with no columns yet (a placeholder builder)
        return Shape(0, None)
    return Shape(rows, {col: _whole(kinds) for col, kinds in seen.items()})


def _kind(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "bool"
    if pd.api.types.is_integer_dtype(column):
        return "int"
    return "float" if pd.api.types.is_float_dtype(column) else "text"


def _whole(kinds: set[str]) -> str:
    """The type of a column whose slices had these types: ints with floats (or missing
    values) are floats, any text makes text, as when pandas reads the whole column."""
    if len(kinds) == 1:
        return next(iter(kinds))
    return "float" if kinds == {"int", "float"} else "text"


def read_slices(path: Path, shape: Shape):
    """The table's rows in order, ``SLICE_ROWS`` at a time, each column of its whole-table type."""
    if shape.types is None:
        yield pd.read_parquet(path) if path.suffix == ".parquet" else pd.DataFrame()
        return
    dtype = {col: {"float": "float64", "text": str}[t] for col, t in shape.types.items() if t in ("float", "text")}
    dtype["doc_id"] = str
    seen_any = False
    for part in pd.read_csv(path, dtype=dtype, chunksize=SLICE_ROWS, **_CSV):
        seen_any = True
        yield part
    if not seen_any:  # a header only
        yield pd.read_csv(path, dtype=dtype, **_CSV)
