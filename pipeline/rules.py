"""Rule sets are data: one YAML file per kind under ``rules/``.

A rule file has ``kind``, named regex pieces in ``defs`` (used in patterns as
``{name}``), ``patterns`` (each with a stable ``id`` and a ``regex``), word
tables the kind's module reads, and ``examples`` (a phrase in, every expected
record out) that the test-suite runs. ``load_rules`` checks the file and names
the file, the rule id and the problem when something is wrong.
"""
from __future__ import annotations

import gc
import hashlib
import re
import re._constants as sre
import re._parser as sre_parse
from contextlib import contextmanager
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
    trigger: Trigger | None = None  # where matches can be (None: anywhere)

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
    chars: str = ""  # the trigger characters

    def regions(self, text: str):
        end = -1
        for hit in self.hits.finditer(text):
            h = hit.start()
            if h < end:  # in the region already given
                continue
            start, end = self.left.match(text, 0, h).start(), self.right.match(text, h).end()
            yield start, end


@dataclass(frozen=True)
class _Scan:
    """How ``RuleSet.matches`` scans a file's patterns together: the runs of ``match_chars``
    that hold any pattern's trigger character are found by one regex, and each pattern is
    searched for only in the runs that hold a character of each set it needs (its trigger
    characters and ``_needed_sets``)."""
    runs: regex.Pattern | None  # a run that holds a trigger character: group 1 to its end
    needs: tuple  # (characters, any digit too) sets, deduplicated
    masks: tuple  # per pattern: the bits of the needs its match must meet; None: no trigger
    endings: tuple  # per pattern: a regex finding where a match of it can end (``_ending``), or None
    char_bits: dict  # character -> the bits of the needs it meets (filled as characters come)
    tried: dict  # a run's text -> the patterns (indices) to search it for (bounded)

    def patterns_for(self, run: str) -> tuple[int, ...]:
        """The patterns whose needs the characters of ``run`` meet."""
        known, bits = self.char_bits, 0
        for ch in run:
            bit = known.get(ch)
            if bit is None:
                bit = known[ch] = sum(1 << i for i, (members, digits) in enumerate(self.needs)
                                      if ch in members or (digits and ch.isdigit()))
            bits |= bit
        if len(self.tried) >= _RUNS_KEPT:
            self.tried.clear()
        found = self.tried[run] = tuple(i for i, mask in enumerate(self.masks) if mask and bits & mask == mask)
        return found


_RUNS_KEPT = 20_000  # distinct run texts whose patterns are kept (numbers keep bringing new ones)


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

    def matches(self, text: str) -> list[list]:
        """Per pattern (in file order), the matches of its ``finditer(text)``.

        A pattern with a trigger is searched for in the runs of ``match_chars`` that hold one
        of its trigger characters (its trigger regions, as ``Pattern.finditer``), found once
        for all of them, and not in those whose characters cannot make a match (no digit, no
        元 …); a search loop there stands for ``finditer``, one regex call per match."""
        scan, n = _scan(self), len(text)
        found = [[] if mask is not None else list(p.regex.finditer(text)) for p, mask in zip(self.patterns, scan.masks)]
        if scan.runs is None:
            return found
        searches = [p.regex.search for p in self.patterns]
        tried, patterns_for, endings = scan.tried, scan.patterns_for, scan.endings
        for run in scan.runs.finditer(text):
            start, end = run.start(1), run.end()
            run_text = text[start:end]
            indices = tried.get(run_text)
            for i in indices if indices is not None else patterns_for(run_text):
                if endings[i] is not None and endings[i].search(text, start, min(n, end + 1)) is None:
                    continue  # no place in the run where a match of it can end
                _search_region(searches[i], text, start, end, min(n, end + LOOKAHEAD_ROOM), found[i], self.patterns[i])
        return found


def _search_region(search, text: str, start: int, end: int, endpos: int, out: list, pattern: Pattern) -> None:
    """Append the matches of ``pattern.regex.finditer(text, start, endpos)`` that begin before ``end``."""
    first = len(out)
    m = search(text, start, endpos)
    while m is not None and m.start() < end:
        if m.end() == m.start():  # finditer's own rule for what follows an empty match
            out[first:] = [m for m in pattern.regex.finditer(text, start, endpos) if m.start() < end]
            return  # (the ``break`` of Pattern.finditer: no match before ``end`` follows one after it)
        out.append(m)
        if m.end() >= end:  # the next match would begin at or after ``end``
            return
        m = search(text, m.end(), endpos)


