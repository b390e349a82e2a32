"""Finding the articles of a run: files or folders, with ``manifest.csv`` metadata.

A folder's ``manifest.csv`` (doc_id, path, paper, issue_date, title) gives each
article's paper, issue date and title; without one, a path such as
``<paper>/<YYYY-MM-DD>/<article>.txt`` gives paper and issue date.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from .read import ReadError, read_article

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SUFFIXES = (".txt",)
_DATE_DIR = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")


def discover(paths: list[Path]) -> list[tuple[Path, dict]]:
    """(file, metadata) for every article under ``paths``, in a stable order.

    The metadata holds a ``doc_id`` unique across the run: the file's stem, or its
    path relative to its root (``paper/2021-01-07/01``) when stems collide, as they
    do in ``<paper>/<date>/<article>.txt`` archives."""
    found = []  # (path, root, meta)
    for root in paths:
        root = Path(root)
        if root.is_file():
            found.append((root, root.parent, _meta_for(root, root.parent, read_manifest(root.parent))))
            continue
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or folder")
        manifest = read_manifest(root)
        for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()):
            found.append((path, root, _meta_for(path, root, manifest)))
    return _with_doc_ids(found)


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
    """Articles, or a ReadError in place of each file that cannot be read."""
    for path, meta in discover(paths):
        try:
            yield read_article(path, **meta)
        except ReadError as exc:
            exc.doc_id = meta["doc_id"]
            yield exc
