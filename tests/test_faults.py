"""Fault injection: a run killed at random points, a full disk, a read-only output folder,
a worker process that crashes on one article. Nothing is half-written, nothing is lost."""
import errno
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline import batch, write
from pipeline.batch import FAULT_ENV, FAULT_MARKER, OutputError, Progress, run
from pipeline.cli import main

from .conftest import CORPUS, ROOT

TABLES = ["amounts.csv", "percents.csv", "dates.csv", "projects.csv", "rejects.csv", "errors.csv"]


def _quiet():
    import io
    return Progress(0, stream=io.StringIO())


def _snapshot(out: Path) -> dict[str, bytes]:
    """Every output file (the ledger excepted, which a run is meant to update) by its path."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith("ledger.sqlite")}


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """The reference: one uninterrupted run over the bundled corpus."""
    out = tmp_path_factory.mktemp("clean") / "out"
    run([CORPUS], out, workers=1, progress=_quiet())
    return out


# ---------------------------------------------------------------- killed mid-run


def _ledger_articles(out: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{out / 'ledger.sqlite'}?mode=ro", uri=True)
        try:
            return db.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def _start(out: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "pipeline", "run", str(CORPUS), "--out", str(out), "--workers", "1"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _kill_when(proc: subprocess.Popen, ready, delay: float, timeout: float = 60) -> str:
    """SIGKILL ``proc`` ``delay`` s after ``ready()`` first holds; what was hit, for the message."""
    t0 = time.monotonic()
    while not ready():
        if proc.poll() is not None:
            return "finished before the kill point"
        if time.monotonic() - t0 > timeout:
            break
        time.sleep(0.005)
    time.sleep(delay)
    if proc.poll() is not None:
        return "finished before the kill point"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return "killed"


def test_killed_at_random_points_the_next_run_completes_with_nothing_lost_or_doubled(tmp_path, clean_run):
    """SIGKILL ``newsfacts run`` at seeded random points (while starting, while processing,
    while writing the outputs); after every kill any output file present is a whole one (the
    clean run's bytes), and the run after the last kill gives exactly the clean run's tables."""
    rng = random.Random(8)
    out = tmp_path / "out"
    expected = {name: (clean_run / name).read_bytes() for name in TABLES + ["facts.csv"]}
    points = [  # (when to start the clock, a random delay after it)
        ("after start", lambda: True, rng.uniform(1.0, 4.0)),
        ("while processing", lambda: _ledger_articles(out) >= 1, rng.uniform(0.0, 0.3)),
        ("while writing outputs", lambda: out.exists() and any(out.glob(".newsfacts-tmp-*")), rng.uniform(0.0, 0.2)),
        ("any time", lambda: True, rng.uniform(2.0, 6.0)),
    ]
    outcomes = []
    for name, ready, delay in points:
        proc = _start(out)
        outcomes.append((name, round(delay, 2), _kill_when(proc, ready, delay)))
        for table, data in expected.items():  # never half-written: absent or whole
            path = out / table
            assert not path.exists() or path.read_bytes() == data, (name, table)
    assert any(o[2] == "killed" for o in outcomes), outcomes
    final = subprocess.run([sys.executable, "-m", "pipeline", "run", str(CORPUS), "--out", str(out), "--workers", "1"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    for table, data in expected.items():
        assert (out / table).read_bytes() == data, (table, outcomes)
    assert _ledger_articles(out) == 5  # every article once
    assert not list(out.glob(".newsfacts-tmp-*")) and not list(out.glob(".*.csv.*"))


# ---------------------------------------------------------------- disk full, read-only folder


@pytest.fixture
def corpus(tmp_path):
    return shutil.copytree(CORPUS, tmp_path / "corpus")


def _full_disk_on(name: str, monkeypatch):
    """The CSV writer fails with ENOSPC halfway through the rows of ``name``."""
    real = write.append_csv

    def writer(df, f, header=False):
        if Path(f.name).name != name or header:
            return real(df, f, header)
        data = df.to_csv(index=False, header=False)
        f.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), f.name)
    monkeypatch.setattr(write, "append_csv", writer)


def test_disk_full_while_writing_is_a_clear_error_and_the_previous_outputs_stay(tmp_path, corpus, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main(["run", str(corpus), "--out", str(out), "--workers", "1"]) == 0
    before = _snapshot(out)
    (corpus / "extra.txt").write_text("今年计划投资3亿元，同比增长15%。", encoding="utf-8")
    _full_disk_on("dates.csv", monkeypatch)
    capsys.readouterr()
    assert main(["run", str(corpus), "--out", str(out), "--workers", "1"]) == 3
    err = capsys.readouterr().err
    assert "No space left on device" in err and "disk is full" in err and str(out) in err
    assert "previous outputs are unchanged" in err and "Traceback" not in err
    assert _snapshot(out) == before  # byte for byte, report included
    assert not list(out.glob(".newsfacts-tmp-*")) and not list(out.rglob(".dates.csv.*"))
    monkeypatch.undo()
    resumed = run([corpus], out, workers=1, progress=_quiet())
    assert (resumed.new, resumed.skipped, resumed.wrote) == (0, 6, True)  # extra.txt was kept in the ledger
    assert "3亿元" in set(pd.read_csv(out / "amounts.csv", encoding="utf-8-sig").text)


def test_disk_full_while_writing_rendered_rows_between_batches(tmp_path, corpus, monkeypatch):
    """Without the derived tables the rows come as CSV text with the batches and are written as they
    come: a full disk then stops the writing, not the batches, and the run fails at the end as before."""
    out = tmp_path / "out"
    run([corpus], out, workers=1, progress=_quiet(), hooks=False)
    before = _snapshot(out)
    (corpus / "0025_extra.txt").write_text("今年计划投资3亿元，同比增长15%。", encoding="utf-8")
    (corpus / "0035_extra.txt").write_text("同比增长15%。", encoding="utf-8")
    real = write.CsvChunks.add_text

    def add_text(self, name, text):
        if name == "dates.csv":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), name)
        return real(self, name, text)
    monkeypatch.setattr(write.CsvChunks, "add_text", add_text)
    monkeypatch.setattr(batch, "BATCH_BYTES", 1)  # one article per batch: the first write fails mid-run
    with pytest.raises(OutputError, match="disk is full"):
        run([corpus], out, workers=1, progress=_quiet(), hooks=False)
    assert _snapshot(out) == before and not list(out.glob(".newsfacts-tmp-*"))
    assert _ledger_articles(out) == 7  # every batch was recorded
    monkeypatch.undo()
    resumed = run([corpus], out, workers=1, progress=_quiet(), hooks=False)
    assert (resumed.new, resumed.skipped, resumed.wrote) == (0, 7, True)


def test_disk_full_in_the_ledger_keeps_the_finished_batches(tmp_path, corpus, monkeypatch):
    out = tmp_path / "out"
    real = batch.Ledger.record
    calls = []

    def record(self, results, version):
        calls.append(1)
        if len(calls) == 2:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, results, version)
    monkeypatch.setattr(batch.Ledger, "record", record)
    monkeypatch.setattr(batch, "BATCH_BYTES", 1)  # one article per batch
    with pytest.raises(OutputError, match="database or disk is full"):
        run([corpus], out, workers=1, progress=_quiet())
    assert _ledger_articles(out) == 1 and not (out / "amounts.csv").exists()
    monkeypatch.undo()
    resumed = run([corpus], out, workers=1, progress=_quiet())
    assert (resumed.new, resumed.skipped) == (4, 1)


def test_read_only_output_folder_is_a_clear_error(tmp_path, corpus, monkeypatch, capsys):
    """As root every folder is writable, so the refusal is injected where it would come first."""
    out = tmp_path / "out"
    assert main(["run", str(corpus), "--out", str(out), "--workers", "1"]) == 0
    before = _snapshot(out)
    (corpus / "extra.txt").write_text("今年计划投资3亿元。", encoding="utf-8")

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(out))
    monkeypatch.setattr(batch.tempfile, "mkdtemp", read_only)
    capsys.readouterr()
    assert main(["run", str(corpus), "--out", str(out), "--workers", "1"]) == 3
    err = capsys.readouterr().err
    assert "Read-only file system" in err and "read-only or not writable" in err and "Traceback" not in err
    assert _snapshot(out) == before


def test_an_output_folder_whose_ledger_cannot_be_opened(tmp_path, corpus, monkeypatch, capsys):
    def refuse(path):
        raise sqlite3.OperationalError("unable to open database file")
    monkeypatch.setattr(batch, "Ledger", refuse)
    assert main(["run", str(corpus), "--out", str(tmp_path / "out"), "--workers", "1"]) == 3
    assert "cannot open the ledger" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder whatever its permissions")
def test_a_really_read_only_output_folder(tmp_path, corpus, capsys):
    out = tmp_path / "out"
    assert main(["run", str(corpus), "--out", str(out), "--workers", "1"]) == 0
    before = _snapshot(out)
    (corpus / "extra.txt").write_text("今年计划投资3亿元。", encoding="utf-8")
    out.chmod(0o555)
    try:
        assert main(["run", str(corpus), "--out", str(out), "--workers", "1"]) == 3
    finally:
        out.chmod(0o755)
    assert _snapshot(out) == before


# ---------------------------------------------------------------- a worker crashing on one article


def _corpus_with_a_crasher(tmp_path) -> Path:
    folder = shutil.copytree(CORPUS, tmp_path / "corpus")
    text = (CORPUS / "002_210148cc11667783.txt").read_text(encoding="utf-8")
    (folder / "crasher.txt").write_text(f"{text}\n\n{FAULT_MARKER}\n", encoding="utf-8")
    return folder


def test_a_worker_process_that_dies_on_one_article_costs_only_that_article(tmp_path, clean_run, monkeypatch):
    folder = _corpus_with_a_crasher(tmp_path)
    monkeypatch.setenv(FAULT_ENV, "exit")  # the worker calls os._exit on the marked article
    monkeypatch.setattr(batch, "BATCH_BYTES", 20 * 1024)  # several batches of several articles
    out = tmp_path / "out"
    summary = run([folder], out, workers=2, progress=_quiet())
    errors = pd.read_csv(out / "errors.csv", encoding="utf-8-sig")
    assert list(errors.doc_id) == ["crasher"] and list(errors.stage) == ["worker"]
    assert "crashed on this article" in errors.error[0] and "BrokenProcessPool" in errors.error[0]
    assert summary.failed == 1
    for name in ("amounts.csv", "percents.csv", "dates.csv", "projects.csv", "rejects.csv"):
        assert (out / name).read_bytes() == (clean_run / name).read_bytes(), name
    monkeypatch.delenv(FAULT_ENV)
    again = run([folder], out, workers=1, progress=_quiet())  # the failure is remembered, not retried
    assert (again.skipped, again.wrote) == (6, False)


def test_an_exception_in_one_article_is_reported_with_its_traceback(tmp_path, clean_run, monkeypatch):
    folder = _corpus_with_a_crasher(tmp_path)
    monkeypatch.setenv(FAULT_ENV, "raise")
    out = tmp_path / "out"
    run([folder], out, workers=1, progress=_quiet())
    errors = pd.read_csv(out / "errors.csv", encoding="utf-8-sig")
    assert list(errors.doc_id) == ["crasher"] and errors.stage[0] == "extract"
    assert errors.error[0].startswith("RuntimeError: fault injected") and "batch.py:" in errors.error[0]
    assert (out / "amounts.csv").read_bytes() == (clean_run / "amounts.csv").read_bytes()
