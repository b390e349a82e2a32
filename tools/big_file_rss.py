"""Peak memory of a run over one huge article (the bundled articles repeated into one file).

    .venv/bin/python tools/big_file_rss.py --mb 50            # a 50 MB file, the whole run
    .venv/bin/python tools/big_file_rss.py --mb 10 --no-chunk # the same without chunking, to compare
    .venv/bin/python tools/big_file_rss.py --mb 10 --report   # with facts.csv and the HTML report

Prints the file size, the seconds, the peak RSS of the process after loading the pipeline
and at the end of the run (``ru_maxrss``), and the record counts. The run is in this process
(``--workers 1``), so the peak covers the worker's part (the article's records validated and
stored in parts) and the writing (the tables written chunk by chunk from the ledger). With
``--report`` the article's parts come from the ledger a chunk at a time for facts.csv too,
linked window by window as they come (``facts.FactChunks``), and for the report, whose page
of the article keeps the rows of its first ``report.site.PAGE_CHARS`` characters; the article
is read once for both (``batch.LazyArticles``).
"""
from __future__ import annotations

import argparse
import importlib
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_file(path: Path, mb: float) -> int:
    parts = [p.read_text(encoding="utf-8").strip() + "\n\n" for p in sorted((ROOT / "corpus").glob("*.txt"))]
    block = "".join(parts).encode("utf-8")
    target = int(mb * 1024 * 1024)
    with path.open("wb") as f:
        written = 0
        while written < target:
            f.write(block)
            written += len(block)
    return written


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--dir", type=Path, default=None, help="where to build the file and the outputs (default: a temp dir)")
    ap.add_argument("--no-chunk", action="store_true", help="process the article whole (for comparison)")
    ap.add_argument("--report", action="store_true", help="also write the derived tables and the HTML report")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="newsfacts-big-"))
    (work / "in").mkdir(parents=True, exist_ok=True)
    size = build_file(work / "in" / "huge.txt", args.mb)

    from pipeline.batch import Progress, run
    from pipeline.nlp import build_nlp
    from pipeline.rules import DEFAULT_RULES_DIR

    extract = importlib.import_module("pipeline.extract")
    if args.no_chunk:
        extract.CHUNK_THRESHOLD = 10 ** 12
    build_nlp(str(DEFAULT_RULES_DIR))
    loaded = rss_mb()
    t0 = time.perf_counter()
    summary = run([work / "in"], work / "out", workers=1, force=True, hooks=args.report,
                  progress=Progress(1, stream=io.StringIO()))
    seconds = time.perf_counter() - t0
    print(f"file: {size / 1024 / 1024:.1f} MB, one article; chunked: {not args.no_chunk}; {seconds:.0f} s")
    print(f"peak RSS: {loaded:.0f} MB with the pipeline loaded, {rss_mb():.0f} MB at the end of the run")
    print(summary.line())


if __name__ == "__main__":
    main()
