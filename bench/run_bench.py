"""Benchmark of ``newsfacts run``: throughput, memory and stage times against bare jieba.lcut.

    .venv/bin/python bench/run_bench.py --sizes 10 100

For each size it builds ``bench/data/corpus-<N>mb`` (git-ignored) by repeating the
bundled articles as ``<paper>/<YYYY-MM-DD>/<n>.txt``, then runs, each in a fresh
process: one process, 2 worker processes, the Dask engine (a local cluster of 2),
and a rerun of the unchanged corpus; and times bare ``jieba.lcut`` over the same
text. It prints MB/s, articles/s, peak RSS per process, seconds per stage and the
ratio of the pipeline's throughput to jieba.lcut's. ``--hooks`` includes the derived tables
(facts.csv, projects_index.csv) and the HTML report, which the default leaves out.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
CONFIGS = {  # name -> run() keyword arguments
    "1 process": dict(workers=1),
    "2 workers": dict(workers=2),
    "dask (2)": dict(engine="dask", workers=2),
}
STAGES = ("plan", "read", "clean", "segment", "extract", "validate", "pack", "record", "merge", "write", "derived",
          "report")
PAPERS = ["衡阳日报", "湘潭日报", "株洲日报"]


def build_corpus(mb: int) -> Path:
    """Repeat the bundled articles until the folder holds ``mb`` MB of text."""
    folder = DATA / f"corpus-{mb}mb"
    if folder.exists():
        return folder
    sources = [p.read_bytes() for p in sorted((ROOT / "corpus").glob("*.txt"))]
    tmp = folder.with_suffix(".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    size, n = 0, 0
    while size < mb * 1_000_000:
        day = date(2015, 1, 1) + timedelta(days=n // 12)
        issue = tmp / PAPERS[n % len(PAPERS)] / day.isoformat()
        issue.mkdir(parents=True, exist_ok=True)
        data = sources[n % len(sources)]
        (issue / f"{n:06d}.txt").write_bytes(data)
        size, n = size + len(data), n + 1
    tmp.rename(folder)
    return folder


def child(corpus: Path, out: Path, config: str, hooks: bool = False) -> dict:
    """One run in this (fresh) process; what the parent prints."""
    from pipeline.batch import Progress, run

    kwargs = CONFIGS.get(config, dict(workers=1))
    t0, cpu0 = time.perf_counter(), time.process_time()
    summary = run([corpus], out, timed=True, hooks=hooks, progress=Progress(0, open("/dev/null", "w")), **kwargs)
    return {"seconds": time.perf_counter() - t0, "main_cpu": time.process_time() - cpu0, "timings": summary.timings,
            "rss": {str(k): v for k, v in summary.peak_rss_mb.items()},
            "articles": summary.new + summary.changed + summary.skipped, "records": summary.records}


def jieba_child(corpus: Path) -> dict:
    """Bare jieba.lcut over the same decoded text, its dictionary loaded before the clock starts."""
    import jieba

    from pipeline.read import read_article

    texts = [read_article(p).text for p in sorted(corpus.rglob("*.txt"))]
    jieba.initialize()
    t0 = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    return {"seconds": time.perf_counter() - t0}


def spawn(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_size(mb: int, configs: list[str], hooks: bool = False) -> list[dict]:
    corpus = build_corpus(mb)
    size = sum(p.stat().st_size for p in corpus.rglob("*.txt")) / 1e6
    rows = []
    # bare jieba.lcut timed before the runs and again after them: this machine's speed drifts
    # (by up to a third within minutes), and the ratio is taken to the mean of the two
    jieba_before = spawn("--jieba", str(corpus))["seconds"]
    for config in configs:
        out = DATA / f"out-{mb}mb"
        shutil.rmtree(out, ignore_errors=True)
        flag = ["--hooks"] if hooks else []
        rows.append(dict(spawn("--child", str(corpus), str(out), config, *flag), config=config, mb=size))
        if config == "1 process":
            rows.append(dict(spawn("--child", str(corpus), str(out), "rerun", *flag), config="rerun, unchanged", mb=size))
    jieba_after = spawn("--jieba", str(corpus))["seconds"]
    jieba_s = (jieba_before + jieba_after) / 2
    for row in rows:
        row["mb_s"], row["jieba_mb_s"] = row["mb"] / row["seconds"], size / jieba_s
        row["jieba_each"] = (size / jieba_before, size / jieba_after)
    return rows


def table(rows: list[dict]) -> str:
    head = ("| corpus | run | s | main CPU s | MB/s | articles/s | × jieba.lcut | peak RSS main / workers (MB) | "
            + " | ".join(STAGES) + " |\n" + "|---" * (8 + len(STAGES)) + "|")
    lines = [head]
    for r in rows:
        t = r["timings"]
        workers = sorted(v for k, v in r["rss"].items() if k != "main")
        rss = f"{r['rss']['main']:.0f} / " + (", ".join(f"{v:.0f}" for v in workers) or "-")
        stages = " | ".join(f"{t.get(s, 0):.1f}" for s in STAGES)
        lines.append(f"| {r['mb']:.0f} MB | {r['config']} | {r['seconds']:.1f} | {r.get('main_cpu', 0):.1f} | {r['mb_s']:.2f} "
                     f"| {r['articles'] / r['seconds']:.0f} | {r['mb_s'] / r['jieba_mb_s']:.2f} | {rss} | {stages} |")
    jieba_line = ", ".join(sorted({f"{r['mb']:.0f} MB: {r['jieba_mb_s']:.2f} MB/s (before the runs "
                                   f"{r['jieba_each'][0]:.2f}, after {r['jieba_each'][1]:.2f})" for r in rows}))
    return "\n".join(lines) + f"\n\nbare jieba.lcut on the same text: {jieba_line}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100], help="corpus sizes in MB")
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--jieba", help=argparse.SUPPRESS)
    ap.add_argument("--hooks", action="store_true", help="also build facts.csv, projects_index.csv and the report")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.child[0]), Path(args.child[1]), args.child[2], args.hooks)))
    elif args.jieba:
        print(json.dumps(jieba_child(Path(args.jieba))))
    else:
        rows = [row for mb in args.sizes for row in bench_size(mb, args.configs, args.hooks)]
        print(table(rows))
        print("(stage seconds are summed over the processes that ran them; worker stages overlap)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
