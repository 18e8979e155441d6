"""Load front-matter Markdown articles (the format of the KB corpus) as :class:`ArticleDoc` objects."""

from __future__ import annotations

from pathlib import Path

import yaml

from .index import ArticleDoc

_SKIP = {"FORMAT.md", "WORLD.md", "README.md"}


def parse_article(text: str, fallback_id: str | None = None) -> ArticleDoc:
    """Parse one article: YAML front matter between ``---`` lines, then the Markdown body."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.startswith("---"):
        raise ValueError("no front matter")
    _, fm, body = text.split("---", 2)
    meta = yaml.safe_load(fm) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping")

    def as_list(v) -> list[str]:
        if v is None:
            return []
        if isinstance(v, str):
            return [p.strip() for p in v.split(",") if p.strip()]
        return [str(x) for x in v]

    return ArticleDoc(
        id=str(meta.get("id") or fallback_id or ""),
        title=str(meta.get("title") or ""),
        summary=str(meta.get("summary") or ""),
        body=body.lstrip("\n"),
        language=str(meta.get("language") or "sv"),
        translation_of=meta.get("translation_of") or None,
        audiences=as_list(meta.get("audiences")),
        visibility=str(meta.get("visibility") or "public"),
        school_forms=as_list(meta.get("school_forms")),
        system=str(meta.get("system") or "general"),
        tags=as_list(meta.get("tags")),
        status=str(meta.get("status") or "published"),
    )


def load_corpus(path: str | Path) -> list[ArticleDoc]:
    """Every article in a folder (``*.md`` with front matter) or one file, sorted by id."""
    p = Path(path)
    files = [p] if p.is_file() else sorted(f for f in p.glob("*.md") if f.name not in _SKIP)
    docs = []
    for f in files:
        text = f.read_text(encoding="utf-8")
        if not text.lstrip("\ufeff").startswith("---"):
            continue
        docs.append(parse_article(text, f.stem))
    return sorted(docs, key=lambda d: d.id)
