"""clean skips OpenCC t2s only on texts that OpenCC would give back unchanged."""
import random
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import clean
from pipeline.t2s_chars import CHARS, PHRASES

ROOT = Path(__file__).resolve().parent.parent


def converted_always(text: str) -> str:
    """to_simplified as it was, OpenCC run on every text (the reference)."""
    converted = clean._t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(c := clean._t2s().convert(ch)) == 1 else ch for ch in text)


def test_the_table_is_made_from_the_installed_opencc():
    tool = ROOT / "tools" / "opencc_t2s_chars.py"
    assert subprocess.run([sys.executable, str(tool), "--check"]).returncode == 0, "rerun tools/opencc_t2s_chars.py"


def test_every_other_character_is_left_as_it_is():
    table = set(CHARS) | set(PHRASES)
    others = "".join(chr(c) for c in range(1, 0x110000) if not 0xD800 <= c < 0xE000 and chr(c) not in table)
    assert not clean._may_change(others)
    assert clean._t2s().convert(others) == others


def test_every_changing_key_is_seen():
    for ch in CHARS:
        assert clean._may_change("中文" + ch + "内容")
    for anchor, phrases in PHRASES.items():
        for phrase in phrases:
            assert clean._may_change("开头" + phrase + "结尾"), phrase
            assert clean._may_change(phrase)
        assert not clean._may_change("开头" + anchor + "结尾")  # an anchor alone changes nothing


def random_texts():
    rng = random.Random(6)
    simplified = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
    pieces = list(simplified) + list(PHRASES) + [p for ps in PHRASES.values() for p in ps]
    pieces += rng.sample(CHARS, 200) + ["\U00020000", "\U0001F600", "１２％", "\n", " "]
    for _ in range(2000):
        parts = [rng.choice(pieces) for _ in range(rng.randint(0, 12))]
        text = "".join(parts)
        yield text
        if len(text) > 2:  # phrases cut at either end
            yield text[1:]
            yield text[:-1]


def test_to_simplified_is_the_conversion_of_every_text():
    skipped = 0
    for text in random_texts():
        assert clean.to_simplified(text) == converted_always(text), text
        skipped += not clean._may_change(text)
    assert skipped > 100  # the shortcut was taken, and agreed


def test_another_opencc_converts_every_text(monkeypatch):
    import opencc

    clean._trigger.cache_clear()
    monkeypatch.setattr(opencc, "__version__", "0.0.0")
    try:
        assert clean._trigger() is None
        assert clean._may_change("纯简体文本")
    finally:
        clean._trigger.cache_clear()


@pytest.mark.parametrize("path", sorted((ROOT / "corpus").glob("*.txt")), ids=lambda p: p.name)
def test_bundled_articles_are_simplified_as_before(path):
    text = path.read_text(encoding="utf-8")
    assert clean.to_simplified(text) == converted_always(text)
