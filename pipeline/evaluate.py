"""Scoring an output folder against gold JSONL (SPEC.md "Gold files").

Strict matches share (doc_id, kind, start, end); lenient ones overlap. Gold lines
marked ``"borderline": true`` are optional: missing them costs nothing, and a
prediction touching one (and matching no firm gold span) is not counted.
Value accuracy is over the strict matches.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from .write import FILES

VALUE_COLUMNS = {"amount": ["value", "value_max", "qualifier"], "percent": ["value", "value_max", "unit", "qualifier"],
                 "date": ["value", "start_date", "end_date"], "project": ["name"]}


def load_gold(gold_dir: Path) -> tuple[list[dict], set[str]]:
    gold, docs = [], set()
    for path in sorted(Path(gold_dir).glob("*.jsonl")):
        docs.add(path.stem)
        gold += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return gold, docs


def load_predictions(out_dir: Path, kind: str, docs: set[str]) -> list[dict]:
    path = Path(out_dir) / FILES[kind]
    if not path.exists():
        return []
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    df = df[df["doc_id"].isin(docs)]
    return [dict(r, start=int(r["start"]), end=int(r["end"])) for r in df.to_dict("records")]


def same(a, b) -> bool:
    if a in (None, "", "nan") and b in (None, "", "nan"):
        return True
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    except (TypeError, ValueError):
        return str(a).strip() == str(b).strip()


def _overlaps(x: dict, others: list[dict]) -> bool:
    return any(o["doc_id"] == x["doc_id"] and o["start"] < x["end"] and x["start"] < o["end"] for o in others)


def score_kind(kind: str, gold: list[dict], pred: list[dict]) -> dict:
    firm = [g for g in gold if g["kind"] == kind and not g.get("borderline")]
    optional = [g for g in gold if g["kind"] == kind and g.get("borderline")]
    key = lambda x: (x["doc_id"], x["start"], x["end"])  # noqa: E731
    gkey = {key(g): g for g in firm}
    pred = [p for p in pred if key(p) in gkey or not _overlaps(p, optional)]
    pkey = {key(p): p for p in pred}
    strict = set(gkey) & set(pkey)
    right = [k for k in strict if all(same(gkey[k].get(c), pkey[k].get(c)) for c in VALUE_COLUMNS[kind])]
    p, r = _ratio(len(strict), len(pred)), _ratio(len(strict), len(firm))
    lp, lr = _ratio(sum(_overlaps(x, firm) for x in pred), len(pred)), _ratio(sum(_overlaps(g, pred) for g in firm), len(firm))
    return {"gold": len(firm), "pred": len(pred), "P": p, "R": r, "F1": _f1(p, r), "lenient_F1": _f1(lp, lr),
            "value_acc": _ratio(len(right), len(strict)),
            "misses": [gkey[k]["text"] for k in sorted(set(gkey) - set(pkey))],
            "spurious": [pkey[k]["text"] for k in sorted(set(pkey) - set(gkey))],
            "wrong": [(gkey[k]["text"], {c: (gkey[k].get(c), pkey[k].get(c)) for c in VALUE_COLUMNS[kind]})
                      for k in sorted(strict - set(right))]}


def evaluate(gold_dir: Path, out_dir: Path) -> dict[str, dict]:
    gold, docs = load_gold(gold_dir)
    return {kind: score_kind(kind, gold, load_predictions(out_dir, kind, docs)) for kind in FILES}


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def format_scores(scores: dict[str, dict], verbose: bool = False) -> str:
    lines = [f"{'kind':8} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6} {'lenF1':>6} {'valAcc':>6}"]
    for kind, s in scores.items():
        lines.append(f"{kind:8} {s['gold']:5} {s['pred']:5} {s['P']:6.3f} {s['R']:6.3f} {s['F1']:6.3f} "
                     f"{s['lenient_F1']:6.3f} {s['value_acc']:6.3f}")
    if verbose:
        for kind, s in scores.items():
            lines += [f"\n## {kind}", f"misses: {s['misses']}", f"spurious: {s['spurious']}", f"wrong values: {s['wrong']}"]
    return "\n".join(lines)
