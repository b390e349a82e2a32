"""Rule sets are data: one YAML file per kind under ``rules/``.

A rule file has ``kind``, named regex pieces in ``defs`` (used in patterns as
``{name}``), ``patterns`` (each with a stable ``id`` and a ``regex``), word
tables the kind's module reads, and ``examples`` (a phrase in, every expected
record out) that the test-suite runs. ``load_rules`` checks the file and names
the file, the rule id and the problem when something is wrong.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import regex
import yaml

DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
LOOKAHEAD_ROOM = 16  # characters after a trigger region that a pattern's lookaheads may read


class RuleError(Exception):
    """A broken rule file: names the file, the rule id and the problem."""


@dataclass
class Pattern:
    id: str
    regex: regex.Pattern
    source: str
    options: dict = field(default_factory=dict)  # every other key of the rule
    trigger: "Trigger | None" = None  # where matches can be (None: anywhere)

    def finditer(self, text: str):
        """The matches of ``regex.finditer(text)``, found only inside the trigger regions.

        A match is made of ``match_chars`` and holds a trigger character, so it lies
        inside one region; scanning each region alone gives the same matches because
        lookbehinds see the text before ``pos`` and ``endpos`` leaves room after the
        region for lookaheads (``$`` cannot match inside a region then)."""
        if self.trigger is None:
            yield from self.regex.finditer(text)
            return
        for start, end in self.trigger.regions(text):
            for m in self.regex.finditer(text, start, min(len(text), end + LOOKAHEAD_ROOM)):
                if m.start() >= end:
                    break
                yield m


@dataclass(frozen=True)
class Trigger:
    """A rule's trigger characters and its file's ``match_chars``: a region is a maximal
    run of match_chars around a trigger character."""
    hits: regex.Pattern  # one trigger character
    left: regex.Pattern  # reversed: the run's part ending at a position
    right: regex.Pattern  # the run's part starting at a position

    def regions(self, text: str):
        end = -1
        for hit in self.hits.finditer(text):
            h = hit.start()
            if h < end:  # in the region already given
                continue
            start, end = self.left.match(text, 0, h).start(), self.right.match(text, h).end()
            yield start, end


@dataclass(eq=False)  # hashable by identity: loaded once per file and cached
class RuleSet:
    kind: str
    path: Path
    data: dict
    patterns: list[Pattern]
    defs: dict[str, str] = field(default_factory=dict)  # named regex pieces, expanded

    def compile(self, template: str) -> regex.Pattern:
        """A regex from a table entry that may use ``{name}`` defs."""
        return regex.compile(expand(template, self.defs))

    def table(self, name: str, default=None):
        return self.data.get(name, default)

    @property
    def examples(self) -> list[dict]:
        return self.data.get("examples", [])


def expand(template: str, defs: dict[str, str]) -> str:
    """Replace ``{name}`` by the (already expanded) def; other braces stay (regex counts)."""
    out = template
    for _ in range(10):  # defs may refer to defs
        new = regex.sub(r"\{([a-z_][a-z0-9_]*)\}", lambda m: f"(?:{defs[m[1]]})" if m[1] in defs else m[0], out)
        if new == out:
            return out
        out = new
    return out


def load_rules(kind: str, rules_dir: Path | str = DEFAULT_RULES_DIR) -> RuleSet:
    path = Path(rules_dir) / f"{kind}.yaml"
    return _load(str(path), kind)


@lru_cache(maxsize=32)
def _load(path_str: str, kind: str) -> RuleSet:
    path = Path(path_str)
    data = _read_yaml(path)
    if data.get("kind") != kind:
        raise RuleError(f"{path}: expected 'kind: {kind}', found {data.get('kind')!r}")
    for name in data.get("include") or []:
        data = _merge(_read_yaml(path.parent / f"{name}.yaml"), data)
    defs = {k: expand(str(v), {}) for k, v in (data.get("defs") or {}).items()}
    defs = {k: expand(v, defs) for k, v in defs.items()}
    patterns = [_compile(path, rule, defs, data.get("match_chars")) for rule in data.get("patterns") or []]
    ids = [p.id for p in patterns]
    if len(ids) != len(set(ids)):
        raise RuleError(f"{path}: duplicate rule ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    return RuleSet(kind, path, data, patterns, defs)


def _read_yaml(path: Path) -> dict:
    try:
        data = safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise RuleError(f"{path}: cannot read rule file ({exc})") from exc
    except yaml.YAMLError as exc:
        raise RuleError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RuleError(f"{path}: a rule file is a mapping (kind, defs, patterns, examples …)")
    return data


def safe_load(text: str):
    """``yaml.safe_load`` through libyaml when PyYAML has it (~8x faster: the rule files took
    ~0.6 s of every start-up). A file libyaml refuses is parsed again by the pure-Python loader,
    so a broken file raises the same error with the same message (and its snippet)."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return yaml.safe_load(text)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError:
        return yaml.safe_load(text)


def compose(text: str):
    """``yaml.compose`` through libyaml when PyYAML has it (the same nodes and marks)."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return yaml.compose(text)
    try:
        return yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return yaml.compose(text)


def _merge(shared: dict, own: dict) -> dict:
    """An included file's tables under the kind's own: mappings merge, the kind's keys win.
    The included file's own examples and patterns stay with it."""
    out = {k: v for k, v in shared.items() if k not in ("kind", "examples", "patterns")}
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            value = {**out[key], **value}
        out[key] = value
    return out


def _compile(path: Path, rule: dict, defs: dict, match_chars: str | None) -> Pattern:
    rid = rule.get("id")
    if not rid or "regex" not in rule:
        raise RuleError(f"{path}:{_line_of(path, rid or rule.get('regex', ''))}: every pattern needs an 'id' "
                        f"and a 'regex' (got {rule!r:.80})")
    source = expand(str(rule["regex"]), defs)
    try:
        compiled = regex.compile(source, regex.VERSION1 if rule.get("v1") else 0)
    except regex.error as exc:
        raise RuleError(f"{path}:{_line_of(path, rid)}: rule {rid}: bad regex: {exc}") from exc
    options = {k: v for k, v in rule.items() if k not in ("id", "regex", "examples", "trigger")}
    return Pattern(rid, compiled, source, options, _trigger(path, rid, rule.get("trigger"), match_chars))


def _trigger(path: Path, rid: str, trigger: str | None, match_chars: str | None) -> Trigger | None:
    if not trigger:
        return None
    if not match_chars:
        raise RuleError(f"{path}:{_line_of(path, rid)}: rule {rid}: a trigger needs the file's 'match_chars'")
    chars = regex.compile(match_chars)
    if not all(chars.fullmatch(c) for c in trigger):
        raise RuleError(f"{path}:{_line_of(path, rid)}: rule {rid}: trigger characters must be in match_chars")
    # a plain character class is searched fast; the runs are found only around its hits
    return Trigger(regex.compile(f"[{regex.escape(trigger)}]"), regex.compile(f"(?r){match_chars}*+"),
                   regex.compile(f"{match_chars}*+"))


def _line_of(path: Path, needle: str) -> int:
    """The 1-based line of the file where ``needle`` (a rule id) first appears, or 0."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle and str(needle) in line:
            return number
    return 0


def rules_version(rules_dir: Path | str = DEFAULT_RULES_DIR) -> str:
    """A hash of every file under ``rules/``: any change to a rule or lexicon changes it."""
    h = hashlib.sha256()
    root = Path(rules_dir)
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]
