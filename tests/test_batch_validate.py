"""A batch's rows are checked in plain Python first (``records.surely_valid``); only a batch
with a doubtful row goes through the DataFrame and pandera. Both ways must keep and reject
the same rows, with the same reasons, each attributed to its own article.
"""
from __future__ import annotations

import copy
import math
from decimal import Decimal

import numpy
import pytest

from pipeline import batch, records
from pipeline.batch import Item
from pipeline.nlp import KINDS
from pipeline.rules import DEFAULT_RULES_DIR

TEXTS = [
    "2020年，283个市重点项目完成投资595.92亿元，占年度任务94.9%。2021年3月，全市开工建设衡阳大道改造工程、"
    "白沙洲工业园标准厂房建设项目等42个项目，总投资约12亿元。",
    "全市GDP增长8.5%至3000亿元；2019年第一季度，白沙洲工业园建设项目完成投资2.5亿元，同比增长12%。",
]
ODD = [None, "", "x", 0, -1, 1.5, True, math.nan, math.inf, -math.inf, 1e16, 10**20, numpy.float64(3.0),
       numpy.int64(2), Decimal("5"), "2020-13-01", "2020-01-01\n", "２０２０-01-01", "2100-12-31", "1900-01-01",
       "CNY", "pp", "%", "exact", "range", "day", "explicit", -1000, 100000, 100001, [1]]


def _done() -> list[tuple]:
    """Two articles through the worker path, rows not validated yet."""
    out = []
    for n, text in enumerate(TEXTS):
        item = Item(f"d{n}", f"d{n}.txt", {"doc_id": f"d{n}", "issue_date": "2021-01-07"}, "h", len(text))
        out.append(batch._process_article(item, text.encode(), str(DEFAULT_RULES_DIR), None))
    return out


def _plain_validate(done: list[tuple]) -> None:
    """``batch._validate`` before the fast path: every batch through a DataFrame and pandera."""
    texts = {r.doc_id: text for r, rows, text in done if rows}
    for kind in KINDS:
        rows, owners = [], []
        for result, kind_rows, _ in done:
            for row in kind_rows.get(kind, ()):
                rows.append(row)
                owners.append(result)
        if not rows:
            continue
        _, bad = records.validate(kind, records.to_frame(kind, rows), texts)
        bad_index = set(bad.index)
        for i, row in enumerate(rows):
            if i not in bad_index:
                owners[i].rows[kind].append(row)
        for i, rec in zip(bad.index, bad.to_dict("records")):
            owners[i].rejects.append([rec[c] for c in records.REJECT_COLUMNS])


def _outcome(validate, done: list[tuple]):
    done = copy.deepcopy(done)
    try:
        validate(done)
    except Exception as exc:  # the plain way fails on some odd values (start=None): so must the fast one
        return type(exc).__name__
    return [(r.doc_id, r.rows, r.rejects) for r, _, _ in done]


@pytest.fixture(scope="module")
def done():
    found = _done()
    assert all(found[0][1][k] for k in KINDS)  # every kind has rows to perturb
    return found


def test_real_rows_take_the_fast_path(done):
    texts = {r.doc_id: text for r, _, text in done}
    for kind in KINDS:
        assert records.surely_valid(kind, [row for _, rows, _ in done for row in rows[kind]], texts)


@pytest.mark.parametrize("kind", KINDS)
def test_a_row_judged_valid_is_one_pandera_keeps(done, kind):
    """Every column of a real row set to each odd value: when the fast check says valid,
    the plain validation rejects nothing."""
    texts = {r.doc_id: text for r, _, text in done}
    row0 = done[0][1][kind][0]
    judged = 0
    for col in range(len(records.columns(kind))):
        for odd in ODD:
            row = _with(row0, col, odd)
            if not records.surely_valid(kind, [row], texts):
                continue
            judged += 1
            _, bad = records.validate(kind, records.to_frame(kind, [row]), texts)
            assert bad.empty, (col, odd, bad.to_dict("records"))
    assert judged > 0


def _copies(article: tuple, n: int) -> list[tuple]:
    """``n`` copies of a worker's article under their own doc_ids."""
    out = []
    for i in range(n):
        result, rows, text = copy.deepcopy(article)
        result.doc_id = f"{result.doc_id}-{i}"
        for row in (row for kind_rows in rows.values() for row in kind_rows):
            row[0] = result.doc_id
        out.append((result, rows, text))
    return out


