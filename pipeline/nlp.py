"""Stage 3 — nlp: a spaCy ``zh`` pipeline whose tokenizer is the jieba segmenter.

Each kind runs as a spaCy component registered with ``@Language.factory``: it
reads the rule file of its kind, finds mentions in ``doc.text`` (the clean working
copy) and writes them to ``doc.spans[kind]``, each span carrying ``span._.rule_id``
and ``span._.values`` (the normalised columns). The exact character offsets and
the rejected candidates stay in ``doc.user_data["newsfacts"][kind]`` for the
record stage, because a span must snap to tokens and a mention need not.

The record stage reads only those, so it runs the pipeline on a lean Doc
(``run_nlp(..., spans=False)``): the same components and mentions, without spaCy
tokens or spans, which cost more to build than jieba takes to segment.
"""
from __future__ import annotations

import bisect
import importlib
import re
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import numpy
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from .kinds.base import ArticleContext, Offsets
from .rules import DEFAULT_RULES_DIR, load_rules
from .segment import Segmenter, get_segmenter
from .timing import stage

KINDS = ("amount", "percent", "date", "project")
SENTENCE_END = set("。！？!?；;")
_SENTENCE_BREAK = SENTENCE_END | {"\n"}  # a sentence starts after these

for _ext in ("rule_id", "values"):
    if not Span.has_extension(_ext):
        Span.set_extension(_ext, default=None)


class JiebaTokenizer:
    """Text to Doc with jieba words; a sentence starts after 。！？； and at a line break
    (repaired page breaks are already gone from the working copy)."""

    def __init__(self, vocab, segmenter: Segmenter):
        self.vocab = vocab
        self.segmenter = segmenter
        self._orths: dict[str, int] = {}  # word -> its hash in vocab.strings (a bounded cache)

    def __call__(self, text: str) -> Doc:
        words = self.segmenter.cut(text) if text else []
        # hash ids, not strings: Doc looks a string up through the StringStore (and checks
        # it there once more), an id goes straight to its lexeme
        doc = Doc(self.vocab, words=self._orth_ids(words), spaces=[False] * len(words))
        firsts = _keep_offsets(doc, text, words)
        if words:
            # from_array is ~3x cheaper than Doc(sent_starts=…), which checks each value in Python
            marks = numpy.full((len(words), 1), -1, dtype="int32")
            marks[firsts] = 1
            doc.from_array([SENT_START], marks.astype("uint64"))
        return doc

    def lean(self, text: str) -> Doc:
        """A Doc without spaCy tokens, holding only what the kinds read: the text and its jieba
        tokens and sentences as offsets. For runs that take the records (``user_data``) and never
        the spans: building the tokens, the lexemes and the spans cost ~60% more than jieba's cut."""
        doc = Doc(self.vocab)
        doc.user_data["lean"] = True
        _keep_offsets(doc, text, self.segmenter.cut(text) if text else [])
        return doc

    def _orth_ids(self, words: list[str]) -> list[int]:
        orths = self._orths
        if len(orths) > _ORTH_CACHE_SIZE:  # numbers and names keep bringing new words
            orths.clear()
        for word in set(words).difference(orths):  # a text brings few words not seen before
            orths[word] = self.vocab.strings.add(word)
        return list(map(orths.__getitem__, words))


_ORTH_CACHE_SIZE = 200_000  # words (~30 MB); vocab.strings.add finds a dropped one again


def _keep_offsets(doc: Doc, text: str, words: list[str]) -> list[int]:
    """What article_context needs, kept in ``doc.user_data`` from the words: walking the Doc's
    tokens and sentences again in Python (and doc.text, which joins every token) costs more than
    building the Doc. Returns the indices of the words that start a sentence."""
    doc.user_data["text"] = text
    doc.user_data["words"] = words  # the project kind takes a clause's words from here
    doc.user_data["offsets"] = (Offsets([], []), Offsets([], []))
    if not words:
        return []
    starts, ends, firsts = _token_bounds(text, words)
    sent_starts = [starts[i] for i in firsts]
    sentences = Offsets(sent_starts, sent_starts[1:] + [ends[-1]])  # as doc.sents gives them
    doc.user_data["offsets"] = (Offsets(starts, ends), sentences)
    return firsts


_BREAK_CHAR = re.compile("[" + re.escape("".join(sorted(_SENTENCE_BREAK))) + "]")


def _token_bounds(text: str, words: list[str]) -> tuple[list[int], list[int], list[int]]:
    """Token starts and ends, and the indices of the tokens that start a sentence. jieba's
    words cover the text end to end (its own token offsets are the running sum of the word
    lengths); a sentence starts after a word that ends with a break character, found from the
    text's break characters (~1 in 25) rather than by looking at every word."""
    ends = list(accumulate(map(len, words)))
    starts = ends[:-1]  # one copy (``[0, *ends[:-1]]`` made two)
    starts.insert(0, 0)
    firsts, last = [0], len(words) - 1
    for end in [m.end() for m in _BREAK_CHAR.finditer(text)]:
        i = bisect.bisect_left(ends, end)
        if i < last and ends[i] == end:
            firsts.append(i + 1)
    return starts, ends, firsts


