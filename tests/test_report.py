"""The HTML report and `newsfacts show`, without a browser: escaping, nesting, links, terminal view."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline import extract
from pipeline.cli import main
from pipeline.report import write_report
from pipeline.report.layout import Close, Open, Span, events
from pipeline.report.terminal import marked_text
from pipeline.write import write_tables

from .conftest import CORPUS

HOSTILE = "<script>alert('x')</script>2020年，283个市重点项目完成投资595.92亿元，<b>占</b>年度任务94.9%。"


class _Ids(HTMLParser):
    """Every id and every same-page or cross-page href in a page."""

    def __init__(self):
        super().__init__()
        self.ids, self.hrefs, self.scripts = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "script":
            self.scripts.append(attrs.get("src"))


def _parse(path: Path) -> _Ids:
    p = _Ids()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    tables = extract(HOSTILE, issue_date="2021-01-07", doc_id="evil<doc>")
    write_tables(tables, out)
    write_report(out, tables, {"paths": ["<inline>"]})
    return out / "report"


def test_article_text_is_escaped(hostile_report):
    pages = list((hostile_report / "articles").glob("*.html"))
    assert len(pages) == 1
    html = pages[0].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html or "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    assert "<b>占</b>" not in html and "&lt;b&gt;占&lt;/b&gt;" in html
    # The only script elements are the report's own file, never the article's.
    assert _parse(pages[0]).scripts == ["../static/report.js"]
    assert "<script>alert" not in (hostile_report / "index.html").read_text(encoding="utf-8")


def test_amount_is_highlighted_with_its_value(hostile_report):
    html = next((hostile_report / "articles").glob("*.html")).read_text(encoding="utf-8")
    start = HOSTILE.index("595.92亿元")
    mark = re.search(rf'<mark class="m k-amount" id="amount-{start}-{start + 8}"[^>]*>595\.92亿元</mark>', html)
    assert mark, "the amount is not wrapped in its own mark"
    assert 'data-v="59,592,000,000 CNY"' in mark.group(0)


def test_every_table_row_link_lands_on_an_id(tmp_path):
    from pipeline import extract_corpus
    from pipeline.derived import derived_tables

    tables = extract_corpus(CORPUS)
    write_tables(tables, tmp_path, derived_tables(tables))
    report = write_report(tmp_path, tables, {"paths": [str(CORPUS)]}).parent
    ids = {p.name: _parse(p).ids for p in (report / "articles").glob("*.html")}
    checked = 0
    for table in (report / "tables").glob("*.html"):
        for href in _parse(table).hrefs:
            if href.startswith("../articles/") and "#" in href:
                page, frag = href.removeprefix("../articles/").split("#")
                assert frag in ids[page], f"{table.name}: {href} points at nothing"
                checked += 1
    assert checked >= len(tables["amount"]) + len(tables["percent"])
    assert len(ids) == len(list(CORPUS.glob("*.txt")))


def test_crossing_spans_are_cut_so_they_nest():
    evs = events("0123456789", [Span(1, 5, "A"), Span(3, 8, "B")])
    opened, text = [], ""
    for ev in evs:
        if isinstance(ev, Open):
            opened.append(ev.span)
            text += f"<{ev.span.data}{'*' if ev.first else ''}"
        elif isinstance(ev, Close):
            assert opened.pop() == ev.span  # properly nested
            text += ">"
        else:
            text += ev
    assert text == "0<A*12<B*34>><B567>89"


def test_terminal_marks_mentions_numbered():
    plain = marked_text("投资5亿元，3.1%。", [dict(kind="amount", start=2, end=5), dict(kind="percent", start=6, end=10)]).plain
    assert plain == "投资⟦5亿元⟧¹，⟦3.1%⟧²。"


def test_show_prints_article_and_values(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["run", str(CORPUS / "000_a94a2d5cae1ad98b.txt"), "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["show", "000_a94a2d5cae1ad98b", "--kind", "amount", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "⟦595.92亿元⟧¹" in out
    assert re.search(r"595\.92亿元\s*│\s*59,592,000,000 CNY", out)
    assert "⟦2020年⟧" not in out  # --kind amount shows amounts only


def test_show_unknown_article_is_a_clear_error(tmp_path, capsys):
    main(["run", str(CORPUS / "000_a94a2d5cae1ad98b.txt"), "--out", str(tmp_path)])
    assert main(["show", "no_such_doc", "--out", str(tmp_path)]) == 2
    assert "no_such_doc: no such article" in capsys.readouterr().err
