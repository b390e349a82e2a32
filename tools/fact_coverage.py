"""Print how many amounts and percents of a run get a subject and a date in facts.csv.

    python tools/fact_coverage.py [OUT_DIR]     # default: outputs (after `newsfacts run`)
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pipeline.facts_coverage import coverage, format_coverage, unlinked  # noqa: E402


def main(out_dir: str = "outputs") -> int:
    out = Path(out_dir)
    read = lambda name: pd.read_csv(out / name, encoding="utf-8-sig")
    facts = read("facts.csv")
    mentions = {"amount": read("amounts.csv"), "percent": read("percents.csv")}
    print(format_coverage(coverage(facts, mentions), unlinked(facts, mentions)))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
