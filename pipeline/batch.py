"""Batch runs: discover → ledger diff → process new/changed articles → merge → write.

``run()`` is what ``newsfacts run`` calls. Articles are hashed (bytes plus the
metadata that changes results) and compared with the ledger in the output folder;
only new or changed articles, or all of them when the rules version changed, are
sent in batches to an engine: this process, a pool of N processes, or a Dask
cluster. Every engine runs the same ``process_batch`` and the ledger keeps every
finished batch, so the output tables are rebuilt from the ledger in doc_id order:
the same rows in the same order whatever ran them, and a killed run resumes where
it stopped. Outputs are written to a temporary folder inside the output folder and
renamed into place at the end; a failed run leaves the previous outputs as they were.
The batches go out in doc_id order, the tables' order, so the CSV and Parquet tables are
written into that folder as the batches come back (``EarlyOutputs``), not all after the
last one; without the derived tables, the batches bring their articles' CSV text
(``render_csv``), made in the worker processes.

Memory does not grow with the corpus: the tables, facts.csv and the report are written
from the ledger a chunk of articles at a time (``table_chunks``); only Stata files are
built whole. A huge article's records are validated and stored in parts as its segments
come (``_huge_article_parts``) and written part by part; its facts are linked window by window
as its parts come (``facts.FactChunks``), and its report page takes the rows of the text it shows.
"""
from __future__ import annotations

import errno
import gc
import hashlib
import importlib
import json
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter, itemgetter
from pathlib import Path

import pandas as pd

from . import records
from .corpus import discover
from .extract import ERROR_COLUMNS, Tables, article_doc, chunked_parts, doc_rows
from .ledger import LEDGER_NAME, ArticleResult, Ledger, Parts
from .nlp import KINDS, build_nlp, run_components
from .read import HTML_SUFFIXES, Article, ReadError, article_from_bytes, read_article
from .rules import DEFAULT_RULES_DIR, rules_version
from .timing import stage
from .write import (FILES, SUFFIX, CsvChunks, ParquetChunks, RowTable, atomic_write, named_tables, replace_path,
                    write_tables)

BATCH_BYTES = 1024 * 1024  # ~2-3 s of work: pandera's ~15 ms per call and Dask's ~2 ms per task stay noise
PART_ROWS = 10_000  # a huge article's rows validated and stored together (~10 MB as dicts)
CHUNK_ROWS = 20_000  # rows of the output tables built and written together (~20 MB)
RENDERED_BYTES = 64 * 1024 * 1024  # CSV text of articles recorded, held until the earlier batches are written
KEEP_BYTES = 4 * 1024 * 1024  # an article file this big, once read, is kept for the next stage (LazyArticles)
TMP_PREFIX = ".newsfacts-tmp-"
TEXTS_DIR = "texts"  # the text extracted from each HTML article, which its records' offsets index
# Fault injection for the tests: with NEWSFACTS_FAULT_INJECT=exit (or =raise) in the environment,
# an article whose text holds FAULT_MARKER makes its worker process exit at once (or raise).
FAULT_ENV, FAULT_MARKER = "NEWSFACTS_FAULT_INJECT", "NEWSFACTS-FAULT-INJECT"


class OutputError(OSError):
    """The output folder cannot be written (disk full, read-only, permissions): the run stops,
    the previous outputs stay as they were, and the articles already finished stay in the ledger."""


@dataclass(frozen=True)
class Item:
    """An article of the run as discovered: where it is, its metadata, its content hash."""
    doc_id: str
    path: str
    meta: dict
    content_hash: str | None  # None: the file could not be read
    size: int = 0
    error: str = ""        # why the file cannot be read or the folder walked ("" when it can)
    error_stage: str = ""  # read | discover


@dataclass
class Plan:
    items: list[Item]                      # every article of the corpus, in discovery order
    todo: list[Item]                       # the ones to process now
    new: int = 0
    changed: int = 0
    skipped: int = 0
    removed: list[str] = field(default_factory=list)


@dataclass
class BatchOutput:
    results: list[ArticleResult]
    timings: dict | None
    pid: int | None  # None: no process finished the batch (its worker crashed)
    peak_rss_mb: float


@dataclass
class RunSummary:
    new: int = 0
    changed: int = 0
    skipped: int = 0
    failed: int = 0
    removed: int = 0
    records: dict = field(default_factory=dict)
    rejects: int = 0
    errors: int = 0
    seconds: float = 0.0
    wrote: bool = True
    timings: dict = field(default_factory=dict)
    peak_rss_mb: dict = field(default_factory=dict)  # pid (or "main") -> MB
    error_table: pd.DataFrame | None = None  # errors.csv when the run wrote it (the CLI prints it)

    def line(self) -> str:
        counts = ", ".join(f"{k} {n}" for k, n in self.records.items())
        what = "wrote" if self.wrote else "outputs up to date,"
        return (f"articles: {self.new} new, {self.changed} changed, {self.skipped} skipped, "
                f"{self.failed} failed, {self.removed} removed; records: {counts}; rejects {self.rejects}; "
                f"{what} in {self.seconds:.1f} s")


# ---------------------------------------------------------------- plan


def plan(paths: list[Path], ledger: Ledger, version: str, issue_date: str | None = None,
         force: bool = False) -> Plan:
    """Hash every article and decide what to process: new, changed, or all when the rules changed."""
    problems = []
    items = [_item(path, meta, issue_date) for path, meta in discover(paths, problems)]
    items += [_problem(path, meta, message, "discover") for path, meta, message in problems]
    known = ledger.entries()
    p = Plan(items, [])
    for item in items:
        entry = known.get(item.doc_id)
        if entry is None:
            p.new += 1
        elif force or entry.content_hash != item.content_hash \
                or entry.rules_version != version:
            p.changed += 1
        else:
            p.skipped += 1
            continue
        p.todo.append(item)
    current = {i.doc_id for i in items}
    p.removed = sorted(d for d in known if d not in current)
    return p


def _item(path: Path, meta: dict, issue_date: str | None) -> Item:
    meta = dict(meta)
    if issue_date and not meta.get("issue_date"):
        meta["issue_date"] = issue_date
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _problem(path, meta, f"cannot read file ({exc.strerror or exc})", "read")
    return Item(meta["doc_id"], str(path), meta, content_hash(data, meta), len(data))


def _problem(path: Path, meta: dict, message: str, where: str) -> Item:
    """An unreadable file or folder: hashed by its message, so a rerun skips it until the problem
    changes (and tries it again then)."""
    return Item(meta["doc_id"], str(path), meta, content_hash(f"{where}: {message}".encode(), meta),
                error=message, error_stage=where)


