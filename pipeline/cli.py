"""The command line: a thin layer over the Python API."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .corpus import DEFAULT_CORPUS
from .evaluate import evaluate, format_scores
from .rulecheck import verify_rules
from .rules import DEFAULT_RULES_DIR, RuleError


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "run":
            verify_rules(args.rules)  # a broken rule file or failing example: refuse before any article
        return args.func(args)
    except (RuleError, FileNotFoundError) as exc:
        print(f"newsfacts: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # batch.OutputError and the like: disk full, read-only output folder
        print(f"newsfacts: {exc}", file=sys.stderr)
        return 3


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newsfacts", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="extract every kind from articles and write the tables")
    run.add_argument("paths", nargs="*", type=Path, help=f"files or folders (default: {DEFAULT_CORPUS})")
    run.add_argument("--out", type=Path, default=Path("outputs"), help="output folder (default: outputs)")
    run.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, help="rules folder")
    run.add_argument("--issue-date", help="issue date (YYYY-MM-DD) for articles the manifest does not date")
    run.add_argument("--workers", type=int, default=None, help="processes (default: the cores)")
    run.add_argument("--engine", choices=["local", "dask"], default="local",
                     help="local processes, or a Dask cluster (default: local)")
    run.add_argument("--scheduler", help="a Dask scheduler ADDRESS (default: a local cluster of --workers)")
    run.add_argument("--format", dest="fmt", choices=["csv", "parquet", "dta"], default="csv",
                     help="output format (default: csv)")
    run.add_argument("--force", action="store_true", help="reprocess every article, whatever the ledger says")
    run.set_defaults(func=cmd_run)
    ev = sub.add_parser("eval", help="score an output folder against gold JSONL")
    ev.add_argument("gold", type=Path)
    ev.add_argument("--out", type=Path, default=Path("outputs"))
    ev.add_argument("--verbose", action="store_true", help="list misses, spurious rows and wrong values")
    ev.set_defaults(func=cmd_eval)
    _add_show(sub)
    _add_check(sub)
    return p


def _add_check(sub) -> None:
    check = sub.add_parser("check", help="check a run's facts.csv against a folder of known facts (YAML)")
    check.add_argument("facts_dir", type=Path, help="folder of known-facts YAML files (e.g. tests/facts)")
    check.add_argument("--out", type=Path, default=Path("outputs"), help="the run's output folder (default: outputs)")
    check.set_defaults(func=cmd_check)


def cmd_check(args) -> int:
    """Each known fact found / wrong / missing; exit 1 on any regression (known misses excepted)."""
    from .facts_check import check_all, format_results, load_known, read_facts

    results = check_all(load_known(args.facts_dir), read_facts(args.out))
    print(format_results(results))
    return 1 if any(r.regression for r in results) else 0


def _add_show(sub) -> None:
    from .write import FILES

    show = sub.add_parser("show", help="print one article with its mentions marked and a table of their values")
    show.add_argument("doc_id", help="the article's doc_id (its file name without .txt)")
    show.add_argument("--kind", choices=list(FILES), help="only this kind")
    show.add_argument("--out", type=Path, default=Path("outputs"), help="the run's output folder (default: outputs)")
    show.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="where the article text is (default: bundled corpus)")
    show.set_defaults(func=cmd_show)


def cmd_show(args) -> int:
    from .report.terminal import show_article

    show_article(args.doc_id, args.out, args.corpus, args.kind)
    return 0


def cmd_run(args) -> int:
    from .batch import run

    paths = args.paths or [DEFAULT_CORPUS]
    summary = run(paths, args.out, args.rules, issue_date=args.issue_date, engine=args.engine,
                  workers=args.workers, scheduler=args.scheduler, fmt=args.fmt, force=args.force)
    if summary.error_table is not None:
        for err in summary.error_table.itertuples():
            print(f"newsfacts: skipped {err.path}: {err.error}", file=sys.stderr)
    print(f"{summary.line()} ({args.out})")
    return 0


def cmd_eval(args) -> int:
    print(format_scores(evaluate(args.gold, args.out), args.verbose))
    return 0


def _with_issue_date(article, iso: str):
    from dataclasses import replace

    from .read import ReadError
    return article if isinstance(article, ReadError) or article.issue_date else replace(article, issue_date=iso)