@Language.factory("newsfacts_kind", default_config={"kind": "amount", "rules_dir": str(DEFAULT_RULES_DIR)})
def make_kind_component(nlp: Language, name: str, kind: str, rules_dir: str):
    return KindComponent(kind, rules_dir)


class KindComponent:
    def __init__(self, kind: str, rules_dir: str):
        self.kind = kind
        self.rules = load_rules(kind, rules_dir)
        self.module = importlib.import_module(f"pipeline.kinds.{kind}")

    def __call__(self, doc: Doc) -> Doc:
        ctx = article_context(doc)
        mentions = self.module.find(ctx, self.rules)
        doc.user_data.setdefault("newsfacts", {})[self.kind] = mentions
        if doc.user_data.get("lean"):  # no tokens to make spans of: the records come from the mentions
            return doc
        spans = []
        for m in mentions:
            span = None if m.reject else _expanded_span(doc, ctx, m.start, m.end, self.kind)
            if span is not None:
                ext = span._  # one accessor for both values (each ``span._`` builds one)
                ext.rule_id, ext.values = m.rule_id, m.values
                spans.append(span)
        doc.spans[self.kind] = spans
        return doc


def _expanded_span(doc: Doc, ctx: ArticleContext, start: int, end: int, label: str) -> Span | None:
    """``doc.char_span(start, end, label, alignment_mode="expand")``: the tokens that hold the
    first and the last character, found by bisect over the context's token starts (the
    tokens cover the text end to end) instead of spaCy's per-call token lookups."""
    if not (0 <= start < len(ctx.text) and 0 < end <= len(ctx.text)):
        return None
    first = bisect.bisect_right(ctx._token_starts, start) - 1
    last = bisect.bisect_right(ctx._token_starts, end - 1) - 1
    return Span(doc, first, last + 1, label=label)


def article_context(doc: Doc) -> ArticleContext:
    """The context every kind reads, built once per doc."""
    if "ctx" not in doc.user_data:
        meta = doc.user_data.get("meta", {})
        text = doc.user_data["text"] if "text" in doc.user_data else doc.text
        tokens, sentences = doc.user_data.get("offsets") or (
            [(t.idx, t.idx + len(t.text)) for t in doc], [(s.start_char, s.end_char) for s in doc.sents] if len(doc) else [])
        doc.user_data["ctx"] = ArticleContext(
            doc_id=meta.get("doc_id", ""), text=text, tokens=tokens, sentences=sentences,
            segmenter=meta["segmenter"], issue_date=meta.get("issue_date"), title=meta.get("title", ""),
            words=doc.user_data.get("words"))
    return doc.user_data["ctx"]


@lru_cache(maxsize=4)
def build_nlp(rules_dir: str = str(DEFAULT_RULES_DIR), kinds: tuple[str, ...] = KINDS) -> Language:
    """One pipeline per process and rules folder; loads jieba's dictionary and the rules once."""
    nlp = spacy.blank("zh")
    segmenter = get_segmenter(str(Path(rules_dir) / "lexicon"))
    nlp.tokenizer = JiebaTokenizer(nlp.vocab, segmenter)
    for kind in kinds:
        nlp.add_pipe("newsfacts_kind", name=kind, config={"kind": kind, "rules_dir": rules_dir})
    return nlp


def run_nlp(nlp: Language, text: str, timings: dict | None = None, spans: bool = True, **meta) -> Doc:
    """The pipeline over ``text``; ``spans=False`` gives a lean Doc (``JiebaTokenizer.lean``):
    the mentions in ``doc.user_data["newsfacts"]`` are the same, ``doc.spans`` stays empty."""
    return run_kinds(nlp, segmented_doc(nlp, text, timings, spans, **meta), timings)


def run_kinds(nlp: Language, doc: Doc, timings: dict | None = None) -> Doc:
    """The kind components over one segmented Doc (``segmented_doc``)."""
    with stage(timings, "extract"):
        for _, component in nlp.pipeline:
            doc = component(doc)
    return doc


def segmented_doc(nlp: Language, text: str, timings: dict | None = None, spans: bool = True, **meta) -> Doc:
    """``text`` segmented, with the article's ``meta``: the Doc the kind components run over."""
    with stage(timings, "segment"):
        doc = nlp.make_doc(text) if spans else nlp.tokenizer.lean(text)
    doc.user_data["meta"] = dict(meta, segmenter=nlp.tokenizer.segmenter)
    return doc


def run_components(nlp: Language, docs: list[Doc], timings: dict | None = None) -> dict[int, Exception]:
    """The kind components over several docs, one component over all of them before the next:
    what ``run_nlp`` does to each doc, with ~10 % less CPU, as a kind's code and tables stay
    in the processor's caches. ``docs`` gets the docs the components return. A doc whose
    component raises is left out of the components after; the result maps its index to the exception."""
    failed: dict[int, Exception] = {}
    with stage(timings, "extract"):
        for _, component in nlp.pipeline:
            for i, doc in enumerate(docs):
                if i not in failed:
                    try:
                        docs[i] = component(doc)
                    except Exception as exc:  # one bad article must not stop the others
                        failed[i] = exc
    return failed