def content_hash(data: bytes, meta: dict) -> str:
    """The bytes and the metadata that change results (doc_id, paper, issue date, title)."""
    h = hashlib.sha256(data)
    h.update(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()[:32]


def batches(items: list[Item], workers: int, max_bytes: int | None = None) -> list[list[Item]]:
    """Consecutive items up to ``max_bytes`` each, and at least ~4 batches per worker so a
    small run still spreads over the workers."""
    total = sum(i.size for i in items)
    limit = max(1, min(max_bytes or BATCH_BYTES, total // max(1, 4 * workers)))
    out, cur, size, left = [], [], 0, total  # left: the bytes not in a closed batch
    for item in items:
        if cur and size + item.size > _tapered(limit, left, workers):
            out.append(cur)
            cur, size, left = [], 0, left - size
        cur.append(item)
        size += item.size
    return out + [cur] if cur else out


def _tapered(limit: int, left: int, workers: int) -> int:
    """The batch size for what is ``left``: with several workers, once ``workers`` full batches'
    worth is left, each batch takes a ``2 * workers``-th of what is left (no less than a sixteenth
    of a full batch), so the batches shrink toward the end and the workers finish within about
    the last, smallest batch of each other (a 10 MB run on 2 workers otherwise idled one of them
    ~0.5 s at the end while the other finished its last 1 MB batch; with quarter batches at the
    end, still up to a quarter batch, ~0.6 s of work)."""
    if workers <= 1 or left > workers * limit:
        return limit
    return max(1, limit // 16, left // (2 * workers))


# ---------------------------------------------------------------- the unit every engine runs


def load_batch(items: list[Item]) -> list[tuple[Item, bytes | str]]:
    """The batch as sent to a worker: each article's bytes travel with it, so a Dask
    worker on another machine needs no shared disk (a read failure travels as its message)."""
    out = []
    for item in items:
        if item.error:
            out.append((item, item.error))
            continue
        try:
            out.append((item, Path(item.path).read_bytes()))
        except OSError as exc:
            out.append((item, f"cannot read file ({exc.strerror or exc})"))
    return out


def process_batch(payload: list[tuple[Item, bytes | str]], rules_dir: str, timed: bool = False,
                  render: bool = False) -> BatchOutput:
    """Read, clean, segment, extract and validate a batch of articles (in any process); with
    ``render``, each article's rows also as CSV text (``render_csv``)."""
    timings = {} if timed else None
    build_nlp(rules_dir)  # once per process (cached): jieba's dictionary and the rules
    done = []  # (result, rows per kind as dicts, text)
    for group in _groups(payload):
        done += _process_group(group, rules_dir, timings)
    with stage(timings, "validate"):
        _validate(done)
    if render:
        with stage(timings, "write"):
            for result, _, _ in done:
                result.csv = render_csv(result)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return BatchOutput([r for r, _, _ in done], timings, os.getpid(), rss)


PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})  # what the ledger gives back as they were


def render_csv(result: ArticleResult) -> dict[str, str] | None:
    """An article's rows as the CSV tables' text (file name -> text): its rows sorted as the tables
    are (doc_id, start, end; rejects doc_id, start, kind: within one article, by start, end or start,
    kind, stable), through ``RowTable``, so the articles' texts in doc_id order are the tables that
    ``table_chunks`` makes from the ledger. Made where the batch ran: in a worker process, in
    parallel, rather than the main process unpacking, sorting and writing every row. None (the
    rows are read from the ledger then) for a huge article's parts, or a cell that the ledger
    would not give back as it is (a tuple, a numpy number), or a row of another doc_id."""
    if result.parts is not None or not _plain_rows(result):
        return None
    texts = {FILES[k]: RowTable(sorted(result.rows[k], key=itemgetter(1, 2)), _float_columns(k)).to_csv()
             for k in KINDS}
    texts["rejects.csv"] = RowTable(sorted(result.rejects, key=itemgetter(2, 1)), nan=True).to_csv()
    return texts


def _plain_rows(result: ArticleResult) -> bool:
    tables = [*result.rows.values(), result.rejects]
    return ({result.doc_id}.issuperset(map(itemgetter(0), chain.from_iterable(tables)))
            and PLAIN_TYPES.issuperset(map(type, chain.from_iterable(chain.from_iterable(tables)))))


def process_batch_sealed(payload: list[tuple[Item, bytes | str]], rules_dir: str, timed: bool = False,
                         render: bool = False) -> BatchOutput:
    """``process_batch`` with its results sealed (packed for the ledger) where they were made: what a
    worker process or Dask task returns, so the main process neither packs nor unpickles rows."""
    out = process_batch(payload, rules_dir, timed, render)
    with stage(out.timings, "pack"):
        for result in out.results:
            result.seal()
    return out


# the articles whose kinds run one kind over all of them at a time (``_process_group``): up to
# 32 articles, or fewer when their bytes pass 512 KB (what a group holds in memory at once, its
# Docs' words take ~15x the bytes), an article longer than that alone
GROUP_ARTICLES, GROUP_BYTES = 32, 512_000


def _groups(payload: list[tuple[Item, bytes | str]]):
    group, size = [], 0
    for item, data in payload:
        if group and (len(group) == GROUP_ARTICLES or size + len(data) > GROUP_BYTES):
            yield group
            group, size = [], 0
        group.append((item, data))
        size += len(data)
    if group:
        yield group


def _process_group(group: list[tuple[Item, bytes | str]], rules_dir: str, timings) -> list[tuple]:
    """What ``_process_article`` gives for each article of ``group``, with each kind run over all
    the group's Docs before the next kind (``run_components``): ~10 % less CPU in the kinds
    than running every kind over one article before the next."""
    nlp = build_nlp(rules_dir)
    started = [_start_article(item, data, nlp, rules_dir, timings) for item, data in group]
    waiting = [s for s in started if isinstance(s, _Started)]
    docs = [s.doc for s in waiting]
    failed = run_components(nlp, docs, timings)
    finished = iter([_finish_article(s, docs[k], failed.get(k), timings) for k, s in enumerate(waiting)])
    return [next(finished) if isinstance(s, _Started) else s for s in started]


def _process_article(item: Item, data: bytes | str, rules_dir: str, timings) -> tuple:
    """(result, rows per kind as dicts, text) of one article: read, clean, segment, the kinds, the rows."""
    return _process_group([(item, data)], rules_dir, timings)[0]


@dataclass
class _Started:
    """An article read, cleaned and segmented, its kinds still to run over ``doc``."""
    item: Item
    result: ArticleResult
    article: Article
    cleaned: object  # clean.Cleaned
    doc: object  # a lean spacy Doc


def _start_article(item: Item, data: bytes | str, nlp, rules_dir: str, timings) -> _Started | tuple:
    """Read the article and, for an ordinary one, clean and segment it. A failed or a huge
    article comes back finished: (result, rows, text) as ``_process_article`` gives it."""
    result = ArticleResult(item.doc_id, item.path, item.content_hash, rows={k: [] for k in KINDS})
    try:
        if isinstance(data, str):
            raise ReadError(item.path, data)
        with stage(timings, "read"):
            article = article_from_bytes(data, item.path, **item.meta)
    except ReadError as exc:
        return _failed(result, item.error_stage or "read", exc.problem), {}, ""
    except Exception as exc:  # a parser bug on odd bytes must not stop the batch either
        return _failed(result, "read", traceback_summary(exc)), {}, ""
    try:
        _inject_fault(article.text)
        if len(article.text) > _chunk_threshold():
            result.parts = _huge_article_parts(result, article, rules_dir, timings)
            return _finished(item, result, article, {}, [])
        return _Started(item, result, article, *article_doc(article, nlp, timings))
    except Exception as exc:  # one bad article must not stop the batch
        result.parts = None
        return _failed(result, "extract", traceback_summary(exc)), {}, ""


def _finish_article(started: _Started, doc, error: Exception | None, timings) -> tuple:
    """The rows of a started article from its ``doc`` that the kinds have run over (``error``:
    what one of them raised)."""
    try:
        if error is not None:
            raise error
        kind_rows, rule_rejects = doc_rows(started.article, started.cleaned, doc, timings)
    except Exception as exc:  # one bad article must not stop the batch
        return _failed(started.result, "extract", traceback_summary(exc)), {}, ""
    return _finished(started.item, started.result, started.article, kind_rows, rule_rejects)


def _finished(item: Item, result: ArticleResult, article: Article, kind_rows: dict, rule_rejects: list) -> tuple:
    result.rejects = rule_rejects  # lists in REJECT_COLUMNS order
    if Path(item.path).suffix.lower() in HTML_SUFFIXES:
        result.text = article.text  # saved as texts/<doc_id>.txt: the offsets index this extracted text
    return result, kind_rows, article.text


def _chunk_threshold() -> int:
    # read when called, from the module (``pipeline.extract`` is also a function's name): tests lower it
    return importlib.import_module("pipeline.extract").CHUNK_THRESHOLD


def _huge_article_parts(result: ArticleResult, article: Article, rules_dir: str, timings) -> Parts:
    """A huge article's records, validated and packed about ``PART_ROWS`` rows at a time as its
    segments come, so memory does not grow with the article (its rows as dicts took ~1 KB each)."""
    parts, pending, n = Parts(), [], 0
    for rows, rejects in chunked_parts(article, rules_dir, timings):
        pending.append((rows, rejects))
        n += sum(len(v) for v in rows.values())
        if n >= PART_ROWS:
            _add_part(parts, result, pending, article.text, timings)
            pending, n = [], 0
    if pending:
        _add_part(parts, result, pending, article.text, timings)
    return parts


def _add_part(parts: Parts, owner: ArticleResult, pending: list, text: str, timings) -> None:
    """Validate some segments' rows as ``_validate`` does a batch's, and pack them. Parts hold
    consecutive offsets, so the tables sorted by offset are the same as from a whole article."""
    part = ArticleResult(owner.doc_id, owner.path, owner.content_hash, rows={k: [] for k in KINDS})
    kind_rows = {k: [row for rows, _ in pending for row in rows[k]] for k in KINDS}
    part.rejects = [r for _, rejects in pending for r in rejects]
    with stage(timings, "validate"):
        _validate([(part, kind_rows, text)])
    parts.add(part.rows, part.rejects)


def _inject_fault(text: str) -> None:
    how = os.environ.get(FAULT_ENV)
    if how and FAULT_MARKER in text:
        if how == "exit":
            os._exit(70)  # a hard crash: no exception, no cleanup, as a segfault in a C extension
        raise RuntimeError(f"fault injected ({FAULT_ENV}={how})")


def traceback_summary(exc: BaseException, frames: int = 3) -> str:
    """``Type: message (at file:line in function ← …)``, innermost frame first."""
    tb = traceback.extract_tb(exc.__traceback__)[-frames:]
    where = " ← ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(tb))
    return f"{type(exc).__name__}: {exc}" + (f" (at {where})" if where else "")


def _failed(result: ArticleResult, where: str, problem: str) -> ArticleResult:
    result.status = "failed"
    result.errors = [[result.path, result.doc_id, where, problem]]
    return result


def crashed(item: Item, exc: BaseException) -> BatchOutput:
    """The outcome of an article whose worker process died (or whose task failed) while it ran
    alone: the article is failed with the reason, nothing else is lost."""
    result = ArticleResult(item.doc_id, item.path, item.content_hash, rows={k: [] for k in KINDS})
    why = f"{type(exc).__name__}: {exc}".strip()
    _failed(result, "worker", f"the worker process crashed on this article ({why}); "
                              "the rest of its batch was processed without it")
    return BatchOutput([result], None, None, 0.0)


def _validate(done: list[tuple]) -> None:
    """Schema validation once per batch and kind (pandera's cost is per call, not per row):
    valid rows go to their article's rows, failures to its rejects, as ``assemble`` does."""
    texts = {r.doc_id: text for r, rows, text in done if rows}
    for kind in KINDS:
        rows = [row for _, kind_rows, _ in done for row in kind_rows.get(kind, ())]
        if not rows:
            continue
        if records.surely_valid(kind, rows, texts):  # every real batch: no DataFrame, no pandera
            for result, kind_rows, _ in done:
                result.rows[kind] += kind_rows.get(kind, ())
        else:
            _validate_through_schema(kind, done, rows, texts)


def _validate_through_schema(kind: str, done: list[tuple], rows: list[list], texts: dict) -> None:
    """The batch's rows of a kind in one DataFrame through ``records.validate``; each row kept
    or rejected (with the reason) in its own article."""
    owners = [result for result, kind_rows, _ in done for _ in kind_rows.get(kind, ())]
    _, bad = records.validate(kind, records.to_frame(kind, rows), texts)
    bad_index = set(bad.index)
    for i, row in enumerate(rows):
        if i not in bad_index:
            owners[i].rows[kind].append(row)
    for i, rec in zip(bad.index, bad.to_dict("records")):
        owners[i].rejects.append([rec[c] for c in records.REJECT_COLUMNS])


# ---------------------------------------------------------------- engines


def run_batches(batch_list: list[list[Item]], rules_dir: str, engine: str = "local", workers: int = 1,
                scheduler: str | None = None, timed: bool = False, render: bool = False):
    """Yield a BatchOutput per batch, in completion order, from the engine asked for (``render``:
    with the articles' CSV text, ``render_csv``)."""
    if engine == "dask":
        yield from _dask(batch_list, rules_dir, workers, scheduler, timed, render)
    elif workers <= 1 or len(batch_list) <= 1:
        for items in batch_list:
            yield process_batch(load_batch(items), rules_dir, timed, render)
    else:
        yield from _processes(batch_list, rules_dir, workers, timed, render)


def _processes(batch_list, rules_dir: str, workers: int, timed: bool, render: bool = False):
    """A pool of ``workers`` processes. A worker that dies (a hard crash in a C extension, the
    OOM killer, os._exit) breaks the whole pool and every batch in flight with it, so the pool
    is started again and those batches run once more, each alone: a batch that crashes alone
    is split into its articles, and an article that crashes alone is the one that failed."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    # fork: the workers inherit this process's loaded pipeline (jieba, rules) at no cost
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    queue = deque((items, False) for items in batch_list)  # (articles, run alone)
    limit = 2 * workers
    while queue:
        pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=build_nlp, initargs=(rules_dir,))
        inflight, lost = {}, []
        try:
            while (queue or inflight) and not lost:
                while queue and len(inflight) < limit and not (queue[0][1] and inflight):
                    items, alone = queue.popleft()
                    inflight[pool.submit(process_batch_sealed, load_batch(items), rules_dir, timed,
                                         render)] = (items, alone)
                    if alone:
                        break  # a suspect runs by itself, so a crash names it
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for future in done:
                    items, alone = inflight.pop(future)
                    try:
                        out = future.result()
                    except BrokenProcessPool as exc:
                        lost.append((items, alone, exc))
                        continue
                    yield out
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        lost += [(items, alone, None) for items, alone in inflight.values()]  # broken with the pool
        retry = []
        for items, alone, exc in lost:
            if not alone:
                retry.append((items, True))
            elif len(items) > 1:
                retry += [([item], True) for item in items]
            else:
                yield crashed(items[0], exc or BrokenProcessPool("the pool broke"))
        queue.extendleft(reversed(retry))


def _dask(batch_list, rules_dir: str, workers: int, scheduler: str | None, timed: bool, render: bool = False):
    import logging

    from distributed import Client, LocalCluster, wait

    cluster = None
    if scheduler is None:  # a local cluster on loopback, one single-threaded process per worker
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None, silence_logs=logging.WARNING)
    try:
        with Client(cluster or scheduler) as client:
            if cluster is not None:
                client.run(_prepare_worker, rules_dir)
            def submit(items):
                return client.submit(process_batch_sealed, load_batch(items), rules_dir, timed, render, pure=False)
            limit = 2 * max(1, len(client.scheduler_info().get("workers", {})) or workers)
            yield from _bounded(submit, lambda fs: wait(fs, return_when="FIRST_COMPLETED"), batch_list, limit)
    finally:
        if cluster is not None:
            cluster.close()


def _prepare_worker(rules_dir: str) -> None:
    """A worker of the local Dask cluster, before its first batch: the pipeline loaded and frozen
    out of the cyclic GC as a forked worker inherits it from the main process (``_tune_gc``).
    Dask starts its workers afresh, not by fork; a remote cluster's workers are left as they are."""
    build_nlp(rules_dir)
    _tune_gc()


def _bounded(submit, wait_first, batch_list, limit: int):
    """At most ``limit`` batches in flight: the articles' bytes are read just before sending,
    so memory does not grow with the corpus. A batch whose task fails (on Dask, a worker that
    died on it too often: KilledWorker) runs again one article per task, and an article that
    fails alone is reported as failed; the rest of the batch completes."""
    todo = deque(batch_list)
    pending = {}

    def fill():
        while todo and len(pending) < limit:
            items = todo.popleft()
            pending[submit(items)] = items

    fill()
    while pending:
        done, _ = wait_first(set(pending))
        for future in done:
            items = pending.pop(future)
            try:
                out = future.result()
            except Exception as exc:
                if len(items) > 1:
                    todo.extendleft([item] for item in reversed(items))
                else:
                    yield crashed(items[0], exc)
                continue
            yield out
        fill()


# ---------------------------------------------------------------- merge and write


class LazyArticles(Mapping):
    """doc_id → Article, read from disk when asked (the report reads texts; a run keeps none but
    the last big one read, in ``kept`` when given: a dict the run's LazyArticles share, so the
    facts and the report read a huge article once, as reading a file takes several times its
    size for a moment: ``read.decode`` checks its characters at 4 bytes each)."""

    def __init__(self, items: list[Item], kept: dict | None = None):
        self._items = {i.doc_id: i for i in items}
        self._kept = {} if kept is None else kept

    def __getitem__(self, doc_id: str) -> Article:
        item = self._items[doc_id]
        if doc_id in self._kept:
            return self._kept[doc_id]
        article = read_article(Path(item.path), **item.meta)
        if item.size > KEEP_BYTES:
            self._kept.clear()
            self._kept[doc_id] = article
        return article

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def merge(ledger: Ledger, items: list[Item]) -> Tables:
    """The run's whole tables from the ledger, exactly as ``extract.assemble`` orders them
    (what the Stata writer takes; CSV, Parquet and the report read ``table_chunks``)."""
    rows, rejects = {k: [] for k in KINDS}, []
    for _, _, payload in ledger.payloads(sorted(i.doc_id for i in items)):
        _add_payload(rows, rejects, payload)
    frames, reject_frame = _sorted_frames(rows, rejects)
    return Tables(frames, reject_frame, _errors(ledger, items), _ok_articles(ledger, items))


def table_chunks(ledger: Ledger, items: list[Item], split_articles: bool = False, kept: dict | None = None,
                 frames: bool = True):
    """The run's tables from the ledger as Tables of about ``CHUNK_ROWS`` rows: articles in
    doc_id order, each chunk sorted as the whole is, so the chunks written one after another
    are the whole tables byte for byte, and memory holds one chunk. A chunk's ``articles`` are
    its articles that gave records, in the corpus's order (what facts need); its errors are
    empty (``_errors`` has them all). A huge article is one chunk, or with ``split_articles``
    one chunk per stored part or two: its parts are in offset order, so a chunk holds the rows
    of one stretch of its text; the chunk says which article goes on in the next chunk
    (``Chunk.unfinished``) and which began in an earlier one (``Chunk.continued``). ``kept``:
    what the chunks' articles share (``LazyArticles``). A chunk also holds its rows as sorted lists
    (``Chunk.rows``, ``Chunk.reject_rows``), which CSV is written from; ``frames=False`` leaves out
    its DataFrames (``frames`` and ``rejects`` None) for a run that needs none."""
    chunker = _Chunker(items, split_articles, kept, frames)
    for doc_id, status, payload in ledger.payloads(chunker.order):
        chunk = chunker.feed(doc_id, status, payload)
        if chunk is not None:
            yield chunk
    yield chunker.close()


class _Chunker:
    """``table_chunks``' state: the payloads go in in doc_id order, a chunk comes out every
    ``CHUNK_ROWS`` rows or so, so a run can feed it the articles as their batches come back
    (``EarlyOutputs``) and make the same chunks as ``table_chunks`` reading the ledger at the end."""

    def __init__(self, items: list[Item], split_articles: bool = False, kept: dict | None = None,
                 frames: bool = True):
        self.items, self.split_articles, self.kept, self.frames = items, split_articles, kept, frames
        self.position = {i.doc_id: n for n, i in enumerate(items)}
        self.order = sorted(self.position)  # the doc_ids in the tables' order
        self._start(None)

    def _start(self, continued: str | None) -> None:
        self.rows, self.rejects, self.ok, self.n, self.continued = {k: [] for k in KINDS}, [], [], 0, continued

    def feed(self, doc_id: str, status: str, payload: dict) -> Chunk | None:
        """Add one payload (``Ledger.payloads``); returns the chunk it closed, if any."""
        chunk = None
        if self.n >= CHUNK_ROWS and (self.split_articles or status != "part"):
            unfinished = doc_id if status == "part" else None
            chunk = self._chunk(unfinished)
            self._start(unfinished)
        self.n += _add_payload(self.rows, self.rejects, payload)
        if status == "ok":
            self.ok.append(doc_id)
        return chunk

    def close(self) -> Chunk:
        """The last chunk (maybe empty)."""
        return self._chunk(None)

    def flush(self) -> Chunk | None:
        """The rows fed so far as a chunk, if any, to write before rows that come another way
        (CSV without frames only: a chunk cut anywhere between articles gives the same bytes)."""
        if not any(self.rows.values()) and not self.rejects:
            return None
        chunk = self._chunk(None)
        self._start(None)
        return chunk

    def _chunk(self, unfinished: str | None) -> Chunk:
        return _chunk(self.rows, self.rejects, self.ok, self.items, self.position, self.continued, unfinished,
                      self.kept, self.frames)


@dataclass
class Chunk(Tables):
    """Some articles' tables; a huge article's rows may be cut across chunks (``table_chunks``)."""
    continued: str | None = None   # the article whose first rows came in an earlier chunk
    unfinished: str | None = None  # the article whose rows go on in the next chunk
    rows: dict | None = None         # kind -> the rows of ``frames`` as lists, in the same order
    reject_rows: list | None = None  # the rows of ``rejects`` as lists, in the same order

    def row_tables(self) -> dict:
        """The chunk's mention tables and rejects by file name, as ``RowTable``s (CSV without frames)."""
        tables = {FILES[k]: RowTable(self.rows[k], _float_columns(k)) for k in KINDS}
        return tables | {"rejects.csv": RowTable(self.reject_rows, nan=True)}


def _chunk(rows: dict, rejects: list, ok: list, items: list[Item], position: dict,
           continued: str | None = None, unfinished: str | None = None, kept: dict | None = None,
           frames: bool = True) -> Chunk:
    _sort_rows(rows, rejects)
    kind_frames, reject_frame = _sorted_frames(rows, rejects) if frames else (None, None)
    articles = LazyArticles([items[position[d]] for d in sorted(ok, key=position.get)], kept)
    return Chunk(kind_frames, reject_frame, pd.DataFrame(columns=ERROR_COLUMNS), articles, continued, unfinished,
                 rows, rejects)


def _sort_rows(rows: dict, rejects: list) -> None:
    """Rows in the tables' order (``_sorted_frames``' stable sorts): by doc_id, start, end; rejects by
    doc_id, start, kind. Strings compare by code point in Python as in pandas."""
    for kind_rows in rows.values():
        kind_rows.sort(key=itemgetter(0, 1, 2))
    rejects.sort(key=itemgetter(0, 2, 1))


def _float_columns(kind: str) -> tuple[int, ...]:
    """The columns ``records.to_frame`` makes float64 (value, value_max, except a date's TIMEX text)."""
    return tuple(i for i, c in enumerate(records.columns(kind)) if c in ("value", "value_max") and kind != "date")


def _add_payload(rows: dict, rejects: list, payload: dict) -> int:
    for kind in KINDS:
        rows[kind] += payload["rows"].get(kind, [])
    rejects += payload["rejects"]
    return sum(len(v) for v in payload["rows"].values()) + len(payload["rejects"])


def _sorted_frames(rows: dict, rejects: list) -> tuple[dict, pd.DataFrame]:
    frames = {k: records.to_frame(k, rows[k]).sort_values(["doc_id", "start", "end"], kind="stable")
              .reset_index(drop=True) for k in KINDS}
    reject_frame = pd.DataFrame(rejects, columns=records.REJECT_COLUMNS)
    if len(reject_frame):
        for col in ("start", "end"):
            reject_frame[col] = reject_frame[col].astype("int64")
    reject_frame = reject_frame.sort_values(["doc_id", "start", "kind"], kind="stable").reset_index(drop=True)
    return frames, reject_frame


def _errors(ledger: Ledger, items: list[Item]) -> pd.DataFrame:
    """Every failed article's errors, in the corpus's order (few: they are kept whole)."""
    order = {i.doc_id: n for n, i in enumerate(items)}
    failed = sorted(ledger.failed(list(order)), key=lambda d: order[d])
    errors = [e for _, _, payload in ledger.payloads(failed) for e in payload.get("errors", [])]
    return pd.DataFrame(errors, columns=ERROR_COLUMNS)


def _ok_articles(ledger: Ledger, items: list[Item], kept: dict | None = None) -> LazyArticles:
    """The articles that gave records, in the corpus's order, read from disk when asked."""
    failed = set(ledger.failed([i.doc_id for i in items]))
    known = ledger.entries()
    return LazyArticles([i for i in items if i.doc_id in known and i.doc_id not in failed], kept)


def partitions(items: list[Item]) -> pd.DataFrame:
    """doc_id → paper, year: what Parquet output is partitioned by."""
    return pd.DataFrame({"doc_id": [i.doc_id for i in items],
                         "paper": [i.meta.get("paper") or None for i in items],
                         "year": [(i.meta.get("issue_date") or "")[:4] or None for i in items]})


def write_outputs(out_dir: Path, ledger: Ledger, items: list[Item], fmt: str, run_info: dict,
                  timings: dict | None = None, hooks: bool = True, early: EarlyOutputs | None = None) -> pd.DataFrame:
    """Every output into a temporary folder inside ``out_dir``, then each renamed into place;
    an exception before the renames leaves the previous outputs untouched. ``hooks=False``
    (the benchmark's option) leaves out the derived tables and the report. CSV and Parquet
    tables stream from the ledger chunk by chunk (or were streamed while the batches ran:
    ``early``, whose folder this finishes); Stata files are written from the whole tables.
    The report reads the chunks again. Returns the errors table."""
    tmp = early.tmp if early else Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=out_dir))
    kept = early.kept if early else {}  # a huge article read for its facts, kept for the report (LazyArticles)
    try:
        if early:
            fact_rejects = early.finish()
        elif fmt in ("csv", "parquet"):
            fact_rejects = _write_streamed_outputs(tmp, ledger, items, fmt, timings, hooks, kept)
        else:
            fact_rejects = _write_whole_outputs(tmp, ledger, items, fmt, timings, hooks)
        with stage(timings, "report"):
            if hooks:  # the report reads the chunks again: the run's rows are never all in memory
                from .report import write_report  # imports matplotlib (~1.5 s): only when a report is written

                kinds_only = {k: pd.DataFrame(columns=records.columns(k)) for k in KINDS}
                run = Tables(kinds_only, None, _errors(ledger, items), _ok_articles(ledger, items, kept))
                write_report(tmp, run, run_info, lambda: _report_chunks(ledger, items, fact_rejects, kept))
        for entry in sorted(tmp.iterdir()):
            replace_path(entry, out_dir / entry.name)
    finally:
        if early:
            early.discard()
        shutil.rmtree(tmp, ignore_errors=True)
    return _errors(ledger, items)


