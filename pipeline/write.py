"""Stage 6 — write: one table per kind plus rejects and errors, atomically.

CSV (the default) is UTF-8 with a BOM so spreadsheet programs read the Chinese
text; one row per mention sorted by doc_id, start; each file written to a
temporary name and renamed, so a crash never leaves half a file. Parquet (a
folder per table, partitioned by paper and year) and Stata 118 (.dta, Unicode)
carry the same columns and types.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pandas as pd
from pandas.io.stata import InvalidColumnName

FILES = {"amount": "amounts.csv", "percent": "percents.csv", "date": "dates.csv", "project": "projects.csv"}


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename over ``path``; the old file survives any failure."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would make outputs private to their writer
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_csv(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, encoding="utf-8-sig", float_format="%.15g"))


def append_csv(df, f, header: bool = False) -> None:
    """Rows of a table (a DataFrame or a ``RowTable``) added to an open CSV file, formatted as
    ``write_csv`` formats them."""
    if isinstance(df, RowTable):
        df.to_csv(f, header=header)
    else:
        df.to_csv(f, index=False, header=header, float_format="%.15g")


class RowTable:
    """A table's rows as lists in its columns' order, sorted as the table is, written as CSV
    without building a DataFrame: the cells as pandas' ``to_csv(float_format="%.15g")`` makes
    them (None and NaN empty, the ``floats`` columns by "%.15g", the rest as they are), through
    the same ``csv.writer`` pandas uses, so the same bytes. Building the frames and converting their
    columns back for ``to_csv`` was half of a run's merge and write (e.g. 10 MB, 1 process).
    ``nan``: whether a cell outside ``floats`` may be NaN (rejects rows taken from a frame); the
    mention rows are the extraction's own values (str, int, float, None)."""

    def __init__(self, rows: list[list], floats: tuple[int, ...] = (), nan: bool = False):
        self.rows, self.floats, self.nan = rows, floats, nan

    def __len__(self) -> int:
        return len(self.rows)

    def to_csv(self, path_or_buf=None, index: bool = False, header: bool = False, **_) -> str | None:
        if header or index:
            raise ValueError("a RowTable is written without header and index")
        buf = io.StringIO()  # then one write: a text file's write per row cost as much as the csv writer
        rows = map(self._cells, self.rows) if self.floats or self.nan else self.rows  # else: the cells as they are
        csv.writer(buf, lineterminator=os.linesep).writerows(rows)
        if path_or_buf is None:
            return buf.getvalue()
        path_or_buf.write(buf.getvalue())
        return None

    def _cells(self, row: list) -> list:
        # csv.writer writes None as an empty cell, as pandas writes a missing value
        if self.nan:
            row = [None if v.__class__ is float and v != v else v for v in row]
        elif self.floats:
            row = list(row)
        for i in self.floats:
            v = row[i]
            row[i] = None if v is None or v != v else "%.15g" % v
        return row


class CsvChunks:
    """CSV tables written chunk by chunk into a (temporary) folder, so a run's tables are never
    whole in memory. The BOM and the header come first, then each chunk's rows: the same bytes
    as ``write_csv`` of the whole table, as long as the chunks come in the table's order."""

    def __init__(self, folder: Path, columns: dict[str, list[str]]):
        self.folder, self.files = Path(folder), {}
        for name, cols in columns.items():  # every table gets its header, even with no rows
            self.add(name, pd.DataFrame(columns=cols), header=True)

    def add(self, name: str, df: pd.DataFrame, header: bool = False) -> None:
        if name not in self.files:  # utf-8-sig writes the BOM once, at the start of the file
            self.files[name] = open(self.folder / name, "w", encoding="utf-8-sig", newline="")
        append_csv(df, self.files[name], header)

    def add_text(self, name: str, text: str) -> None:
        """Rows already formatted as ``append_csv`` formats them (``RowTable.to_csv``)."""
        self.files[name].write(text)

    def close(self) -> None:
        failed = []
        for f in self.files.values():
            try:
                f.close()  # raises when the last bytes cannot be written (a full disk)
            except OSError as exc:
                failed.append(exc)
        if failed:
            raise failed[0]