@lru_cache(maxsize=32)
def _scan(rules: RuleSet) -> _Scan:
    triggers = "".join(sorted({c for p in rules.patterns if p.trigger for c in p.trigger.chars}))
    needs: dict[tuple, int] = {}  # need -> its bit
    masks = []
    for p in rules.patterns:
        if p.trigger is None:
            masks.append(None)
            continue
        mask = 0
        for need in ((frozenset(p.trigger.chars), False), *_needed_sets(p.source, p.regex.flags)):
            mask |= 1 << needs.setdefault(need, len(needs))
        masks.append(mask)
    runs = None
    if triggers:  # from the first trigger character of a run: its start (lookbehind) and its end
        chars, hit = rules.data["match_chars"], f"[{regex.escape(triggers)}]"
        runs = regex.compile(f"{hit}(?<=(?P<run>{chars}*+){hit}){chars}*+")
    endings = tuple(_ending(p.source, p.regex.flags) if p.trigger else None for p in rules.patterns)
    return _Scan(runs, tuple(needs), tuple(masks), endings, {}, {})


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
    with _gc_paused():
        return _load_file(Path(path_str), kind)


@contextmanager
def _gc_paused():
    """No cyclic garbage collection while a rule file is read: the YAML nodes and the regex
    parser make tens of thousands of objects, whose count sets off collections that each
    walk everything loaded (spaCy's objects: ~0.05 s of a start-up). Nothing made here is
    garbage in a cycle worth collecting at once; the collector's state is restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_file(path: Path, kind: str) -> RuleSet:
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
    return Trigger(regex.compile(f"[{regex.escape(trigger)}]"), *_run_regexes(match_chars), trigger)


def _run_regexes(match_chars: str) -> tuple[regex.Pattern, regex.Pattern]:
    """A run's part ending at a position (a reversed regex) and its part starting there."""
    return regex.compile(f"(?r){match_chars}*+"), regex.compile(f"{match_chars}*+")


_NO_NEEDS_FLAGS = regex.IGNORECASE | regex.VERSION1 | regex.VERBOSE | regex.FULLCASE


def _needed_sets(source: str, flags: int = 0) -> tuple[tuple[frozenset, bool], ...]:
    """Sets of characters of which every match holds one each: (characters, any digit too).

    Read from the parse tree of Python's ``re`` (the rules' regexes are written in the
    syntax both modules share); a pattern it cannot read, or may read otherwise than
    ``regex`` does (flags, POSIX classes, fuzzy counts), needs nothing: it is tried in
    every run. Lookarounds, back-references and optional parts need nothing."""
    tree = _parse_tree(source, flags)
    return () if tree is None else tuple(dict.fromkeys(_needs_of_sequence(tree)))


@lru_cache(maxsize=256)  # read twice per pattern (``_needed_sets``, ``_ending``): parsed once
def _parse_tree(source: str, flags: int = 0) -> tuple | None:
    """The items of ``re``'s parse tree of a pattern, or None when ``re`` may read the pattern
    otherwise than ``regex`` does (flags, POSIX classes, fuzzy counts) or cannot read it."""
    if flags & _NO_NEEDS_FLAGS or "[:" in source or regex.search(r"\{(?![\d,]*\})", source):
        return None
    try:
        parsed = sre_parse.parse(source)
    except Exception:  # noqa: BLE001 - any syntax re does not know
        return None
    return None if parsed.state.flags & (re.IGNORECASE | re.VERBOSE) else tuple(parsed)


def _needs_of_sequence(items) -> list:
    return [need for op, arg in items for need in _needs_of_item(op, arg)]


def _needs_of_item(op, arg) -> list:
    if op is sre.LITERAL:
        return [(frozenset(chr(arg)), False)]
    if op is sre.IN:
        need = _needs_of_class(arg)
        return [need] if need else []
    if op is sre.SUBPATTERN:
        return [] if arg[1] & re.IGNORECASE else _needs_of_sequence(arg[3])
    if op is sre.ATOMIC_GROUP:
        return _needs_of_sequence(arg)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return _needs_of_sequence(arg[2]) if arg[0] >= 1 else []
    if op is sre.BRANCH:  # one of the branches' first needs
        firsts = [_needs_of_sequence(branch)[:1] for branch in arg[1]]
        if not all(firsts):
            return []
        return [(frozenset().union(*(f[0][0] for f in firsts)), any(f[0][1] for f in firsts))]
    return []  # lookarounds, anchors, back-references, any character …


