"""The segmenter behind one small interface.

Everything that needs words asks a ``Segmenter``; nothing else imports a jieba.
The default backend is ``rjieba`` (the jieba-rs binding: jieba's dictionary and
algorithm, many times faster than ``jieba.lcut``); ``jieba`` itself is the fallback.
Domain words come from ``rules/lexicon/*.txt`` in jieba's user-dictionary format
(``word [freq] [tag]``; ``#`` starts a comment).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

Token = tuple[str, int, int]  # (word, start, end) in the text given


class Segmenter:
    def __init__(self, lexicon_files: tuple[Path, ...] = (), backend: str = "rjieba"):
        self.backend = backend
        if backend == "rjieba":
            self._impl = _fresh_rjieba()
        else:
            import jieba

            self._impl = jieba.Tokenizer()
        self._retag: dict[str, str] = {}  # lexicon words whose tag the backend's dictionary overrides
        self._word_tags: dict[str, str] = {}  # word -> its tag ("" when tagging it alone cannot say), see tag_columns
        for path in lexicon_files:
            for word, freq, tag in read_lexicon(path):
                self.add_word(word, freq, tag)

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        self._impl.add_word(word, freq, tag)
        self._word_tags.clear()  # a new word may change the words cut and their tags
        if tag and self.backend == "rjieba":
            # jieba-rs keeps its own tag for a word it knows (遵义 v, 大连 d): remember ours
            known = self._impl.tag(word)
            if len(known) == 1 and known[0][1] != tag:
                self._retag[word] = tag

    def cut(self, text: str) -> list[str]:
        words = self._impl.cut(text)
        return words if type(words) is list else list(words)  # rjieba's is a list already: no copy

    def tokenize(self, text: str) -> list[Token]:
        tokens = self._impl.tokenize(text)
        # rjieba already returns a list of (word, start, end): copying it costs as much as segmenting
        return tokens if type(tokens) is list else [(w, s, e) for w, s, e in tokens]

    def tag(self, text: str) -> list[tuple[str, str]]:
        """Words with jieba part-of-speech tags (n, ns, nt, nz, v, m, q, x …)."""
        if self.backend == "rjieba":
            retag = self._retag
            return [(w, retag.get(w, t)) for w, t in self._impl.tag(text)] if retag else list(self._impl.tag(text))
        import jieba.posseg

        return [(p.word, p.flag) for p in jieba.posseg.POSTokenizer(self._impl).cut(text)]

    def tag_columns(self, text: str) -> tuple[list[str], list[str]]:
        """``tag``'s words and tags as two lists.

        For rjieba, cheaper than ``tag``: its tag cuts the words as ``cut`` does and gives each
        a tag that depends on the word alone (its dictionary tag, else a character-class tag; the
        retag is per word too). So the words come from ``cut`` and the tags from a table of the
        words seen, each tagged alone once; a word that tagging alone does not give back whole
        (最多 comes back as 最/多) leaves the table no answer, and then the text is tagged."""
        return self.tag_words(text, self._impl.cut(text) if self.backend == "rjieba" else None)

    def tag_words(self, text: str, words: list[str] | None) -> tuple[list[str], list[str]]:
        """``tag_columns(text)`` when ``words`` is what ``cut(text)`` gives (or None: then ``tag``)."""
        if words is not None and self.backend == "rjieba":
            tags = self._known_tags(words)
            if tags is not None:
                return words, tags
        tagged = self.tag(text)
        return [w for w, _ in tagged], [t for _, t in tagged]

    def _known_tags(self, words: list[str]) -> list[str] | None:
        """The tags of rjieba words from the word table (filled as words come), or None when one is unknown."""
        known = self._word_tags
        tags = list(map(known.get, words))
        if None in tags:
            if len(known) + len(tags) > WORD_TAGS_MAX:
                known.clear()  # bounded on any corpus, like every per-word table
            for k, word in enumerate(words):
                if tags[k] is None:
                    alone = self._impl.tag(word)
                    tags[k] = known[word] = self._retag.get(word, alone[0][1]) if len(alone) == 1 else ""
        return None if "" in tags else tags

    def spans_boundary(self, left: str, right: str) -> bool:
        """True when joining ``left`` and ``right`` makes a word that crosses the seam."""
        pos = len(left)
        return any(s < pos < e for _, s, e in self.tokenize(left + right))


WORD_TAGS_MAX = 100_000  # words whose tag tag_columns remembers; a long run's vocabulary keeps growing


def _fresh_rjieba():
    """A Jieba with the default dictionary and no user words. ``import rjieba`` already builds
    one (``rjieba._DEFAULT_JIEBA``, for its module-level functions, which nothing here calls):
    the first segmenter takes it instead of loading the dictionary a second time (~0.15 s a process)."""
    import rjieba

    global _default_taken
    if not _default_taken and isinstance(getattr(rjieba, "_DEFAULT_JIEBA", None), rjieba.Jieba):
        _default_taken = True
        return rjieba._DEFAULT_JIEBA
    return rjieba.Jieba()


_default_taken = False


def read_lexicon(path: Path):
    """Yield (word, freq or None, tag or None) from a jieba user-dictionary file."""
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        yield parts[0], freq, tag


@lru_cache(maxsize=4)
def get_segmenter(lexicon_dir: str, backend: str = "rjieba") -> Segmenter:
    """One segmenter per process and lexicon folder (loading the dictionary costs ~1 s)."""
    files = tuple(sorted(Path(lexicon_dir).glob("*.txt"))) if lexicon_dir else ()
    return Segmenter(files, backend)