class EarlyOutputs:
    """The CSV or Parquet tables written while the batches run, rather than all after them: the
    tables are in doc_id order and the batches go out in doc_id order, so each time a batch is
    recorded the articles up to the first one still out are fed from the ledger to the same
    ``_Chunker`` and ``_StreamedWriter`` as ``_write_streamed_outputs`` uses (the same chunks, the
    same bytes). With worker processes the main process did this merge and write alone at the
    end (10 MB: ~1 s with a core idle); now it overlaps the workers' last batches. Everything
    goes into a temporary folder that ``write_outputs`` renames into place at the end, as before.
    An error while writing (a full disk) is raised by ``finish``, after every batch was recorded,
    as when the outputs were written at the end.

    CSV without the derived tables (``renders``): the batches bring each article's CSV text
    (``render_csv``), written as it is rather than unpacked from the ledger, sorted and formatted
    again in this process; the rest (articles of earlier runs, a huge article's parts, texts beyond
    ``RENDERED_BYTES`` waiting for an earlier batch) comes from the ledger as above."""

    def __init__(self, out_dir: Path, ledger: Ledger, items: list[Item], todo: list[Item], fmt: str,
                 timings, hooks: bool):
        self.tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=out_dir))
        self.ledger, self.items, self.fmt, self.timings, self.hooks = ledger, items, fmt, timings, hooks
        self.kept = {}
        self.chunker = _Chunker(items, split_articles=True, kept=self.kept, frames=hooks or fmt != "csv")
        self.waiting = {i.doc_id for i in todo}  # not yet recorded in the ledger
        self.next = 0  # self.chunker.order[:next] were fed
        self.writer: _StreamedWriter | None = None  # made with the first chunk to write
        self.error: Exception | None = None
        self.renders = fmt == "csv" and not hooks
        self.rendered: dict[str, dict] = {}  # doc_id -> its CSV text (``render_csv``), until written
        self.held = 0  # the characters in ``rendered``

    def advance(self, results=()) -> None:
        """Take the results just recorded, then feed the articles now in the ledger, up to the first
        one still waiting for its batch."""
        for r in results:
            self.waiting.discard(r.doc_id)
            self._hold(r)
        order, stop = self.chunker.order, self.next
        while stop < len(order) and order[stop] not in self.waiting:
            stop += 1
        if self.error is None and stop > self.next:
            try:
                self._feed(order[self.next:stop])
            except Exception as exc:  # kept for ``finish``: the batches go on into the ledger
                self.error = exc
                self.discard()
        self.next = stop

    def _hold(self, result: ArticleResult) -> None:
        texts = result.csv if self.renders else None
        if texts is None:
            self.rendered.pop(result.doc_id, None)
            return
        size = sum(map(len, texts.values()))
        if self.held + size <= RENDERED_BYTES:  # beyond: read from the ledger when its turn comes
            self.rendered[result.doc_id] = texts
            self.held += size

    def _feed(self, doc_ids: list[str]) -> None:
        """The articles' rows into the tables: the rendered ones' text (a run of consecutive ones
        written together), the others through the chunker (read from the ledger together)."""
        from_ledger, texts = [], {}
        for doc_id in doc_ids:
            if doc_id not in self.rendered:
                self._write_texts(texts)
                from_ledger.append(doc_id)
                continue
            self._feed_ledger(from_ledger)
            from_ledger = []
            for name, text in self.rendered.pop(doc_id).items():
                self.held -= len(text)
                texts.setdefault(name, []).append(text)
        self._write_texts(texts)
        self._feed_ledger(from_ledger)

    def _write_texts(self, texts: dict[str, list[str]]) -> None:
        """Rendered articles' text, after the rows the chunker holds (which come before them)."""
        if not texts:
            return
        with stage(self.timings, "merge"):
            chunk = self.chunker.flush()
        writer = self._writer()
        with stage(self.timings, "write"):
            if chunk is not None:
                writer.add(chunk)
            for name, parts in texts.items():
                writer.out.add_text(name, "".join(parts))
        texts.clear()

    def _feed_ledger(self, doc_ids: list[str]) -> None:
        payloads = self.ledger.payloads(doc_ids) if doc_ids else iter(())
        while True:
            with stage(self.timings, "merge"):
                fed = next(payloads, None)
                chunk = self.chunker.feed(*fed) if fed is not None else None
            if fed is None:
                return
            if chunk is not None:
                self._writer().add(chunk)

    def _writer(self) -> _StreamedWriter:
        if self.writer is None:
            self.writer = _StreamedWriter(self.tmp, self.items, self.fmt, self.timings, self.hooks)
        return self.writer

    def finish(self) -> pd.DataFrame | None:
        """The rest of the tables (every batch is recorded now); returns the facts' rejects."""
        self.waiting.clear()  # an article the ledger lacks is left out, as ``table_chunks`` does
        self.advance()
        if self.error is not None:
            raise self.error
        with stage(self.timings, "merge"):
            chunk = self.chunker.close()
        writer = self._writer()
        writer.add(chunk)
        return writer.finish(self.ledger, self.items)

    def discard(self) -> None:
        """Close the files (the run failed, or they were renamed into place); the folder is removed
        by ``write_outputs``, or here when the run stops before it."""
        if self.writer is not None:
            self.writer.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _write_streamed_outputs(tmp: Path, ledger: Ledger, items: list[Item], fmt: str, timings,
                            hooks: bool, kept: dict | None = None) -> pd.DataFrame | None:
    """The CSV or Parquet tables chunk by chunk (the derived ones too, with ``hooks``); returns the
    facts' rejects, which close the rejects table as ``build_facts`` adds them after the mentions'."""
    writer = _StreamedWriter(tmp, items, fmt, timings, hooks)
    try:
        # CSV comes from the chunks' rows (RowTable); frames only for the derived tables or Parquet
        chunks = table_chunks(ledger, items, split_articles=True, kept=kept, frames=writer.frames)
        while True:
            with stage(timings, "merge"):
                chunk = next(chunks, None)
            if chunk is None:
                break
            writer.add(chunk)
        return writer.finish(ledger, items)
    finally:
        writer.close()