def _ending(source: str, flags: int = 0) -> regex.Pattern | None:
    """For a pattern that ends with a lookahead (``…亿(?=[的，]|以上|$)``): a regex that finds a
    character its matches can end with followed by one the lookahead can begin with (or the end
    of the text). No match ends where it finds nothing. None for other patterns, or when unsure."""
    tree = _parse_tree(source, flags)
    if tree is None or len(tree) < 2 or tree[-1][0] is not sre.ASSERT or tree[-1][1][0] != 1:
        return None
    last, first = _last_class(list(tree[:-1])), _first_class(list(tree[-1][1][1]))
    if last is None or first is None:
        return None
    (chars, digits), (after, after_digits, spaces, at_end) = last, first
    ahead = [_char_class(after, after_digits, spaces)] if after or after_digits or spaces else []
    ahead += [r"\Z"] if at_end else []
    if not ahead:
        return None
    return regex.compile(f"{_char_class(chars, digits)}(?={'|'.join(ahead)})")


def _char_class(chars, digits: bool, spaces: bool = False) -> str:
    return "[" + "".join(map(regex.escape, sorted(chars))) + (r"\d" if digits else "") + (r"\s" if spaces else "") + "]"


def _last_class(items) -> tuple[frozenset, bool] | None:
    """The characters a match of ``items`` can end with: (characters, any digit too), or None."""
    if not items:
        return None
    op, arg = items[-1]
    if op is sre.LITERAL:
        return frozenset(chr(arg)), False
    if op is sre.IN:
        return _needs_of_class(arg)
    if op is sre.SUBPATTERN:
        return None if arg[1] & re.IGNORECASE else _last_class(list(arg[3]))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        inner = _last_class(list(arg[2]))
        if arg[0] >= 1 or inner is None:
            return inner
        # optional (亿[多余]?): a match ends with it, or with what comes before when it is left out
        before = _last_class(items[:-1])
        return None if before is None else (inner[0] | before[0], inner[1] or before[1])
    if op is sre.BRANCH:
        ends = [_last_class(list(branch)) for branch in arg[1]]
        if None in ends:
            return None
        return frozenset().union(*(c for c, _ in ends)), any(d for _, d in ends)
    return None


def _first_class(items) -> tuple[frozenset, bool, bool, bool] | None:
    """What a match of ``items`` (a lookahead's) can begin with: (characters, any digit, any
    space, the end of the text), or None when unsure (it may match the empty string …)."""
    if not items:
        return None
    op, arg = items[0]
    if op is sre.LITERAL:
        return frozenset(chr(arg)), False, False, False
    if op is sre.AT and arg in (sre.AT_END, sre.AT_END_STRING):
        return frozenset("\n"), False, False, True  # $ also matches before a last line break
    if op is sre.IN:
        spaces = any(o is sre.CATEGORY and a is sre.CATEGORY_SPACE for o, a in arg)
        need = _needs_of_class([(o, a) for o, a in arg if not (o is sre.CATEGORY and a is sre.CATEGORY_SPACE)])
        return None if need is None else (need[0], need[1], spaces, False)
    if op is sre.SUBPATTERN:
        return None if arg[1] & re.IGNORECASE else _first_class(list(arg[3]))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and arg[0] >= 1:
        return _first_class(list(arg[2]))
    if op is sre.BRANCH:
        firsts = [_first_class(list(branch)) for branch in arg[1]]
        if None in firsts:
            return None
        return (frozenset().union(*(f[0] for f in firsts)), *(any(f[i] for f in firsts) for i in (1, 2, 3)))
    return None


def _needs_of_class(items) -> tuple[frozenset, bool] | None:
    chars, digits = set(), False
    for op, arg in items:
        if op is sre.LITERAL:
            chars.add(chr(arg))
        elif op is sre.RANGE and arg[1] - arg[0] <= 512:
            chars.update(map(chr, range(arg[0], arg[1] + 1)))
        elif op is sre.CATEGORY and arg is sre.CATEGORY_DIGIT:
            digits = True
        else:  # a negated class, a wide range, other categories: any character may do
            return None
    return (frozenset(chars | set("0123456789") if digits else chars), digits)


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
