"""CPU seconds of each kind's ``find`` over a corpus, the texts cleaned and tokenized beforehand.

    .venv/bin/python bench/kinds_cpu.py bench/data/corpus-2mb --kinds amount percent date --repeat 5

Every article is read, cleaned and segmented once; then each kind's ``find`` runs over all
of them ``--repeat`` times (after one warm-up pass that compiles and fills the caches) and
the least process time of a pass is printed per kind. Compare two checkouts by running
this alternately from each (``PYTHONPATH=<checkout>``): the figures move with the load.
"""
from __future__ import annotations

import argparse
import importlib
import tempfile
import time
from datetime import date
from pathlib import Path

from pipeline.batch import load_batch, plan
from pipeline.clean import clean
from pipeline.ledger import Ledger
from pipeline.nlp import KINDS, article_context, build_nlp
from pipeline.read import article_from_bytes
from pipeline.rules import DEFAULT_RULES_DIR, load_rules, rules_version


def contexts(corpus: Path) -> list:
    """The article contexts the kinds read, one per article of ``corpus``."""
    nlp = build_nlp(str(DEFAULT_RULES_DIR))
    ledger = Ledger(Path(tempfile.mkdtemp()) / "ledger.sqlite")
    out = []
    for item, data in load_batch(plan([corpus], ledger, rules_version(DEFAULT_RULES_DIR)).todo):
        if isinstance(data, str):
            continue
        article = article_from_bytes(data, item.path, **item.meta)
        doc = nlp.make_doc(clean(article.text, nlp.tokenizer.segmenter).text)
        issue = date.fromisoformat(article.issue_date) if article.issue_date else None
        doc.user_data["meta"] = {"doc_id": article.doc_id, "title": article.title, "issue_date": issue,
                                 "segmenter": nlp.tokenizer.segmenter}
        out.append(article_context(doc))
    return out


def cpu_per_pass(kind: str, ctxs: list, repeat: int) -> float:
    rules, module = load_rules(kind), importlib.import_module(f"pipeline.kinds.{kind}")
    best = float("inf")
    for _ in range(repeat + 1):  # the first pass warms up
        start = time.process_time()
        for ctx in ctxs:
            ctx.cache.clear()
            module.find(ctx, rules)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--kinds", nargs="+", default=[k for k in KINDS if k != "project"])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ctxs = contexts(args.corpus)
    print(f"{len(ctxs)} articles, {sum(len(c.text) for c in ctxs)} characters")
    seconds = {kind: cpu_per_pass(kind, ctxs, args.repeat) for kind in args.kinds}
    print("  ".join(f"{kind} {s:.3f} s" for kind, s in seconds.items()), f"  total {sum(seconds.values()):.3f} s")


if __name__ == "__main__":
    main()