def _with(row: list, col: int, value) -> list:
    return [value if i == col else v for i, v in enumerate(row)]


def _frames(kind: str, row: list, col: int, odd) -> bool:
    """False for the odd values that stop any batch in the plain way (no int64 start, a doc_id
    that cannot be looked up)."""
    try:
        records.to_frame(kind, [_with(row, col, odd)])
        hash(odd)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


@pytest.mark.parametrize("kind", KINDS)
def test_a_batch_with_bad_rows_keeps_and_rejects_as_the_plain_way(done, kind):
    """A batch of article copies, each with one row made bad in its own odd way: the same rows
    kept, the same rejects with the same reasons, in the same articles, as through pandera."""
    cases = [(col, odd) for col in range(len(records.columns(kind))) for odd in ODD]
    bad_done = [done[0], *_copies(done[1], len(cases))]
    for (col, odd), (_, rows, _) in zip(cases, bad_done[1:]):
        rows[kind][len(rows[kind]) // 2][col] = odd
    assert _outcome(batch._validate, [done[0]]) == _outcome(_plain_validate, [done[0]])
    fast, plain = _outcome(batch._validate, bad_done), _outcome(_plain_validate, bad_done)
    assert fast == plain
    cases = [c for c in cases if _frames(kind, done[1][1][kind][0], *c)]  # the others break any batch
    bad_done = [done[0], *_copies(done[1], len(cases))]
    for (col, odd), (_, rows, _) in zip(cases, bad_done[1:]):
        rows[kind][len(rows[kind]) // 2][col] = odd
    fast, plain = _outcome(batch._validate, bad_done), _outcome(_plain_validate, bad_done)
    assert fast == plain and isinstance(fast, list) and any(rejects for _, _, rejects in fast)


def test_an_offset_off_by_one_is_rejected_in_its_own_article(done):
    bad_done = copy.deepcopy(done)
    bad_done[0][1]["amount"][0][2] += 1  # end
    fast, plain = _outcome(batch._validate, bad_done), _outcome(_plain_validate, bad_done)
    assert fast == plain
    (_, _, rejects0), (_, _, rejects1) = fast
    assert any(r[-1] == "offsets do not point at the text" for r in rejects0)
    assert not any(r[-1] == "offsets do not point at the text" for r in rejects1)


def _dict_rows(doc_id, kind, mentions, clean, sentences):
    """``records.mention_rows`` as it was: dicts, turned into lists by the batch."""
    rows, rejects = [], []
    for m in mentions:
        start, end = clean.to_original(m.start, m.end)
        text = clean.original[start:end]
        if m.reject:
            rejects.append(dict(doc_id=doc_id, kind=kind, start=start, end=end, text=text, rule_id=m.rule_id,
                                reason=m.reject))
            continue
        s, e = sentences(m.start)
        row = dict(doc_id=doc_id, start=start, end=end, text=text, sentence=clean.text[s:e].strip(), rule_id=m.rule_id)
        row.update({c: m.values.get(c) for c in records.columns(kind)[len(records.COMMON):]})
        rows.append(row)
    return ([[r[c] for c in records.columns(kind)] for r in rows],
            [[r[c] for c in records.REJECT_COLUMNS] for r in rejects])


def test_mention_rows_are_the_lists_the_dicts_gave():
    from pipeline.clean import clean
    from pipeline.nlp import article_context, build_nlp, run_nlp

    nlp = build_nlp()
    text = TEXTS[0] + "\n\n" + TEXTS[1] + "增长１２％，约5000万元至1亿元。"
    cleaned = clean(text, nlp.tokenizer.segmenter)
    doc = run_nlp(nlp, cleaned.text, spans=False, doc_id="d")
    sentence_at = article_context(doc).sentence_at
    for kind in KINDS:
        mentions = doc.user_data["newsfacts"][kind]
        assert mentions
        got = records.mention_rows("d", kind, mentions, cleaned, sentence_at)
        assert got == _dict_rows("d", kind, mentions, cleaned, sentence_at)
