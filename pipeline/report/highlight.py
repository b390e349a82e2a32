"""An article's text as HTML with every mention, rejected candidate and repaired
page break marked, every piece of article text escaped.

displaCy's renderers cannot nest spans, give each mention an id to link to, or
show a removed page break, so this is the equivalent built on ``layout.events``.
"""
from __future__ import annotations

from html import escape

from markupsafe import Markup

from .layout import Close, Open, Span, events

INLINE_VALUE_KINDS = ("amount", "percent")  # short values worth reading inline next to the number


def article_html(text: str, mentions: list[dict], rejects: list[dict], breaks: list[tuple[int, int]]) -> Markup:
    spans = [Span(m["start"], m["end"], ("mention", m)) for m in mentions]
    spans += [Span(r["start"], r["end"], ("reject", r)) for r in rejects]
    spans += [Span(s, e, ("break", None)) for s, e in breaks]
    out, used_ids = [], set()
    for ev in events(text, spans):
        if isinstance(ev, str):
            out.append(escape(ev, quote=False))
        elif isinstance(ev, Open):
            out.append(_open(ev, used_ids))
        elif isinstance(ev, Close):
            out.append("</span>" if ev.span.data[0] == "break" else "</mark>")
    return Markup("".join(out))


def _open(ev: Open, used_ids: set) -> str:
    what, item = ev.span.data
    if what == "break":
        return ('<span class="pb" title="page break repaired: the lines on either side were read as one">'
                '<span class="pb-sign" aria-hidden="true">⏎</span>')
    ident = ""
    if ev.first and item["id"] not in used_ids:  # one id per mention; a second identical span links to the first
        used_ids.add(item["id"])
        ident = f' id="{escape(item["id"])}"'
    cls = f'm k-{escape(item["kind"])}' + (" rej" if what == "reject" else "")
    attrs = f' class="{cls}"{ident} data-ref="{escape(item["id"])}" title="{escape(_tooltip(what, item))}"'
    if what == "mention" and item["kind"] in INLINE_VALUE_KINDS and ev.first:
        attrs += f' data-v="{escape(item["value"])}"'
    return f"<mark{attrs}>"


def _tooltip(what: str, item: dict) -> str:
    if what == "reject":
        return f"rejected {item['kind']}: {item['reason']}\nrule: {item['rule_id']}"
    lines = [f"{item['kind']}: {item['value']}"]
    lines += [f"{label}: {item[key]}" for label, key in
              (("qualifier", "qualifier"), ("subject", "subject"), ("date", "date"), ("rule", "rule_id")) if item.get(key)]
    return "\n".join(lines)
