"""Writes ``<out>/report/``: index.html, one page per article, one page per CSV.

A static site with relative links only, so it opens from disk and can be zipped
or copied with the CSVs. It is built in a temporary folder beside the old one
and swapped in, so a crash never leaves half a report.
"""
from __future__ import annotations

import hashlib
import platform
import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from ..clean import clean
from ..rules import DEFAULT_RULES_DIR, rules_version
from ..write import FILES
from . import data
from .charts import KIND_COLOURS, write_charts
from .highlight import article_html
from . import tables as tables_io
from .mentions import FACT_KEYS, anchor, article_mentions, article_rejects, facts_index, rejects_by_doc, rows_by_doc

HERE = Path(__file__).resolve().parent
TEMPLATES, STATIC = HERE / "templates", HERE / "static"
# Tables pages in this order; any other CSV in the output folder follows, by name.
TABLE_ORDER = [*FILES.values(), "facts.csv", "projects_index.csv", "rejects.csv", "errors.csv"]
PERCENT_FIELDS = ["doc_id", "start", "end", "unit", "value"]  # what ``data.percent_changes`` reads of a percent
PAGE_CHARS = 200_000  # an article page shows at most this much of its text (``_shown_chars``)
KIND_OF_FILE = {name: kind for kind, name in FILES.items()}


def write_report(out_dir, tables, run_info: dict, chunks=None) -> Path:
    """Write the report of a run whose CSVs are already in ``out_dir``; returns index.html.
    ``chunks`` (a batch run's): a function giving the run's tables again as chunks of whole
    articles (a huge one's rows may be cut across chunks, in offset order: ``batch.table_chunks``),
    so the report holds one chunk's rows at a time; ``tables`` then need only carry the articles,
    the errors and the kinds (its frames may be empty)."""
    out_dir = Path(out_dir)
    final = out_dir / "report"
    tmp = Path(tempfile.mkdtemp(prefix=".report.", dir=out_dir))
    try:
        _build(tmp, out_dir, tables, run_info, chunks or (lambda: iter([tables])))
        old = out_dir / f".report.old.{tmp.name}"
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final / "index.html"


def _build(site: Path, out_dir: Path, tables, run_info: dict, chunks) -> None:
    env = _env()
    shutil.copytree(STATIC, site / "static")
    for sub in ("articles", "tables", "charts"):
        (site / sub).mkdir()
    paths = table_paths(out_dir)
    shapes = {name: tables_io.scan(path) for name, path in paths.items()}
    facts = _Facts(paths, shapes)
    nav = _nav({name: shape.rows for name, shape in shapes.items()})
    counts = data.RunCounts(list(tables.frames))
    infos, changes = _write_articles(env, site, tables, chunks(), facts, nav, run_info, counts)
    pages = {doc_id: page_name(doc_id) for doc_id in tables.articles}
    located = _Located(chunks)
    for name, path in paths.items():
        _write_table(env, site, name, tables_io.read_slices(path, shapes[name]), shapes[name].rows, pages, located, nav)
    percents = pd.DataFrame(changes, columns=data.CHANGE_COLUMNS)
    _write_index(env, site, tables, infos, counts, percents, nav, run_info)


def _write_articles(env, site, tables, chunks, facts, nav, run_info, counts) -> tuple[list, list]:
    """Every article's page, chunk by chunk (rows grouped by article once per chunk, not once
    per article), counting for the index as it goes; returns the articles' index entries and
    percent changes in the run's order. A huge article's rows may come over several chunks
    (``continued``, ``unfinished``): its page is written when they have all come, from the
    rows it shows, kept meanwhile (``_Held``)."""
    doc_ids = list(tables.articles)
    pages = {doc_id: page_name(doc_id) for doc_id in doc_ids}
    place = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    infos, changes, held = {}, {}, _Held()
    for chunk in chunks:
        continued, unfinished = getattr(chunk, "continued", None), getattr(chunk, "unfinished", None)
        linked = facts.upto(chunk)
        grouped = (rows_by_doc({kind: _on_pages(df) for kind, df in chunk.frames.items()}),
                   rejects_by_doc(_on_pages(chunk.rejects)))
        percents = rows_by_doc({"percent": chunk.frames["percent"][PERCENT_FIELDS]}) if "percent" in chunk.frames else {}
        for doc_id in [d for d in [continued, *chunk.articles] if d in place]:
            i = place[doc_id]
            if doc_id == continued:
                article = held.article
            else:  # read once: a batch run's articles are read from disk on access
                article = tables.articles[doc_id]
                infos[doc_id] = dict(doc_id=doc_id, page=pages[doc_id], title=article.title, paper=article.paper,
                                     issue_date=article.issue_date, chars=len(article.text))
            shown = (grouped, linked) if doc_id not in (continued, unfinished) else held.add(doc_id, article, grouped, linked)
            if doc_id != unfinished:
                neighbours = (doc_ids[i - 1] if i else None, doc_ids[i + 1] if i + 1 < len(doc_ids) else None)
                _write_article(env, site, chunk, article, shown[1], pages, neighbours, nav, run_info, shown[0])
            more = data.percent_changes(percents.get(doc_id, {}).get("percent", []), article, linked)
            changes.setdefault(doc_id, []).extend(more)
        counts.add(chunk, linked, {d: info["issue_date"] for d, info in infos.items()})
    return [infos[d] for d in doc_ids], [c for d in doc_ids for c in changes[d]]


