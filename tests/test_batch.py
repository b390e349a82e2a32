"""Batch runs: the ledger's incremental behaviour, resuming, workers, formats, atomic outputs."""
import io
import shutil
import sqlite3

import pandas as pd
import pytest

from pipeline import batch, write
from pipeline.batch import Progress, run
from pipeline.corpus import discover
from pipeline.write import write_tables

from .conftest import CORPUS, RULES

TABLES = ["amounts.csv", "percents.csv", "dates.csv", "projects.csv", "rejects.csv", "errors.csv"]


@pytest.fixture
def corpus(tmp_path):
    """A copy of the bundled corpus the test may change."""
    return shutil.copytree(CORPUS, tmp_path / "corpus")


def _read(out, name):
    return (out / name).read_bytes()


def _quiet():
    return Progress(0, stream=io.StringIO())


def test_first_run_writes_what_extract_articles_gives(tmp_path, corpus_tables):
    out = tmp_path / "out"
    summary = run([CORPUS], out, workers=1, progress=_quiet())
    expected = tmp_path / "expected"
    write_tables(corpus_tables, expected)
    for name in TABLES:
        assert _read(out, name) == _read(expected, name), name
    assert summary.new == 5 and summary.skipped == 0 and summary.wrote
    assert summary.records == {k: len(df) for k, df in corpus_tables.frames.items()}
    assert (out / "ledger.sqlite").exists() and (out / "facts.csv").exists()


def test_rerun_skips_unchanged_and_follows_changes(tmp_path, corpus):
    out = tmp_path / "out"
    run([corpus], out, workers=1, progress=_quiet())
    before = {name: _read(out, name) for name in TABLES}
    again = run([corpus], out, workers=1, progress=_quiet())
    assert (again.new, again.changed, again.skipped, again.wrote) == (0, 0, 5, False)
    assert {name: _read(out, name) for name in TABLES} == before

    changed = corpus / "002_210148cc11667783.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n全年完成投资12.5亿元。\n", encoding="utf-8")
    (corpus / "004_581a6fd3e0f6c134.txt").unlink()
    (corpus / "extra.txt").write_text("今年计划投资3亿元，同比增长15%。", encoding="utf-8")
    third = run([corpus], out, workers=1, progress=_quiet())
    assert (third.new, third.changed, third.skipped, third.removed) == (1, 1, 3, 1)
    amounts = pd.read_csv(out / "amounts.csv", encoding="utf-8-sig")
    assert "12.5亿元" in set(amounts.text) and "3亿元" in set(amounts.text)
    for name in ("amounts.csv", "dates.csv", "projects.csv", "rejects.csv"):
        assert "004_581a6fd3e0f6c134" not in set(pd.read_csv(out / name, encoding="utf-8-sig").doc_id)


def test_a_rules_change_reprocesses_everything(tmp_path):
    rules = shutil.copytree(RULES, tmp_path / "rules")
    out = tmp_path / "out"
    run([CORPUS], out, rules, workers=1, progress=_quiet())
    with (rules / "percent.yaml").open("a", encoding="utf-8") as f:
        f.write("\n# a comment is a change too\n")
    again = run([CORPUS], out, rules, workers=1, progress=_quiet())
    assert (again.changed, again.skipped) == (5, 0)


def test_manifest_metadata_is_part_of_the_hash(tmp_path, corpus):
    out = tmp_path / "out"
    run([corpus], out, workers=1, progress=_quiet())
    again = run([corpus], out, issue_date="2020-06-01", workers=1, progress=_quiet())
    assert again.changed == 4 and again.skipped == 1  # one article already had a date