class _StreamedWriter:
    """The CSV or Parquet tables of a run (and with ``hooks`` the derived ones), written into ``tmp``
    chunk by chunk as ``table_chunks`` makes them (split_articles, ``frames``), then ``finish``."""

    def __init__(self, tmp: Path, items: list[Item], fmt: str, timings, hooks: bool):
        from .derived import DerivedChunks
        from .facts_schema import COLUMNS as FACT_COLUMNS

        self.tmp, self.items, self.fmt, self.timings = tmp, items, fmt, timings
        self.frames = hooks or fmt != "csv"  # CSV is written from the chunks' rows (RowTable)
        names = {FILES[k]: records.columns(k) for k in KINDS} | {"rejects.csv": records.REJECT_COLUMNS}
        self.derived = DerivedChunks({i.doc_id: n for n, i in enumerate(items)}) if hooks else None
        names |= {"facts.csv": FACT_COLUMNS} if hooks else {}
        self.out = CsvChunks(tmp, names) if fmt == "csv" else ParquetChunks(tmp, names, partitions(items))
        self.closed = False

    def add(self, chunk: Chunk) -> None:
        with stage(self.timings, "derived"):
            extra = self.derived.add(chunk) if self.derived else {}
        with stage(self.timings, "write"):
            tables = chunk.row_tables() | extra if self.fmt == "csv" else named_tables(chunk, extra)
            for name, df in tables.items():
                if name != "errors.csv":
                    self.out.add(name, df)

    def finish(self, ledger: Ledger, items: list[Item]) -> pd.DataFrame | None:
        """The tables built over the whole run, the errors, and the facts' rejects at the end of
        rejects.csv; closes the files. Returns the facts' rejects."""
        with stage(self.timings, "derived"):
            whole, fact_rejects = self.derived.finish() if self.derived else ({}, None)
        with stage(self.timings, "write"):
            if fact_rejects is not None and len(fact_rejects):
                self.out.add("rejects.csv", fact_rejects)
            write_tables(None, self.tmp, {**whole, "errors.csv": _errors(ledger, items)}, self.fmt, partitions(items))
            self.closed = True
            self.out.close()
        return fact_rejects

    def close(self) -> None:
        """Close the files (``finish`` did, unless it failed: then the first error is the one raised)."""
        if not self.closed:
            self.closed = True
            try:
                self.out.close()
            except OSError:
                pass


