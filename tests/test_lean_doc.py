"""A lean Doc (``run_nlp(..., spans=False)``, what the record path runs) gives the kinds the same
context and so the same mentions as the full spaCy Doc with its tokens and spans."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.clean import clean
from pipeline.nlp import KINDS, article_context, build_nlp, run_nlp

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
TEXTS = ["", "。", "2020年，283个市重点项目完成投资595.92亿元，占年度任务94.9%。\n衡阳大道改造工程开工。"]


@pytest.fixture(scope="module")
def nlp():
    return build_nlp()


def _texts() -> list[str]:
    return TEXTS + [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))[:6]]


@pytest.mark.parametrize("n", range(len(TEXTS) + 6))
def test_lean_doc_gives_the_same_mentions(nlp, n):
    texts = _texts()
    text = clean(texts[n % len(texts)], nlp.tokenizer.segmenter).text
    meta = dict(doc_id="d", issue_date=date(2021, 1, 7), title="")
    full, lean = run_nlp(nlp, text, **meta), run_nlp(nlp, text, spans=False, **meta)
    assert lean.user_data["newsfacts"] == full.user_data["newsfacts"]
    a, b = article_context(full), article_context(lean)
    assert (a.text, list(a.tokens), list(a.sentences)) == (b.text, list(b.tokens), list(b.sentences))
    assert len(lean) == 0 and all(not lean.spans.get(k) for k in KINDS)
    if text.strip():
        assert sum(len(full.spans[k]) for k in KINDS) == sum(
            not m.reject for k in KINDS for m in lean.user_data["newsfacts"][k])
