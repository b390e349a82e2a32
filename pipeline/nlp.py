"""Stage 3 — nlp: a spaCy ``zh`` pipeline whose tokenizer is the jieba segmenter.

Each kind runs as a spaCy component registered with ``@Language.factory``: it
reads the rule file of its kind, finds mentions in ``doc.text`` (the clean working
copy) and writes them to ``doc.spans[kind]``, each span carrying ``span._.rule_id``
and ``span._.values`` (the normalised columns). The exact character offsets and
the rejected candidates stay in ``doc.user_data["newsfacts"][kind]`` for the
record stage, because a span must snap to tokens and a mention need not.
"""
from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path

import numpy
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from .kinds.base import ArticleContext
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

    def __call__(self, text: str) -> Doc:
        tokens = self.segmenter.tokenize(text) if text else []
        words = [w for w, _, _ in tokens]
        firsts = [0] + [i + 1 for i, w in enumerate(words[:-1]) if w[-1] in _SENTENCE_BREAK]
        doc = Doc(self.vocab, words=words, spaces=[False] * len(words))
        if words:
            # from_array is ~3x cheaper than Doc(sent_starts=…), which checks each value in Python
            marks = numpy.full((len(words), 1), -1, dtype="int32")
            marks[firsts] = 1
            doc.from_array([SENT_START], marks.astype("uint64"))
        # what article_context needs, kept from the segmenter: walking the Doc's tokens
        # and sentences again in Python (and doc.text, which joins every token) costs
        # more than building the Doc
        doc.user_data["text"] = text
        doc.user_data["offsets"] = ([(s, e) for _, s, e in tokens], _sentences(tokens, firsts))
        return doc


def _sentences(tokens, firsts: list[int]) -> list[tuple[int, int]]:
    """(start_char, end_char) of each sentence, as ``doc.sents`` gives them."""
    bounds = [tokens[i][1] for i in firsts] if tokens else []
    ends = bounds[1:] + [tokens[-1][2]] if tokens else []
    return list(zip(bounds, ends))


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
        spans = []
        for m in mentions:
            span = None if m.reject else doc.char_span(m.start, m.end, label=self.kind, alignment_mode="expand")
            if span is not None:
                span._.rule_id, span._.values = m.rule_id, m.values
                spans.append(span)
        doc.spans[self.kind] = spans
        return doc


def article_context(doc: Doc) -> ArticleContext:
    """The context every kind reads, built once per doc."""
    if "ctx" not in doc.user_data:
        meta = doc.user_data.get("meta", {})
        text = doc.user_data["text"] if "text" in doc.user_data else doc.text
        tokens, sentences = doc.user_data.get("offsets") or (
            [(t.idx, t.idx + len(t.text)) for t in doc], [(s.start_char, s.end_char) for s in doc.sents] if len(doc) else [])
        doc.user_data["ctx"] = ArticleContext(
            doc_id=meta.get("doc_id", ""), text=text, tokens=tokens, sentences=sentences,
            segmenter=meta["segmenter"], issue_date=meta.get("issue_date"), title=meta.get("title", ""))
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


def run_nlp(nlp: Language, text: str, timings: dict | None = None, **meta) -> Doc:
    with stage(timings, "segment"):
        doc = nlp.make_doc(text)
    doc.user_data["meta"] = dict(meta, segmenter=nlp.tokenizer.segmenter)
    with stage(timings, "extract"):
        for _, component in nlp.pipeline:
            doc = component(doc)
    return doc