class _Held:
    """The article whose rows go on in the next chunk, and what its page shows so far: its rows
    (grouped as ``rows_by_doc`` and ``rejects_by_doc`` group them, in table order) and their facts."""

    def __init__(self):
        self.doc_id, self.article, self.rows, self.rejects, self.facts = None, None, {}, [], {}

    def add(self, doc_id: str, article, grouped: tuple[dict, dict], facts: dict) -> tuple[tuple[dict, dict], dict]:
        """((rows, rejects) as grouped, facts) of the article's page with this chunk's."""
        if doc_id != self.doc_id:
            self.doc_id, self.article, self.rows, self.rejects, self.facts = doc_id, article, {}, [], {}
        for kind, rows in grouped[0].get(doc_id, {}).items():
            self.rows.setdefault(kind, []).extend(rows)
            for row in rows:
                key = (doc_id, int(row["start"]), int(row["end"]))
                if key in facts:
                    self.facts[key] = facts[key]
        self.rejects.extend(grouped[1].get(doc_id, []))
        return ({doc_id: self.rows}, {doc_id: self.rejects}), self.facts


def _on_pages(df: pd.DataFrame) -> pd.DataFrame:
    """The rows an article page can show (a page shows at most ``PAGE_CHARS`` characters): all
    of an ordinary article's; a huge article's others are never made into display rows."""
    if df is None or df.empty or "start" not in df:
        return df
    return df[pd.to_numeric(df["start"], errors="coerce") < PAGE_CHARS]


class _Located:
    """(doc_id, start, end) -> the kind of the mention there, built from the chunks on first
    use: only a row of a table with neither a kind column nor a kind of its own asks."""

    def __init__(self, chunks):
        self.chunks, self.kinds = chunks, None

    def get(self, key, default=None):
        if self.kinds is None:
            self.kinds = {(d, int(s), int(e)): kind for chunk in self.chunks() for kind, df in chunk.frames.items()
                          for d, s, e in zip(df["doc_id"], df["start"], df["end"])}
        return self.kinds.get(key, default)


def page_name(doc_id: str) -> str:
    """A file name for an article page: the doc_id when it is safe on every file system, else a
    cleaned form with a short hash so two ids never share a page."""
    safe = re.sub(r"[^A-Za-z0-9_.\-\u4e00-\u9fff]", "_", doc_id)[:80]
    if safe != doc_id:
        safe += "_" + hashlib.sha1(doc_id.encode()).hexdigest()[:8]
    return safe + ".html"


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["url"] = lambda s: quote(str(s))
    env.globals["colours"] = KIND_COLOURS
    return env


def read_tables(out_dir: Path) -> dict[str, pd.DataFrame]:
    """Every table of the run as written (the tables pages show exactly what is on disk),
    keyed by its CSV name; a Parquet run's tables are read from their Parquet files."""
    return {name: _read_table(path) for name, path in table_paths(Path(out_dir)).items()}


def table_paths(out_dir: Path) -> dict[str, Path]:
    """Each table's file (or Parquet folder) by its CSV name, in the tables pages' order."""
    found = {p.name: p for p in out_dir.glob("*.csv")}
    found.update({p.with_suffix(".csv").name: p for p in out_dir.glob("*.parquet") if p.with_suffix(".csv").name not in found})
    names = [n for n in TABLE_ORDER if n in found] + sorted(n for n in found if n not in TABLE_ORDER)
    return {name: found[name] for name in names}


