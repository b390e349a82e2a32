"""Finding the articles of a run: files or folders, with ``manifest.csv`` metadata.

A folder's ``manifest.csv`` (doc_id, path, paper, issue_date, title) gives each
article's paper, issue date and title; without one, a path such as
``<paper>/<YYYY-MM-DD>/<article>.txt`` gives paper and issue date.
"""
from __future__ import annotations

import csv
import os
import re
from collections import Counter
from pathlib import Path

from .read import HTML_SUFFIXES, ReadError, read_article

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SUFFIXES = (".txt",) + HTML_SUFFIXES
_DATE_DIR = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")


def discover(paths: list[Path], problems: list | None = None) -> list[tuple[Path, dict]]:
    """(file, metadata) for every article under ``paths``, in a stable order.

    The metadata holds a ``doc_id`` unique across the run: the file's stem, or its
    path relative to its root (``paper/2021-01-07/01``) when stems collide, as they
    do in ``<paper>/<date>/<article>.txt`` archives.

    Symbolic links are followed, each real folder once, so a link back to a parent
    (a loop) ends the walk there. What cannot be walked (an unreadable folder, a
    loop, a dangling link) is appended to ``problems`` as ``(path, metadata, message)``
    when a list is given: the run lists them in ``errors.csv`` and goes on."""
    found, trouble = [], []  # (path, root, meta)
    for root in paths:
        root = Path(root)
        if root.is_file():
            found.append((root, root.parent, _meta_for(root, root.parent, read_manifest(root.parent))))
            continue
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or folder")
        manifest = read_manifest(root)
        files, bad = _walk(root)
        found += [(path, root, _meta_for(path, root, manifest)) for path in files]
        trouble += [(path, root, dict(_meta_for(path, root, {}), error=msg)) for path, msg in bad]
    out = _with_doc_ids(found + trouble)
    if problems is not None:
        problems += [(path, meta, meta.pop("error")) for path, meta in out[len(found):]]
    return out[:len(found)]


def _walk(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Article files under ``root`` (sorted) and the paths that could not be walked, with why."""
    files, bad = [], []
    seen = set()  # (device, inode) of every folder entered: a symlink loop enters nothing twice

    def visit(folder: Path) -> None:
        try:
            st = folder.stat()
            key = (st.st_dev, st.st_ino)
            if key in seen:
                bad.append((folder, f"symlink loop: {folder} leads back to a folder already read ({os.path.realpath(folder)}); not followed"))
                return
            seen.add(key)
            entries = sorted(_scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            bad.append((folder, f"cannot list folder ({exc.strerror or exc})"))
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows links
                is_file = not is_dir and entry.is_file()
            except OSError as exc:  # ELOOP: a link to itself
                if path.suffix.lower() in SUFFIXES or exc.errno == 40:
                    bad.append((path, f"cannot read ({exc.strerror or exc})"))
                continue
            if is_dir:
                visit(path)
            elif is_file and path.suffix.lower() in SUFFIXES:
                files.append(path)
            elif entry.is_symlink() and path.suffix.lower() in SUFFIXES:
                bad.append((path, _broken_link(path)))

    visit(root)
    return sorted(files), bad


def _scandir(folder: Path):
    """``os.scandir`` (a seam the tests replace to make a folder unreadable when run as root)."""
    with os.scandir(folder) as it:
        return list(it)


def _broken_link(path: Path) -> str:
    try:
        path.stat()
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc}: {os.readlink(path)})"
    return "not a regular file"


def _with_doc_ids(found: list[tuple[Path, Path, dict]]) -> list[tuple[Path, dict]]:
    stems = Counter(path.stem for path, _, _ in found)
    out, seen = [], set()
    for path, root, meta in found:
        doc_id = path.stem
        if stems[doc_id] > 1:
            rel = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
            doc_id = rel.with_suffix("").as_posix()
            if doc_id in seen:  # the same relative path under two roots: name the root too
                doc_id = f"{root.name}/{doc_id}"
        seen.add(doc_id)
        out.append((path, dict(meta, doc_id=doc_id)))
    return out


def read_manifest(folder: Path) -> dict[str, dict]:
    path = Path(folder) / "manifest.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {row["doc_id"]: row for row in csv.DictReader(f)}


def _meta_for(path: Path, root: Path, manifest: dict) -> dict:
    row = manifest.get(path.stem, {})
    meta = {"paper": row.get("paper", ""), "issue_date": row.get("issue_date", ""), "title": row.get("title", "")}
    parts = path.relative_to(root).parts[:-1] if path.is_relative_to(root) else ()
    for i, part in enumerate(parts):
        m = _DATE_DIR.match(part)
        if m and not meta["issue_date"]:
            meta["issue_date"] = "-".join(m.groups())
            meta["paper"] = meta["paper"] or (parts[i - 1] if i else "")
    return meta


def load_articles(paths: list[Path]):
    """Articles, or a ReadError in place of each file (or folder) that cannot be read."""
    problems = []
    found = discover(paths, problems)
    for path, meta, message in problems:
        exc = ReadError(path, message)
        exc.doc_id = meta["doc_id"]
        yield exc
    for path, meta in found:
        try:
            yield read_article(path, **meta)
        except ReadError as exc:
            exc.doc_id = meta["doc_id"]
            yield exc
