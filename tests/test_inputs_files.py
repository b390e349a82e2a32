"""Messy input folders and files in batch runs: symlink loops, unreadable files and folders,
HTML pages (their extracted text saved beside the outputs), huge articles in chunks."""
import importlib
import io
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import corpus as corpus_mod
from pipeline import extract_corpus
from pipeline.batch import Progress, run, text_path
from pipeline.corpus import discover
from pipeline.read import read_article

from .conftest import CORPUS
from .test_inputs import PAGE

extract_mod = importlib.import_module("pipeline.extract")
ONE = CORPUS / "002_210148cc11667783.txt"


def _quiet():
    return Progress(0, stream=io.StringIO())


def _errors(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "errors.csv", encoding="utf-8-sig")


@pytest.fixture
def folder(tmp_path):
    """One real article in a folder the test may make messy."""
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    shutil.copy(ONE, root / "sub" / "a.txt")
    return root


def test_a_symlink_loop_is_listed_and_the_run_completes(tmp_path, folder):
    (folder / "sub" / "back").symlink_to("..", target_is_directory=True)  # sub/back -> in: a loop
    (folder / "self.txt").symlink_to("self.txt")  # a link to itself (ELOOP)
    (folder / "gone.txt").symlink_to("nowhere.txt")  # a dangling link
    problems = []
    found = discover([folder], problems)
    assert [m["doc_id"] for _, m in found] == ["a"]
    assert {Path(p).name: msg.split(" (")[0] for p, _, msg in problems} == {
        "back": f"symlink loop: {folder / 'sub' / 'back'} leads back to a folder already read",
        "self.txt": "cannot read", "gone.txt": "cannot read"}
    out = tmp_path / "out"
    summary = run([folder], out, workers=1, progress=_quiet())
    errors = _errors(out)
    assert sorted(errors.doc_id) == ["back", "gone", "self"] and set(errors.stage) == {"discover"}
    assert summary.records["amount"] > 0 and summary.failed == 3
    again = run([folder], out, workers=1, progress=_quiet())  # the same problems: nothing to redo
    assert (again.skipped, again.wrote) == (4, False)


def test_a_symlinked_folder_is_followed_once(tmp_path, folder):
    (folder / "alias").symlink_to(folder / "sub", target_is_directory=True)
    problems = []
    found = discover([folder], problems)
    assert len(found) == 1 and len(problems) == 1 and "symlink loop" in problems[0][2]


def test_an_unreadable_folder_is_listed_and_the_rest_completes(tmp_path, folder, monkeypatch):
    (folder / "locked").mkdir()
    shutil.copy(ONE, folder / "locked" / "b.txt")
    real = corpus_mod._scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)
    monkeypatch.setattr(corpus_mod, "_scandir", scandir)  # chmod 0 does not stop root
    out = tmp_path / "out"
    run([folder], out, workers=1, progress=_quiet())
    errors = _errors(out)
    assert list(errors.doc_id) == ["locked"] and errors.stage[0] == "discover"
    assert errors.error[0] == "cannot list folder (Permission denied)"
    assert set(pd.read_csv(out / "amounts.csv", encoding="utf-8-sig").doc_id) == {"a"}


def test_an_unreadable_file_is_listed_and_the_rest_completes(tmp_path, folder, monkeypatch):
    shutil.copy(ONE, folder / "secret.txt")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    out = tmp_path / "out"
    run([folder], out, workers=1, progress=_quiet())
    errors = _errors(out)
    assert list(errors.doc_id) == ["secret"] and errors.stage[0] == "read"
    assert errors.error[0] == "cannot read file (Permission denied)"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file or folder whatever its permissions")
def test_really_unreadable_file_and_folder(tmp_path, folder):
    shutil.copy(ONE, folder / "secret.txt")
    (folder / "secret.txt").chmod(0)
    (folder / "locked").mkdir()
    (folder / "locked").chmod(0)
    try:
        run([folder], tmp_path / "out", workers=1, progress=_quiet())
    finally:
        (folder / "locked").chmod(0o755)
    assert sorted(_errors(tmp_path / "out").doc_id) == ["locked", "secret"]


def test_html_pages_are_found_and_their_text_is_saved_beside_the_outputs(tmp_path, folder):
    (folder / "page.html").write_text(PAGE, encoding="utf-8")
    (folder / "e-paper.HTM").write_text(PAGE.replace("595.92", "12.5"), encoding="gb18030")
    out = tmp_path / "out"
    run([folder], out, workers=1, progress=_quiet())
    amounts = pd.read_csv(out / "amounts.csv", encoding="utf-8-sig")
    for doc_id, value in (("page", "595.92亿元"), ("e-paper", "12.5亿元")):
        saved = text_path(out, doc_id).read_text(encoding="utf-8")
        html = next(p for p in folder.iterdir() if p.stem == doc_id)
        assert saved == read_article(html).text and "<nav>" not in saved and "版权所有" not in saved
        rows = amounts[amounts.doc_id == doc_id]
        assert list(rows.text) == [value]
        for row in rows.itertuples():  # the records are checkable against the saved text
            assert saved[row.start:row.end] == row.text
    assert not text_path(out, "a").exists()  # plain text articles are their own record
    (folder / "page.html").unlink()
    run([folder], out, workers=1, progress=_quiet())
    assert not text_path(out, "page").exists() and text_path(out, "e-paper").exists()


def test_a_huge_article_in_chunks_gives_the_records_of_the_whole(monkeypatch, corpus_tables):
    """Chunking at a threshold low enough to cut every bundled article into many pieces."""
    monkeypatch.setattr(extract_mod, "CHUNK_THRESHOLD", 0)
    monkeypatch.setattr(extract_mod, "CHUNK_CHARS", 700)
    monkeypatch.setattr(extract_mod, "CHUNK_MARGIN", 250)
    assert len(extract_mod._segments(ONE.read_text(encoding="utf-8"), 700)) >= 5
    chunked = extract_corpus(CORPUS)
    for kind, df in corpus_tables.frames.items():
        pd.testing.assert_frame_equal(chunked[kind], df, obj=kind)
    pd.testing.assert_frame_equal(chunked.rejects, corpus_tables.rejects)


def test_a_huge_line_without_paragraphs_is_still_cut_and_offsets_hold(monkeypatch):
    monkeypatch.setattr(extract_mod, "CHUNK_THRESHOLD", 0)
    monkeypatch.setattr(extract_mod, "CHUNK_CHARS", 300)
    monkeypatch.setattr(extract_mod, "CHUNK_MARGIN", 100)
    text = "".join(ONE.read_text(encoding="utf-8").split())  # one line, no breaks
    segments = extract_mod._segments(text, 300)
    assert len(segments) > 5 and segments[0][0] == 0 and segments[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(segments, segments[1:]))
    tables = extract_mod.extract(text)
    assert len(tables["amount"]) > 0 and len(tables.errors) == 0
    for df in tables.frames.values():
        for row in df.itertuples():
            assert text[row.start:row.end] == row.text
