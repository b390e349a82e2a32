"""``newsfacts show DOC_ID``: one article in the terminal, mentions marked, values in a table.

Mentions are bracketed ⟦…⟧ and numbered as well as coloured, so they stay visible
when the output is piped to a file or a pager without colour.
"""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..corpus import discover
from ..read import read_article
from ..write import FILES
from .layout import Close, Open, Span, events
from .mentions import article_mentions, facts_index

STYLES = {"amount": "bold dark_orange", "percent": "bold dodger_blue2", "date": "green", "project": "magenta"}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def show_article(doc_id: str, out_dir: Path, corpus: Path, kind: str | None = None,
                 console: Console | None = None) -> None:
    from .site import read_tables  # the same readers as the report: CSV or Parquet outputs

    tables = read_tables(Path(out_dir))
    frames = {k: tables[name] for k, name in FILES.items() if name in tables and (kind is None or k == kind)}
    if not frames:
        raise FileNotFoundError(f"{out_dir}: no {kind or 'mention'} tables; run `newsfacts run --out {out_dir}` first")
    article = find_article(doc_id, Path(corpus))
    mentions = article_mentions(frames, doc_id, facts_index(tables.get("facts.csv")))
    console = console or Console(highlight=False)
    title = " · ".join(p for p in (article.title, article.paper, article.issue_date) if p)
    console.rule(f"[bold]{doc_id}[/] {title}")
    console.print(marked_text(article.text.strip("\n"), mentions, offset=len(article.text) - len(article.text.lstrip("\n"))))
    console.print(values_table(mentions, kind))


def find_article(doc_id: str, corpus: Path):
    """Read only the one file whose stem is ``doc_id`` (a corpus may hold thousands)."""
    for path, meta in discover([corpus]):
        if path.stem == doc_id:
            return read_article(path, **meta)
    raise FileNotFoundError(f"{doc_id}: no such article under {corpus} (give the corpus with --corpus)")


def marked_text(text: str, mentions: list[dict], offset: int = 0) -> Text:
    """The text with each mention as ⟦mention⟧ⁿ in its kind's colour; ⁿ is its row in the table."""
    number = {id(m): i for i, m in enumerate(mentions, 1)}
    spans = [Span(m["start"] - offset, m["end"] - offset, m) for m in mentions]
    out, styles = Text(), []
    for ev in events(text, spans):
        if isinstance(ev, str):
            out.append(ev, style=" ".join(styles) or None)
        elif isinstance(ev, Open):
            styles.append(STYLES.get(ev.span.data["kind"], "bold"))
            out.append("⟦", style=styles[-1])
        elif isinstance(ev, Close):
            n = str(number[id(ev.span.data)]).translate(_SUPERSCRIPT)
            out.append("⟧" + n, style=styles.pop())
    return out


def values_table(mentions: list[dict], kind: str | None) -> Table:
    has_facts = any(m["subject"] or m["date"] for m in mentions)
    table = Table(title=f"{len(mentions)} {kind or 'mention'}{'s' if len(mentions) != 1 else ''}", title_justify="left")
    for col in ["#", "kind", "text", "value", "qualifier", *(["subject", "date"] if has_facts else []), "rule", "at"]:
        table.add_column(col, justify="right" if col in ("#", "at") else "left")
    for i, m in enumerate(mentions, 1):
        linked = [m["subject"], m["date"]] if has_facts else []
        table.add_row(str(i), Text(m["kind"], style=STYLES.get(m["kind"], "")), m["text"], m["value"], m["qualifier"],
                      *linked, m["rule_id"], f"{m['start']}–{m['end']}")
    return table