class _Facts:
    """``facts_index`` of facts.csv as written, a stretch at a time: the entries of the numbers
    of one chunk (``upto``). facts.csv is in the chunks' order (doc_id, then offsets), so it is
    read once, a slice at a time, and only a chunk's entries are in memory (all the facts of a
    huge article took more memory than the rest of the report). The first row of a number wins,
    as in one pass over the whole table."""

    def __init__(self, paths: dict[str, Path], shapes: dict):
        found = "facts.csv" in paths
        self.slices = tables_io.read_slices(paths["facts.csv"], shapes["facts.csv"]) if found else iter(())
        self.pending: pd.DataFrame | None = None

    def upto(self, chunk) -> dict:
        """The entries of every number of ``chunk`` (and of any earlier one not asked for)."""
        last = _last_key(chunk.frames)
        index: dict = {}
        while last is not None:
            part = self.pending if self.pending is not None else next(self.slices, None)
            if part is None:
                break
            cut = _first_after(part, last)
            for key, linked in facts_index(part.iloc[:cut]).items():
                index.setdefault(key, linked)
            self.pending = part.iloc[cut:] if cut < len(part) else None
            if self.pending is not None:
                break
        return index


def _last_key(frames: dict[str, pd.DataFrame]) -> tuple | None:
    """The greatest (doc_id, start) of the chunk's mentions."""
    keys = []
    for df in frames.values():
        if _has_rows(df):
            doc = df["doc_id"].max()
            keys.append((doc, df.loc[df["doc_id"] == doc, "start"].max()))
    return max(keys) if keys else None


def _has_rows(df) -> bool:
    return df is not None and len(df) and {"doc_id", "start"} <= set(df.columns)


def _first_after(facts: pd.DataFrame, last: tuple) -> int:
    """How many rows of a slice of facts.csv come by (doc_id, start) ``last`` (its rows are in that order)."""
    key = next((k for k in FACT_KEYS if set(k) <= set(facts.columns)), None)
    if key is None or "doc_id" not in facts or not len(facts):
        return len(facts)
    doc, start = facts["doc_id"], pd.to_numeric(facts[key[0]], errors="coerce")
    after = ((doc > last[0]) | ((doc == last[0]) & (start > last[1]))).to_numpy()
    return int(after.argmax()) if after.any() else len(facts)


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, encoding="utf-8-sig", dtype={"doc_id": str}, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:  # a table with no columns yet (a placeholder builder)
        return pd.DataFrame()


def _nav(rows: dict[str, int]) -> list[dict]:
    """The tables menu: each table's page and its number of rows."""
    return [{"name": name.removesuffix(".csv"), "href": f"tables/{quote(name.removesuffix('.csv'))}.html",
             "rows": n} for name, n in rows.items()]


def _write_article(env, site, tables, article, facts, pages, neighbours, nav, run_info, grouped) -> None:
    doc_id = article.doc_id
    shown = _shown_chars(article.text)
    text = article.text[:shown]
    mentions = article_mentions(tables.frames, doc_id, facts, grouped[0], upto=shown)
    rejects = [r for r in article_rejects(tables.rejects, doc_id, grouped[1]) if r["end"] <= shown]
    breaks = clean(text, _segmenter(run_info)).breaks
    truncated = {"shown": shown, "chars": len(article.text)} if shown < len(article.text) else None
    html = env.get_template("article.html.j2").render(
        root="../", nav=nav, article=article, body=article_html(text, mentions, rejects, breaks),
        mentions=mentions, rejects=rejects, breaks=len(breaks), kinds=list(tables.frames), truncated=truncated,
        has_facts=any(m["subject"] or m["date"] for m in mentions),
        prev=neighbours[0] and {"doc_id": neighbours[0], "page": pages[neighbours[0]]},
        next=neighbours[1] and {"doc_id": neighbours[1], "page": pages[neighbours[1]]})
    (site / "articles" / pages[doc_id]).write_text(html, encoding="utf-8")


def _shown_chars(text: str) -> int:
    """How much of an article its page shows: all of it, or for a huge one the first
    ``PAGE_CHARS`` characters up to the end of a line that ends a sentence (the cleaner never
    joins across it, so the page's repaired breaks are the run's); the tables hold the rest.
    A page of megabytes with 100k highlighted mentions is too slow to build and to open."""
    if len(text) <= PAGE_CHARS:
        return len(text)
    cut = max(text.rfind(end + "\n", 0, PAGE_CHARS) for end in "。！？!?；;")
    if cut >= 0:
        return cut + 2  # after the sentence end and its line break
    line = text.rfind("\n", 0, PAGE_CHARS)
    return line + 1 if line >= 0 else PAGE_CHARS