def _write_whole_outputs(tmp: Path, ledger: Ledger, items: list[Item], fmt: str, timings, hooks: bool):
    """Stata: every table whole in memory (pandas writes a .dta file from one DataFrame)."""
    from .derived import derived_tables

    with stage(timings, "merge"):
        tables = merge(ledger, items)
    mention_rejects = len(tables.rejects)
    with stage(timings, "derived"):
        extra = derived_tables(tables) if hooks else {}  # build_facts appends the facts' rejects
    with stage(timings, "write"):
        write_tables(tables, tmp, extra, fmt=fmt, partitions=partitions(items))
    return tables.rejects.iloc[mention_rejects:]


def _report_chunks(ledger: Ledger, items: list[Item], fact_rejects: pd.DataFrame | None, kept: dict | None = None):
    """``table_chunks`` with each chunk's facts' rejects after its mentions' (as in the whole):
    those of the articles that end in the chunk (a huge article's come after all its parts')."""
    for chunk in table_chunks(ledger, items, split_articles=True, kept=kept):
        if fact_rejects is not None and len(fact_rejects):
            ended = (set(chunk.articles) | {chunk.continued}) - {chunk.unfinished, None}
            mine = fact_rejects["doc_id"].isin(ended)  # facts come from the chunk's articles
            chunk.rejects = _concat_rejects(chunk.rejects, fact_rejects[mine])
        yield chunk


