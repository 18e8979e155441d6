"""Markdown to safe HTML: `markdown` renders, `nh3` sanitises, and `[text](kb:other-id)` links are resolved."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

KB_SCHEME = "kb:"
KB_LINK_RE = re.compile(r"\]\(\s*kb:([^)\s]*)\s*\)")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "span": {"class"},
    "td": {"align"},
    "th": {"align", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
BROKEN_LINK_CLASS = "kb-broken-link"


@dataclass
class Rendered:
    html: str
    broken_links: list[str] = field(default_factory=list)  # kb: ids that do not exist
    linked_ids: list[str] = field(default_factory=list)


def linked_article_ids(text: str) -> list[str]:
    """Every `kb:` target in a Markdown text, in order of appearance."""
    seen: dict[str, None] = {}
    for match in KB_LINK_RE.finditer(text or ""):
        seen.setdefault(match.group(1).strip(), None)
    return list(seen)


class _KbLinkProcessor(Treeprocessor):
    def __init__(self, md, resolve: Callable[[str], str | None], result: Rendered):
        super().__init__(md)
        self.resolve = resolve
        self.result = result

    def run(self, root):
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag != "a" or not (child.get("href") or "").startswith(KB_SCHEME):
                    continue
                target = child.get("href")[len(KB_SCHEME):].strip()
                if target not in self.result.linked_ids:
                    self.result.linked_ids.append(target)
                url = self.resolve(target) if target else None
                if url:
                    child.set("href", url)
                    continue
                if target not in self.result.broken_links:
                    self.result.broken_links.append(target)
                span = ET.Element("span", {"class": BROKEN_LINK_CLASS})
                span.text, span.tail = child.text, child.tail
                span.extend(list(child))
                parent.remove(child)
                parent.insert(index, span)


class _KbLinkExtension(Extension):
    def __init__(self, resolve, result):
        super().__init__()
        self.resolve = resolve
        self.result = result

    def extendMarkdown(self, md):  # noqa: N802 - Markdown's API
        md.treeprocessors.register(_KbLinkProcessor(md, self.resolve, self.result), "kb_links", 5)


def render_markdown(text: str, resolve: Callable[[str], str | None] | None = None) -> Rendered:
    """Render an article body; `resolve(id)` gives the URL of an existing article or None (a broken link)."""
    result = Rendered(html="")
    md = markdown.Markdown(
        extensions=["tables", "sane_lists", "fenced_code", _KbLinkExtension(resolve or (lambda _id: None), result)],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    result.html = sanitize_html(md.convert(text or ""))
    return result


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
