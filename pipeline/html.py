"""Article text from an HTML page (e-paper sites), with a real HTML parser.

Scripts, styles, navigation, headers, footers and forms are dropped; the article
body is the page's ``<article>`` (or ``<main>``, else ``<body>``); block elements
become paragraphs separated by a blank line, as in the plain-text corpus.
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button", "select")
BLOCKS = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table",
          "blockquote", "pre", "ul", "ol", "dd", "dt", "figcaption", "td", "th"}
_SPACES = re.compile(r"[ \t\r\n\u00a0]+")


def html_to_text(markup: str) -> str:
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(DROP):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    paragraphs: list[str] = []
    _collect(root, paragraphs, [])
    return "\n\n".join(p for p in paragraphs if p)


def _collect(node: Tag, paragraphs: list[str], line: list[str]) -> None:
    """Walk the tree; text joins the current line, a block element closes it."""
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not a comment, CDATA or doctype
                line.append(_SPACES.sub(" ", str(child)))
        elif isinstance(child, Tag):
            if child.name == "br":
                _close(paragraphs, line)
            elif child.name in BLOCKS:
                _close(paragraphs, line)
                _collect(child, paragraphs, line)
                _close(paragraphs, line)
            else:
                _collect(child, paragraphs, line)


def _close(paragraphs: list[str], line: list[str]) -> None:
    text = "".join(line).strip()
    if text:
        paragraphs.append(text)
    line.clear()