def _concat_rejects(rejects: pd.DataFrame, more: pd.DataFrame | None) -> pd.DataFrame:
    return pd.concat([rejects, more], ignore_index=True) if more is not None and len(more) else rejects


def _outputs_state(p: Plan, version: str, fmt: str) -> str:
    key = json.dumps([version, fmt, [(i.doc_id, i.content_hash) for i in p.items]])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _outputs_present(out_dir: Path, fmt: str) -> bool:
    return all((out_dir / Path(name).with_suffix(SUFFIX[fmt])).exists() for name in FILES.values())


# ---------------------------------------------------------------- the run


def run(paths: list[Path], out_dir: Path, rules_dir: Path | str = DEFAULT_RULES_DIR, *, issue_date: str | None = None,
        engine: str = "local", workers: int | None = None, scheduler: str | None = None, fmt: str = "csv",
        force: bool = False, progress=None, timed: bool = False, hooks: bool = True) -> RunSummary:
    """One incremental batch run; returns its summary (with the tables when it wrote them)."""
    t0 = time.perf_counter()
    rules_dir, out_dir = str(rules_dir), Path(out_dir)
    build_nlp(rules_dir)  # a broken rule file stops the run here, before any article or output
    with _output_errors(out_dir, "cannot create the output folder"):
        out_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_tmp(out_dir)
    version = rules_version(rules_dir)
    with _output_errors(out_dir, f"cannot open the ledger {out_dir / LEDGER_NAME}"):
        ledger = Ledger(out_dir / LEDGER_NAME)
    collector, early = _tune_gc(), None
    try:
        t_plan = time.perf_counter()
        p = plan(paths, ledger, version, issue_date, force)
        t_plan = time.perf_counter() - t_plan
        summary = RunSummary(new=p.new, changed=p.changed, skipped=p.skipped, removed=len(p.removed))
        with _output_errors(out_dir, "cannot record the removed articles in the ledger"):
            ledger.remove(p.removed)
            _remove_texts(out_dir, p.removed)
        early = _early_outputs(p, ledger, out_dir, fmt, summary.timings if timed else None, hooks)
        _process(p, ledger, version, rules_dir, summary, engine, workers or os.cpu_count() or 1,
                 scheduler, timed, progress, out_dir, early)
        with _output_errors(out_dir, "cannot write the outputs"):
            _finish(p, ledger, version, out_dir, fmt, summary, {"rules": rules_dir, "rules_version": version,
                    "paths": [str(x) for x in paths], "format": fmt, "engine": engine}, timed, hooks, early)
    finally:
        if early is not None:  # a failed run: its temporary folder goes (``write_outputs`` removed it otherwise)
            early.discard()
        ledger.close()
        _restore_gc(collector)
    if timed:
        summary.timings["plan"] = t_plan
    summary.peak_rss_mb["main"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary.seconds = time.perf_counter() - t0
    return summary


def _early_outputs(p: Plan, ledger: Ledger, out_dir: Path, fmt: str, timings, hooks: bool) -> EarlyOutputs | None:
    """The streamed outputs written as the batches come (``EarlyOutputs``), when there are batches
    and the format streams; None otherwise, or when the temporary folder cannot be made (then
    ``write_outputs`` tries at the end and says why it cannot)."""
    if not p.todo or fmt not in ("csv", "parquet"):
        return None
    try:
        early = EarlyOutputs(out_dir, ledger, p.items, p.todo, fmt, timings, hooks)
    except OSError:
        return None
    early.advance()  # the articles before the first one to process, from the ledger
    return early


YOUNG_GC_THRESHOLD = 100_000  # new container objects between collections of the youngest generation


def _tune_gc() -> tuple[int, ...]:
    """The cyclic garbage collector for a run (forked workers inherit it). What is loaded now
    (spaCy, pandas, the rules, jieba's words) lives as long as the run: frozen, a full collection
    no longer walks it again. The youngest generation is collected after 100 000 new objects
    rather than 700: an article makes hundreds of thousands of short-lived ones, which their
    reference counts free anyway, and a group of articles keeps ~10^5 alive at once, which a
    collection every 10 000 walked again and again. Together: a 10 MB run's GC time
    0.74 -> 0.19 s (10 000), and the young collections 0.29 -> 0.07 s more (100 000). Returns
    the thresholds to restore."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], YOUNG_GC_THRESHOLD), *thresholds[1:])
    return thresholds


def _restore_gc(thresholds: tuple[int, ...]) -> None:
    gc.set_threshold(*thresholds)
    gc.unfreeze()


def _process(p: Plan, ledger: Ledger, version: str, rules_dir: str, summary: RunSummary, engine: str,
             workers: int, scheduler: str | None, timed: bool, progress, out_dir: Path | None = None,
             early: EarlyOutputs | None = None) -> None:
    """Run the plan's articles, committing each finished batch to the ledger (after saving the
    texts extracted from HTML articles, so a committed article always has its text), then
    writing the outputs it completes (``early``). The batches go in doc_id order, the tables'."""
    if not p.todo:
        return
    progress = progress or Progress(len(p.todo))
    todo = sorted(p.todo, key=attrgetter("doc_id"))
    with progress:
        render = early is not None and early.renders
        for out in run_batches(batches(todo, workers), rules_dir, engine, workers, scheduler, timed, render):
            with _output_errors(out_dir, "cannot record finished articles in the ledger"), \
                    stage(summary.timings if timed else None, "record"):
                if out_dir is not None:
                    _save_texts(out_dir, out.results)
                ledger.record(out.results, version)
            summary.failed += sum(r.status != "ok" for r in out.results)
            for name, seconds in (out.timings or {}).items():
                summary.timings[name] = summary.timings.get(name, 0.0) + seconds
            if out.pid is not None:
                summary.peak_rss_mb[out.pid] = max(summary.peak_rss_mb.get(out.pid, 0.0), out.peak_rss_mb)
            progress.advance(len(out.results))
            if early is not None:
                early.advance(out.results)