def _segmenter(run_info: dict):
    """The run's segmenter (built and cached by the run), so page breaks are found as the run found them."""
    from ..nlp import build_nlp
    return build_nlp(str(run_info.get("rules") or DEFAULT_RULES_DIR)).tokenizer.segmenter


def _write_table(env, site, name, slices, n_rows: int, pages, located, nav) -> None:
    """A table's page: the template around its rows, which are written a slice at a time."""
    stem, mark = name.removesuffix(".csv"), "\x00rows\x00"
    with open(site / "tables" / f"{stem}.html", "w", encoding="utf-8") as f:
        for i, df in enumerate(slices):
            columns = list(df.columns)
            numeric = {c for c in columns if pd.api.types.is_numeric_dtype(df[c])}  # the whole table's types
            if i == 0:
                head, _, tail = env.get_template("table.html.j2").render(
                    root="../", nav=nav, name=name, stem=stem, columns=columns, n_rows=n_rows,
                    body=Markup(mark), numeric=numeric).partition(mark)  # no mark: a table without columns
                f.write(head)
            links = [_row_link(name, row, pages, located) for row in df.to_dict("records")]
            rows = [[_cell(v) for v in row] for row in df.itertuples(index=False)]
            f.write(table_rows_html(columns, numeric, links, rows))
        f.write(tail)


def table_rows_html(columns: list[str], numeric: set, links: list, rows: list[list[str]]) -> Markup:
    """The ``<tr>`` lines of a table page, each cell escaped once and each column's class built
    once (the same HTML the template's loop wrote, at a fraction of its cost)."""
    classes = [f'<td class="c-{escape(c)}{" n" if c in numeric else ""}" title="' for c in columns]
    out = []
    for link, cells in zip(links, rows):
        go = f'<a href="{escape(link)}" title="show in the article">→</a>' if link else ""
        tds = "".join(f'{cls}{v}">{v}</td>' for cls, v in zip(classes, map(escape, cells)))
        out.append(f'    <tr><td class="go">{go}</td>{tds}</tr>\n')
    return Markup("".join(out))


def _row_link(name: str, row: dict, pages: dict, located: dict) -> str | None:
    """The place on an article page a CSV row points at, or None when it names no article.
    Rows of tables without a kind (facts) point at the mention with their offsets."""
    doc_id = row.get("doc_id")
    if doc_id not in pages:
        return None
    href = f"../articles/{quote(pages[doc_id])}"
    try:
        start, end = int(row["start"]), int(row["end"])
    except (KeyError, TypeError, ValueError):
        return href
    kind = KIND_OF_FILE.get(name) or row.get("kind") or located.get((doc_id, start, end))
    return href + "#" + anchor(kind, start, end, rejected=(name == "rejects.csv")) if isinstance(kind, str) else href


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return f"{v:.15g}" if isinstance(v, float) else str(v)


def _write_index(env, site, tables, infos, run: data.RunCounts, percents, nav, run_info) -> None:
    counts = run.per_article([a["doc_id"] for a in infos])
    rejects = run.rejects_per_article()
    settings = _settings(run_info)
    charts = write_charts(site / "charts", counts, run.amounts_by_year(), percents)
    for a in infos:
        a.update(counts=counts.loc[a["doc_id"]].to_dict(), rejects=int(rejects.get(a["doc_id"], 0)))
    html = env.get_template("index.html.j2").render(
        root="", nav=nav, articles=infos, kinds=list(tables.frames), charts=charts,
        kind_pages={k: f"tables/{FILES.get(k, k).removesuffix('.csv')}.html" for k in tables.frames},
        totals=run.totals, n_rejects=run.n_rejects, reasons=run.reasons_table().to_dict("records"),
        errors=tables.errors.to_dict("records"), settings=settings, run=dict(settings))
    (site / "index.html").write_text(html, encoding="utf-8")


def _settings(run_info: dict) -> list[tuple[str, str]]:
    from importlib.metadata import PackageNotFoundError, version
    try:
        own = version("newsfacts")
    except PackageNotFoundError:
        own = "unknown"
    rules = run_info.get("rules") or str(DEFAULT_RULES_DIR)
    shown = [("corpus", ", ".join(map(str, run_info.get("paths", [])))), ("rules folder", rules),
             ("rules version", rules_version(rules)), ("newsfacts", own), ("python", platform.python_version()),
             ("written", datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))]
    shown += [(k.replace("_", " "), str(v)) for k, v in run_info.items() if k not in ("paths", "rules", "rules_version")]
    return shown
