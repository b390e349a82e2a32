"""rules/facts.yaml as matchers: the predicate vocabulary, modality words and the
word tables the subject finder trims with. Loaded once per rules folder."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

from .rules import DEFAULT_RULES_DIR, RuleError, load_rules

MODALITIES = ["actual", "target", "forecast"]


@dataclass(frozen=True)
class Match:
    word: str
    start: int  # offsets in the text searched
    end: int
    group: str  # "verbs"/"relations" for predicates, the modality for modality words


@dataclass(eq=False)
class FactRules:
    data: dict
    predicate_re: regex.Pattern
    predicate_group: dict[str, str]
    modality_re: regex.Pattern
    modality_group: dict[str, str]

    def table(self, name: str, default=None):
        return self.data.get(name, default)

    @property
    def subject(self) -> dict:
        return self.data["subject"]

    @property
    def vocabulary(self) -> set[str]:
        return set(self.predicate_group)

    def predicates(self, text: str, bounds: set[int]) -> list[Match]:
        """Predicate words in ``text`` (longest first), only where they start and end on a word boundary."""
        return _matches(self.predicate_re, self.predicate_group, text, bounds)

    def modality_words(self, text: str, bounds: set[int]) -> list[Match]:
        return _matches(self.modality_re, self.modality_group, text, bounds)


def _matches(pattern: regex.Pattern, groups: dict, text: str, bounds: set[int]) -> list[Match]:
    out = []
    for m in pattern.finditer(text, overlapped=True):
        if m.start() in bounds and m.end() in bounds:
            out.append(Match(m[0], m.start(), m.end(), groups[m[0]]))
    return _longest_non_overlapping(out)


def _longest_non_overlapping(matches: list[Match]) -> list[Match]:
    chosen = []
    for m in sorted(matches, key=lambda m: (m.start, -(m.end - m.start))):
        if not chosen or m.start >= chosen[-1].end:
            chosen.append(m)
    return chosen


def _alternation(words) -> regex.Pattern:
    return regex.compile("|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True)))


@lru_cache(maxsize=4)
def load_fact_rules(rules_dir: str = str(DEFAULT_RULES_DIR)) -> FactRules:
    data = load_rules("facts", Path(rules_dir)).data
    try:
        predicates = {w: group for group in ("verbs", "relations") for w in data["predicates"][group]}
        modality = {w: mod for mod, words in data["modality"].items() for w in words}
    except (KeyError, TypeError) as exc:
        raise RuleError(f"{rules_dir}/facts.yaml: predicates.verbs/relations and modality are required ({exc})") from exc
    unknown = set(modality.values()) - set(MODALITIES)
    if unknown:
        raise RuleError(f"{rules_dir}/facts.yaml: unknown modality {sorted(unknown)}; use {MODALITIES}")
    return FactRules(data, _alternation(predicates), predicates, _alternation(modality), modality)