def text_path(out_dir: Path, doc_id: str) -> Path:
    """Where the text extracted from an HTML article is kept (``texts/<doc_id>.txt``)."""
    return Path(out_dir) / TEXTS_DIR / f"{doc_id}.txt"


def _save_texts(out_dir: Path, results) -> None:
    for r in results:
        if r.text is not None:
            path = text_path(out_dir, r.doc_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, lambda tmp, text=r.text: Path(tmp).write_text(text, encoding="utf-8", newline=""))


def _remove_texts(out_dir: Path, doc_ids) -> None:
    for doc_id in doc_ids:
        text_path(out_dir, doc_id).unlink(missing_ok=True)


class _output_errors:
    """An OSError or SQLite error while writing into the output folder becomes an OutputError
    that says what could not be done, where, and that nothing written before is lost."""

    def __init__(self, out_dir: Path | None, what: str):
        self.out_dir, self.what = out_dir, what

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or isinstance(exc, OutputError) or not isinstance(exc, (OSError, sqlite3.Error)):
            return False
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            reason = f"{reason} (the disk is full)"
        elif isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            reason = f"{reason} (the output folder is read-only or not writable)"
        raise OutputError(f"{self.what} in {self.out_dir}: {reason}. The previous outputs are unchanged "
                          "and every article finished before is kept in the ledger; rerun to resume.") from exc


