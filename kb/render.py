"""Markdown to safe HTML: `markdown` renders, `nh3` sanitises, and `[text](kb:other-id)` links are resolved."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

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
ARTICLE_PATH = "/kb/artikel/"  # the reader's URL of an article (kb.views.article)
# A link to an article in sanitised HTML (nh3 writes every attribute in double quotes, and anchors never nest).
ARTICLE_LINK_RE = re.compile(r'<a href="' + re.escape(ARTICLE_PATH) + r'([^"?#/]+)(?:[?#][^"]*)?"[^>]*>(.*?)</a>',
                            re.DOTALL)


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


def render_for_storage(text: str) -> str:
    """The body as stored with its article: every `kb:` link becomes a link to that article, whether or not it
    exists or may be read; `readable_html` hides the ones a reader may not follow."""
    return render_markdown(text, lambda article_id: ARTICLE_PATH + quote(article_id, safe="")).html


def article_links(html: str) -> list[str]:
    """The ids of the articles stored HTML links to."""
    return list(dict.fromkeys(unquote(match.group(1)) for match in ARTICLE_LINK_RE.finditer(html)))


def readable_html(html: str, readable: Iterable[str], prefix: str = "") -> str:
    """Stored HTML as one reader sees it: links to articles outside `readable` become the broken-link mark (a
    reader cannot tell a hidden article from a missing one); `prefix` is the app's mount point, if any."""
    readable = set(readable)

    def replace(match: re.Match) -> str:
        if unquote(match.group(1)) in readable:
            return match.group(0).replace('href="', f'href="{prefix}', 1) if prefix else match.group(0)
        return f'<span class="{BROKEN_LINK_CLASS}">{match.group(2)}</span>'

    return ARTICLE_LINK_RE.sub(replace, html)