def test_a_failed_write_leaves_the_previous_outputs_and_the_ledger_resumes(tmp_path, corpus, monkeypatch):
    out = tmp_path / "out"
    run([corpus], out, workers=1, progress=_quiet())
    before = {name: _read(out, name) for name in TABLES}
    (corpus / "extra.txt").write_text("今年计划投资3亿元。", encoding="utf-8")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # a run killed while writing
    monkeypatch.setattr(write, "append_csv", crash)
    with pytest.raises(KeyboardInterrupt):
        run([corpus], out, workers=1, progress=_quiet())
    assert {name: _read(out, name) for name in TABLES} == before
    assert not list(out.glob(".newsfacts-tmp-*"))
    monkeypatch.undo()
    resumed = run([corpus], out, workers=1, progress=_quiet())
    assert (resumed.new, resumed.skipped, resumed.wrote) == (0, 6, True)  # extra.txt was already done
    assert "3亿元" in set(pd.read_csv(out / "amounts.csv", encoding="utf-8-sig").text)


def test_a_run_killed_between_batches_keeps_the_finished_ones(tmp_path, corpus, monkeypatch):
    out = tmp_path / "out"
    real = batch.process_batch
    calls = []

    def dies_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)
    monkeypatch.setattr(batch, "process_batch", dies_on_second_batch)
    monkeypatch.setattr(batch, "BATCH_BYTES", 1)  # one article per batch
    with pytest.raises(KeyboardInterrupt):
        run([corpus], out, workers=1, progress=_quiet())
    assert not (out / "amounts.csv").exists()
    done = sqlite3.connect(out / "ledger.sqlite").execute("SELECT count(*) FROM articles").fetchone()[0]
    assert done == 1
    monkeypatch.undo()
    resumed = run([corpus], out, workers=1, progress=_quiet())
    assert (resumed.new, resumed.skipped) == (4, 1)


def test_two_worker_processes_write_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "BATCH_BYTES", 8 * 1024)  # several batches, out of order
    one, two = tmp_path / "one", tmp_path / "two"
    run([CORPUS], one, workers=1, progress=_quiet())
    summary = run([CORPUS], two, workers=2, progress=_quiet())
    for name in TABLES + ["facts.csv", "projects_index.csv"]:
        assert _read(one, name) == _read(two, name), name
    assert len([pid for pid in summary.peak_rss_mb if pid != "main"]) == 2


def test_unreadable_files_are_errors_and_the_rest_completes(tmp_path, corpus):
    (corpus / "broken.txt").write_bytes(b"\x00\x01\x02binary")
    out = tmp_path / "out"
    summary = run([corpus], out, workers=1, progress=_quiet())
    errors = pd.read_csv(out / "errors.csv", encoding="utf-8-sig")
    assert list(errors.doc_id) == ["broken"] and errors.stage[0] == "read"
    assert summary.failed == 1 and summary.records["amount"] > 0


def test_doc_ids_stay_unique_across_papers_and_dates(tmp_path):
    text = (CORPUS / "002_210148cc11667783.txt").read_bytes()
    for folder in ("衡阳日报/2021-01-07", "衡阳日报/2021-01-08", "湘潭日报/2021-01-07"):
        (tmp_path / "c" / folder).mkdir(parents=True)
        (tmp_path / "c" / folder / "01.txt").write_bytes(text)
    found = discover([tmp_path / "c"])
    assert [m["doc_id"] for _, m in found] == ["湘潭日报/2021-01-07/01", "衡阳日报/2021-01-07/01", "衡阳日报/2021-01-08/01"]
    assert [(m["paper"], m["issue_date"]) for _, m in found][0] == ("湘潭日报", "2021-01-07")
    run([tmp_path / "c"], tmp_path / "out", workers=1, progress=_quiet())
    amounts = pd.read_csv(tmp_path / "out" / "amounts.csv", encoding="utf-8-sig")
    assert amounts.groupby("doc_id").size().nunique() == 1 and amounts.doc_id.nunique() == 3