def _finish(p: Plan, ledger: Ledger, version: str, out_dir: Path, fmt: str, summary: RunSummary,
            run_info: dict, timed: bool, hooks: bool = True, early: EarlyOutputs | None = None) -> None:
    """Merge and write, unless nothing changed since the outputs were last written."""
    state = _outputs_state(p, version, fmt if hooks else f"{fmt} without hooks")
    unchanged = not p.todo and not p.removed and ledger.get_meta(f"outputs:{fmt}") == state
    if unchanged and _outputs_present(out_dir, fmt):  # the counts alone, from the ledger
        summary.wrote = False
        summary.records, summary.rejects, summary.errors = ledger.totals(KINDS)
        return
    timings = summary.timings if timed else None
    summary.records, summary.rejects, _ = ledger.totals(KINDS)
    summary.error_table = write_outputs(out_dir, ledger, p.items, fmt, run_info, timings, hooks, early)
    summary.errors = len(summary.error_table)
    ledger.set_meta(f"outputs:{fmt}", state)


def _remove_stale_tmp(out_dir: Path) -> None:
    """A killed run's temporary folder (its outputs were never renamed into place)."""
    for stale in out_dir.glob(f"{TMP_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)


# ---------------------------------------------------------------- progress


class Progress:
    """A rich progress bar (articles/s, ETA) on a terminal; a log line every few seconds otherwise."""

    def __init__(self, total: int, stream=None, every: float = 5.0):
        self.total, self.done, self.every = total, 0, every
        self.stream = stream or sys.stderr
        self.t0 = self.last = time.perf_counter()
        self.bar = None

    def __enter__(self):
        if self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeRemainingColumn

            self.bar = Bar(TextColumn("articles"), BarColumn(), MofNCompleteColumn(),
                           TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                           console=Console(file=self.stream), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("run", total=self.total, rate="")
        return self

    def advance(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        rate = self.done / max(now - self.t0, 1e-9)
        if self.bar is not None:
            self.bar.update(self.task, advance=n, rate=f"{rate:.1f} articles/s")
        elif now - self.last >= self.every or self.done == self.total:
            self.last = now
            eta = (self.total - self.done) / rate if rate else 0
            print(f"newsfacts: {self.done}/{self.total} articles, {rate:.1f} articles/s, ETA {eta:.0f} s",
                  file=self.stream, flush=True)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