class ParquetChunks:
    """Parquet tables written chunk by chunk into a (temporary) folder, a folder per table. A
    table with a doc_id is hive-partitioned by paper and year as ``write_parquet`` does, each
    chunk adding a file to each partition it has rows for (files numbered in the table's order);
    the others get one file, a row group per chunk. A table keeps its first chunk's schema (a
    column with no value yet is text), so its files read back as one table."""

    def __init__(self, folder: Path, columns: dict[str, list[str]], partitions: pd.DataFrame | None):
        self.folder, self.columns, self.partitions = Path(folder), columns, partitions
        self.schemas, self.writers, self.chunks = {}, {}, {}

    def add(self, name: str, df: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table_dir = self.folder / Path(name).with_suffix("")
        if not len(df):
            return
        partitioned = self.partitions is not None and "doc_id" in df and not {"paper", "year"} & set(df.columns)
        if partitioned:
            df = df.merge(self.partitions, on="doc_id", how="left", sort=False)
        schema = self.schemas.setdefault(name, _schema(df))
        table = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
        n = self.chunks[name] = self.chunks.get(name, -1) + 1
        if partitioned:
            pq.write_to_dataset(table, table_dir, partition_cols=["paper", "year"],
                                basename_template=f"chunk-{n:06d}-{{i}}.parquet")
        else:
            if name not in self.writers:
                table_dir.mkdir(exist_ok=True)
                self.writers[name] = pq.ParquetWriter(table_dir / "part-0.parquet", schema)
            self.writers[name].write_table(table)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        for name, cols in self.columns.items():  # a table with no rows: one empty file, as before
            if name not in self.chunks:
                write_parquet(pd.DataFrame(columns=cols), self.folder / Path(name).with_suffix(""))


def _schema(df: pd.DataFrame):
    """The Arrow schema of a table's first chunk, a column of no values as text."""
    import pyarrow as pa

    schema = pa.Schema.from_pandas(df, preserve_index=False)
    for i, f in enumerate(schema):
        if pa.types.is_null(f.type):
            schema = schema.set(i, pa.field(f.name, pa.string()))
    return schema


def write_tables(tables, out_dir: Path, extra: dict[str, pd.DataFrame] | None = None, fmt: str = "csv",
                 partitions: pd.DataFrame | None = None) -> list[Path]:
    """Write every table of a run in ``fmt`` (csv, parquet, dta); returns the paths written.
    ``partitions`` (doc_id, paper, year) is what Parquet partitions by."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in named_tables(tables, extra).items():
        path = out_dir / Path(name).with_suffix(SUFFIX[fmt])
        if fmt == "csv":
            write_csv(df, path)
        elif fmt == "parquet":
            write_parquet(df, path, partitions)
        elif fmt == "dta":
            write_dta(df, path)
        else:
            raise ValueError(f"unknown output format {fmt!r} (csv, parquet, dta)")
        written.append(path)
    return written


SUFFIX = {"csv": ".csv", "parquet": "", "dta": ".dta"}  # a Parquet table is a folder


def named_tables(tables, extra: dict[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """The tables to write by file name (``tables`` None: only ``extra``)."""
    named = {}
    if tables is not None:
        named = {FILES[k]: df for k, df in tables.frames.items()}
        named.update({"rejects.csv": tables.rejects, "errors.csv": tables.errors})
    named.update(extra or {})
    return named


def write_parquet(df: pd.DataFrame, folder: Path, partitions: pd.DataFrame | None = None) -> None:
    """A folder of Parquet files, hive-partitioned by ``paper`` and ``year`` when the table has
    a doc_id and the run knows each article's paper and year; one file otherwise."""
    folder = Path(folder)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        if partitions is not None and "doc_id" in df and not {"paper", "year"} & set(df.columns) and len(df):
            keyed = df.merge(partitions, on="doc_id", how="left", sort=False)
            keyed.to_parquet(tmp, partition_cols=["paper", "year"], index=False)
        else:
            df.to_parquet(tmp / "part-0.parquet", index=False)
        replace_path(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


STATA_STR_MAX = 2045  # bytes in a Stata str#; longer text goes to strL


def write_dta(df: pd.DataFrame, path: Path) -> None:
    """Stata 118 (Unicode). Stata reserves the name ``end``, so pandas writes it as ``_end``."""
    long_text = [c for c in df.columns if df[c].dtype.kind in "OUT" or str(df[c].dtype) in ("str", "string")
                 if len(df) and df[c].dropna().astype(str).str.encode("utf-8").str.len().max() > STATA_STR_MAX]
    out = df.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):  # Stata strings have no missing value: ""
            out[col] = out[col].astype(object).where(out[col].notna(), "").astype(str)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=InvalidColumnName)  # end -> _end, as documented
        atomic_write(path, lambda tmp: out.to_stata(tmp, write_index=False, version=118, convert_strl=long_text))


def replace_path(new: Path, target: Path) -> None:
    """Put ``new`` (a file or folder) at ``target``: a file by one rename; a folder by moving
    the old one aside first, so a reader sees the old or the new table, never a mix."""
    target = Path(target)
    if Path(new).is_dir() and target.exists():
        old = target.parent / f".{target.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)