def test_progress_is_plain_lines_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(10, stream=stream, every=0) as progress:
        progress.advance(4)
        progress.advance(6)
    lines = stream.getvalue().splitlines()
    assert lines[-1].startswith("newsfacts: 10/10 articles") and "articles/s" in lines[0] and "ETA" in lines[0]


def test_the_run_command_prints_the_summary(tmp_path, capsys):
    from pipeline.cli import main

    assert main(["run", str(CORPUS), "--out", str(tmp_path / "out"), "--workers", "1", "--format", "dta"]) == 0
    printed = capsys.readouterr().out
    assert "articles: 5 new, 0 changed, 0 skipped, 0 failed" in printed and "records: amount" in printed
    assert (tmp_path / "out" / "amounts.dta").exists()


def test_with_several_workers_the_last_batches_are_smaller():
    items = [batch.Item(str(i), "p", {}, "h", 10_000) for i in range(1000)]
    one, two = batch.batches(items, 1), batch.batches(items, 2)
    assert [i for b in one for i in b] == items == [i for b in two for i in b]
    sizes = lambda bs: [sum(i.size for i in b) for b in bs]
    assert max(sizes(one)) == max(sizes(two)) and len(set(sizes(one)[:-1])) == 1  # one process: no taper
    assert max(sizes(two)[-4:]) <= max(sizes(two)) // 4 + 10_000
    assert sum(sizes(two)[len(sizes(two)) - sizes(two)[::-1].index(max(sizes(two))):]) <= 2 * max(sizes(two))


def _without_early_outputs(monkeypatch):
    """The plain way: every output written from the ledger after the last batch."""
    monkeypatch.setattr(batch, "_early_outputs", lambda *args, **kwargs: None)


@pytest.mark.parametrize("hooks, rendered_bytes", [(True, None), (False, None), (False, 0)])
def test_outputs_written_while_the_batches_run_are_those_written_after(tmp_path, corpus, monkeypatch, hooks,
                                                                        rendered_bytes):
    """hooks False: CSV text rendered with the batches (``render_csv``), or with no room to hold it
    (``RENDERED_BYTES`` 0) every article through the ledger again."""
    monkeypatch.setattr(batch, "BATCH_BYTES", 1)  # one article per batch
    monkeypatch.setattr(batch, "CHUNK_ROWS", 7)   # chunks written between the batches
    if rendered_bytes is not None:
        monkeypatch.setattr(batch, "RENDERED_BYTES", rendered_bytes)
    texts = []  # articles written from their rendered text
    real_text = write.CsvChunks.add_text
    monkeypatch.setattr(write.CsvChunks, "add_text", lambda self, name, text: (texts.append(name), real_text(self, name, text)))
    written, at_record = [], []  # chunks written; how many when each batch was recorded
    real_add, real_record = batch._StreamedWriter.add, batch.Ledger.record
    monkeypatch.setattr(batch._StreamedWriter, "add", lambda self, chunk: (written.append(1), real_add(self, chunk)))
    monkeypatch.setattr(batch.Ledger, "record", lambda self, *a: (at_record.append(len(written) + len(texts)), real_record(self, *a)))
    early, plain = tmp_path / "early", tmp_path / "plain"
    shutil.copytree(corpus, tmp_path / "first")  # a first run on 3 articles, then on them, 2 more and a new one
    for path in sorted((tmp_path / "first").glob("00[34]*.txt")):
        path.unlink()
    run([tmp_path / "first"], early, progress=_quiet(), hooks=hooks, workers=1)
    shutil.copytree(early, plain)
    (corpus / "0025_extra.txt").write_text("今年计划投资3亿元，同比增长15%。", encoding="utf-8")  # between 001 and 002
    written.clear(), at_record.clear(), texts.clear()
    summary = run([corpus], early, progress=_quiet(), hooks=hooks, workers=1)
    assert (summary.new, summary.skipped) == (3, 3) and len(at_record) == 3
    assert 0 < at_record[-1] < len(written) + len(texts)  # some written before the last batch, some after
    assert len(texts) == (3 * 5 if not hooks and rendered_bytes is None else 0)  # 3 new articles, 5 tables
    _without_early_outputs(monkeypatch)
    written.clear(), at_record.clear(), texts.clear()
    run([corpus], plain, progress=_quiet(), hooks=hooks, workers=1)
    assert at_record == [0, 0, 0] and written
    for name in TABLES + (["facts.csv", "projects_index.csv"] if hooks else []):
        assert _read(early, name) == _read(plain, name), name
    assert not list(early.glob(".newsfacts-tmp-*"))


