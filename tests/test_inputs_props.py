"""Property-based tests over the whole pipeline (read → clean → nlp → records → validate, as a
batch worker runs it): random bytes and Unicode, real sentences with page breaks and spaces
inserted at random, real articles in random encodings. No exception escapes, every record's
offsets hold, a number's value survives a page break inserted inside it."""
import re
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import extract
from pipeline.batch import Item, process_batch
from pipeline.nlp import KINDS
from pipeline.read import decode

from .conftest import CORPUS, RULES

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ARTICLES = sorted(CORPUS.glob("*.txt"))


def _sentences() -> list[str]:
    out = []
    for path in ARTICLES:
        for line in path.read_text(encoding="utf-8").splitlines():
            out += [s.strip() for s in re.findall(r"[^。！？]*[。！？]", line) if s.strip()]
    return out


SENTENCES = _sentences()
NUMERIC = [s for s in SENTENCES if re.search(r"\d", s)]


def _run(data: bytes, name: str = "x.txt", **meta):
    """One article through the batch worker's function; returns (result, decoded text or None)."""
    item = Item(name.rsplit(".", 1)[0], name, meta, "h", len(data))
    out = process_batch([(item, data)], str(RULES))  # raises nothing, whatever the bytes
    result = out.results[0]
    return result, (decode(data)[0] if result.status == "ok" else None)


def _check_offsets(result, text: str) -> None:
    from pipeline import records

    for kind in KINDS:
        cols = records.columns(kind)
        for row in result.rows[kind]:
            rec = dict(zip(cols, row))
            assert 0 <= rec["start"] < rec["end"] <= len(text)
            assert text[rec["start"]:rec["end"]] == rec["text"], (kind, rec)


@settings(max_examples=40, **SETTINGS)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data):
    result, text = _run(data)
    if result.status == "ok":
        _check_offsets(result, text)
    else:  # a clear read error naming the file
        assert result.errors[0][2] == "read" and result.errors[0][3]


@settings(max_examples=40, **SETTINGS)
@given(st.text(max_size=300), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]))
def test_random_unicode_in_any_encoding_never_raises_and_offsets_hold(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # lone surrogates: not text any file can hold
        return
    result, decoded = _run(data)
    if result.status == "ok":
        _check_offsets(result, decoded)
    else:
        assert result.errors[0][2] == "read"


NOISE = st.sampled_from(["\n\n", " ", "\n", "\u3000", "\n\n\n", " \n\n "])


@settings(max_examples=40, **SETTINGS)
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=4), st.data())
def test_page_breaks_and_spaces_inserted_into_real_sentences(parts, data):
    text = "".join(parts)
    for _ in range(data.draw(st.integers(1, 4))):
        cut = data.draw(st.integers(0, len(text)))
        text = text[:cut] + data.draw(NOISE) + text[cut:]
    result, decoded = _run(text.encode("utf-8"))
    assert result.status == "ok" and decoded == text
    _check_offsets(result, text)


def _values(text: str) -> list[float]:
    t = extract(text)
    return sorted(t["amount"].value.tolist() + t["percent"].value.tolist())


@lru_cache(maxsize=None)
def _numbers(sentence: str) -> tuple[list[float], list[int]]:
    """The sentence's amount and percent values, and the places inside their numbers."""
    t = extract(sentence)
    spans = [(r.start, r.end) for kind in ("amount", "percent") for r in t[kind].itertuples()]
    inside = [i for s, e in spans for i in range(s + 1, e) if sentence[i].isdigit() and sentence[i - 1] in "0123456789."]
    return sorted(t["amount"].value.tolist() + t["percent"].value.tolist()), inside


@settings(max_examples=30, **SETTINGS)
@given(st.sampled_from(NUMERIC), st.data())
def test_a_number_keeps_its_value_across_a_page_break_inside_it(sentence, data):
    values, inside = _numbers(sentence)
    if not inside:
        return
    cut = data.draw(st.sampled_from(inside))
    broken = sentence[:cut] + data.draw(st.sampled_from(["\n\n", "\n\n\n", "\n \n"])) + sentence[cut:]
    assert _values(broken) == values


@lru_cache(maxsize=None)
def _reference(index: int):
    data = ARTICLES[index].read_bytes()
    result, _ = _run(data, ARTICLES[index].name)
    return data.decode("utf-8"), result.rows


@settings(max_examples=20, **SETTINGS)
@given(st.integers(0, len(ARTICLES) - 1), st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le+bom", "gb18030", "gbk"]),
       st.booleans())
def test_a_real_article_in_any_encoding_gives_the_same_records(index, encoding, crlf):
    text, rows = _reference(index)
    body = text.replace("\n", "\r\n") if crlf else text
    data = b"\xff\xfe" + body.encode("utf-16-le") if encoding == "utf-16-le+bom" else body.encode(encoding)
    result, decoded = _run(data, ARTICLES[index].name)
    assert result.status == "ok" and decoded == text
    assert result.rows == rows
