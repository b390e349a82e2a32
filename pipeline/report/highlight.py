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
    out, used_ids, in_break = [], set(), False
    for i, ev in enumerate(events(text, spans)):
        if isinstance(ev, str) and in_break:  # the removed blank lines: kept in the page, not shown
            out.append(f'<span class="pb-ws">{escape(ev, quote=False)}</span>')
        elif isinstance(ev, str):
            # leading blank lines of the file only push the text down
            out.append(escape(ev.lstrip() if i == 0 else ev, quote=False))
        elif isinstance(ev, Open):
            in_break = ev.span.data[0] == "break"
            out.append(_open(ev, used_ids))
        elif isinstance(ev, Close):
            in_break = False
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
    if what == "mention" and ev.first and _worth_inline(item):
        attrs += f' data-v="{escape(item["value"])}"'
    return f"<mark{attrs}>"


def _worth_inline(item: dict) -> bool:
    """Amounts always (亿/万 to yuan is the conversion to check); a percent only when the value
    reads differently from the text (百分之二十, 三成, ranges, percentage points)."""
    if item["kind"] not in INLINE_VALUE_KINDS:
        return False
    return item["kind"] == "amount" or item["value"].replace(" ", "") != item["text"].replace(" ", "")


def _tooltip(what: str, item: dict) -> str:
    if what == "reject":
        return f"rejected {item['kind']}: {item['reason']}\nrule: {item['rule_id']}"
    lines = [f"{item['kind']}: {item['value']}"]
    lines += [f"{label}: {item[key]}" for label, key in
              (("days", "days"), ("qualifier", "qualifier"), ("subject", "subject"), ("predicate", "predicate"),
               ("date", "date"), ("modality", "modality"), ("rule", "rule_id")) if item.get(key)]
    return "\n".join(lines)
