"""Bounded memory in batch runs: a huge article stored in parts, outputs written chunk by chunk.

Thresholds are lowered so that the bundled articles are "huge" (cut into many segments and
stored in several parts) and the output tables are written in many chunks; the outputs must
be byte for byte those of a run without either.
"""
import importlib
import io
import re
import sqlite3

import pytest

from pipeline import batch
from pipeline.batch import Progress, run
from pipeline.report import tables as report_tables

from .conftest import CORPUS

extract_mod = importlib.import_module("pipeline.extract")  # pipeline.extract is also a function

CSVS = ["amounts.csv", "percents.csv", "dates.csv", "projects.csv", "rejects.csv", "errors.csv",
        "facts.csv", "projects_index.csv"]


def _quiet():
    return Progress(0, stream=io.StringIO())


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean") / "out"
    run([CORPUS], out, workers=1, progress=_quiet())
    return out


def _small_parts(monkeypatch):
    monkeypatch.setattr(extract_mod, "CHUNK_THRESHOLD", 0)  # every article is chunked
    monkeypatch.setattr(extract_mod, "CHUNK_CHARS", 700)
    monkeypatch.setattr(extract_mod, "CHUNK_MARGIN", 250)
    monkeypatch.setattr(batch, "PART_ROWS", 5)     # a part every few segments
    monkeypatch.setattr(batch, "CHUNK_ROWS", 7)    # an output chunk every article or part
    monkeypatch.setattr(report_tables, "SLICE_ROWS", 3)  # the report reads the tables back in slices


@pytest.mark.parametrize("workers", [1, 2])  # 2: the parts travel from a worker process
def test_huge_articles_in_parts_and_chunked_outputs_give_the_same_bytes(tmp_path, clean_run, monkeypatch, workers):
    _small_parts(monkeypatch)
    out = tmp_path / "out"
    run([CORPUS], out, workers=workers, progress=_quiet())
    db = sqlite3.connect(out / "ledger.sqlite")
    per_article = db.execute("SELECT doc_id, count(*) FROM parts GROUP BY doc_id").fetchall()
    db.close()
    assert len(per_article) == 5 and all(n > 1 for _, n in per_article)
    for name in CSVS:
        assert (out / name).read_bytes() == (clean_run / name).read_bytes(), name
    pages = sorted((clean_run / "report").glob("[at]*/*.html"))  # article and table pages
    assert len(pages) >= 10
    for page in pages:
        assert (out / page.relative_to(clean_run)).read_bytes() == page.read_bytes(), page.name
    for page in ["index.html", *(f"charts/{p.name}" for p in (clean_run / "report" / "charts").glob("*.svg"))]:
        assert _stable(out / "report" / page) == _stable(clean_run / "report" / page), page


def _stable(path):
    """A report page without what differs between two runs: the time written, matplotlib's ids."""
    text = re.sub(r'(id|clip-path)="[^"]*"|href="#[^"]*"|url\(#\w+\)', "", path.read_text(encoding="utf-8"))
    return [line for line in text.splitlines() if 'class="kv"' not in line and "run-line" not in line]


def test_without_facts_a_huge_article_is_written_part_by_part(tmp_path, monkeypatch):
    """hooks=False splits an article's parts across output chunks (nothing needs it whole)."""
    plain = tmp_path / "plain"
    run([CORPUS], plain, workers=1, hooks=False, progress=_quiet())
    _small_parts(monkeypatch)
    chunks = []
    real = batch._chunk
    monkeypatch.setattr(batch, "_chunk", lambda *a: chunks.append(a[2]) or real(*a))
    out = tmp_path / "out"
    run([CORPUS], out, workers=1, hooks=False, progress=_quiet())
    assert len(chunks) > 10  # articles cut across chunks (5 articles)
    for name in CSVS[:6]:
        assert (out / name).read_bytes() == (plain / name).read_bytes(), name


def test_a_rerun_replaces_an_articles_parts(tmp_path, monkeypatch):
    _small_parts(monkeypatch)
    out = tmp_path / "out"
    run([CORPUS], out, workers=1, hooks=False, progress=_quiet())
    monkeypatch.setattr(batch, "PART_ROWS", 10 ** 6)  # one part per article now
    run([CORPUS], out, workers=1, hooks=False, force=True, progress=_quiet())
    db = sqlite3.connect(out / "ledger.sqlite")
    assert db.execute("SELECT count(*) FROM parts").fetchone()[0] == 5
    db.close()


def test_facts_and_pages_of_articles_cut_across_chunks_are_the_whole_articles(tmp_path, monkeypatch):
    """An article's parts in many output chunks, its facts linked window by window as they come
    (a window cut every few sentences) and its page cut short (its rows from several chunks):
    the same bytes as a run where each article is one chunk, linked whole."""
    from pipeline import facts
    from pipeline.report import site

    monkeypatch.setattr(site, "PAGE_CHARS", 600)
    whole = tmp_path / "whole"
    run([CORPUS], whole, workers=1, progress=_quiet())
    _small_parts(monkeypatch)
    monkeypatch.setattr(facts, "WINDOWED_ROWS", 20)
    monkeypatch.setattr(facts, "WINDOW_CHARS", 300)
    cut, windows = [], []
    real_chunk, real_window = batch._chunk, facts._window_facts
    monkeypatch.setattr(batch, "_chunk", lambda *a: cut.append(a[5:]) or real_chunk(*a))
    monkeypatch.setattr(facts, "_window_facts", lambda *a: windows.append(a[1]) or real_window(*a))
    out = tmp_path / "out"
    run([CORPUS], out, workers=1, progress=_quiet())
    assert sum(c[0] is not None and c[0] == c[1] for c in cut) > 10  # chunks in the middle of an article
    assert len(windows) > 25
    for name in CSVS:
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    pages = sorted((whole / "report").glob("articles/*.html"))
    assert len(pages) == 5 and all("The article is cut here" in p.read_text(encoding="utf-8") for p in pages)
    for page in pages:
        assert (out / page.relative_to(whole)).read_bytes() == page.read_bytes(), page.name
    for page in ["index.html", *(f"charts/{p.name}" for p in (whole / "report" / "charts").glob("*.svg"))]:
        assert _stable(out / "report" / page) == _stable(whole / "report" / page), page