def test_the_batches_go_in_doc_id_order(tmp_path, corpus, monkeypatch):
    """The order the tables are written in, so the outputs can be written as the batches come."""
    monkeypatch.setattr(batch, "BATCH_BYTES", 1)
    sent = []
    real = batch.load_batch
    monkeypatch.setattr(batch, "load_batch", lambda items: (sent.extend(i.doc_id for i in items), real(items))[1])
    (corpus / "0025_extra.txt").write_text("今年计划投资3亿元。", encoding="utf-8")
    run([corpus], tmp_path / "out", progress=_quiet(), hooks=False, workers=1)
    assert len(sent) == 6 and sent == sorted(sent)


def test_two_workers_render_the_same_csv_as_one_process_plain(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "BATCH_BYTES", 8 * 1024)  # several batches, maybe out of order
    two, plain = tmp_path / "two", tmp_path / "plain"
    run([CORPUS], two, workers=2, progress=_quiet(), hooks=False)
    _without_early_outputs(monkeypatch)
    run([CORPUS], plain, workers=1, progress=_quiet(), hooks=False)
    for name in TABLES:
        assert _read(two, name) == _read(plain, name), name


def _result(rows, rejects=()):
    from pipeline.ledger import ArticleResult

    return ArticleResult("d1", "p", "h", rows={"amount": rows, "percent": [], "date": [], "project": []},
                         rejects=list(rejects))


def test_rendered_csv_is_what_the_ledger_rows_give():
    import numpy as np

    from pipeline import ledger as ledger_mod

    cols = len(batch.records.columns("amount"))
    row = lambda start, value: ["d1", start, start + 2, "3亿", "s", "r", value] + [None] * (cols - 7)
    short = row(2, 7.0)
    short[2] = 3  # ends before the two rows at 2 that come before it
    result = _result([row(9, 3e8), row(2, 0.1 + 0.2), row(2, None), short],
                     [["d1", "date", 5, 6, "x", "r", "why"], ["d1", "amount", 5, 6, "y", "r", float("nan")],
                      ["d1", "amount", 9, 10, "z", "r", "why"], ["d1", "date", 1, 2, "w", "r", "why"]])
    texts = batch.render_csv(result)
    back = ledger_mod._unpack(ledger_mod._pack(result))  # the plain way: the ledger's rows, sorted per chunk
    rows, rejects = {k: [] for k in batch.KINDS}, []
    batch._add_payload(rows, rejects, back)
    chunk = batch._chunk(rows, rejects, [], [], {}, frames=False)
    for name, table in chunk.row_tables().items():
        assert texts[name] == table.to_csv(), name
    assert texts["amounts.csv"].index(",9,") > texts["amounts.csv"].index(",2,")
    assert texts["amounts.csv"].index(",2,3,") < texts["amounts.csv"].index(",2,4,")
    assert [line.split(",")[4] for line in texts["rejects.csv"].splitlines()] == ["w", "y", "x", "z"]
    assert batch.render_csv(_result([row(1, np.float64(1.5))])) is None  # repr differs: from the ledger
    assert batch.render_csv(_result([row(1, 1.5)[:-1] + [("a", "b")]])) is None  # the ledger gives a list
    assert batch.render_csv(_result([["d2", *row(1, 1.5)[1:]]])) is None  # another article's row
