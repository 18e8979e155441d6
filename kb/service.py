"""The knowledge base's rules: saving articles with revisions, the search index, search, feedback, reports.

Views, the API, the CLI and the worker call these functions; none of them writes knowledge-base rows itself. The
functions never commit: the caller ends its unit of work with `kb.indexing.commit()`, which also brings the search
index up to date with the articles the work changed (or with `db.session.commit()` when no article changed).
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import logging
import re
import time as time_module
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from flask import current_app
from flask_babel import gettext
from sqlalchemy import case, func, literal_column, select

from kb import reading_log, stamps
from kb.models import (
    AUDIENCES,
    LANGUAGES,
    STATUSES,
    SYSTEMS,
    VISIBILITIES,
    Article,
    ArticleAudience,
    ArticleFeedback,
    ArticleImage,
    ArticleRevision,
    IndexQueueEntry,
    RelatedArticle,
    SearchClick,
    SearchLog,
    SearchTicket,
    SynonymList,
)
from kb.render import (
    Rendered,
    article_links,
    linked_article_ids,
    readable_html,
    render_for_storage,
    render_markdown,
)
from support.database import utcnow
from support.extensions import db
from support.orgs.models import SCHOOL_FORMS
from support.personal_numbers import hide_personal_numbers
from support.policy.kb import Readership, index_filter, readership_of, sql_filter

log = logging.getLogger(__name__)

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")  # never stored: PostgreSQL refuses NUL
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
METADATA_FIELDS = ("language", "translation_of", "audiences", "visibility", "school_forms", "system", "tags",
                   "status", "review_by")
CONTENT_FIELDS = ("title", "summary", "body")
MAX_INDEX_ATTEMPTS_LOGGED = 5
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
IMAGE_MAX_BYTES = 2 * 1024 * 1024


class ArticleError(ValueError):
    """Input the editor can fix; `errors` maps a field name to a Swedish message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


# ---------------------------------------------------------------------------------------------------------------
# Article data and validation


@dataclass
class ArticleData:
    id: str
    title: str
    summary: str = ""
    body: str = ""
    language: str = "sv"
    translation_of: str | None = None
    audiences: list[str] = field(default_factory=list)
    visibility: str = "public"
    school_forms: list[str] = field(default_factory=list)
    system: str = "general"
    tags: list[str] = field(default_factory=list)
    status: str = "draft"
    review_by: date | None = None

    @classmethod
    def of(cls, article: Article) -> ArticleData:
        return cls(
            id=article.id, title=article.title, summary=article.summary, body=article.body,
            language=article.language, translation_of=article.translation_of, audiences=list(article.audiences),
            visibility=article.visibility, school_forms=list(article.school_forms or []), system=article.system,
            tags=list(article.tags or []), status=article.status, review_by=article.review_by,
        )


def check_article_data(data: ArticleData, known_ids: Iterable[str] = ()) -> dict[str, str]:
    """Everything wrong with `data`, as Swedish messages per field; `known_ids` are ids about to exist too.
    The messages an editor's form can meet (its own checks cover the rest) are in the reader's language."""
    errors: dict[str, str] = {}
    if not ID_RE.match(data.id or "") or len(data.id) > 80:
        errors["id"] = "Id får bara innehålla a–z, 0–9 och bindestreck (högst 80 tecken)."
    if not (data.title or "").strip():
        errors["title"] = "Rubrik saknas."
    elif len(data.title) > 200:
        errors["title"] = "Rubriken får vara högst 200 tecken."
    if len(data.summary or "") > 600:
        errors["summary"] = "Sammanfattningen får vara högst 600 tecken."
    if not LANGUAGE_RE.match(data.language or ""):
        errors["language"] = "Språk anges med en ISO 639-1-kod, till exempel sv eller en."
    if not data.audiences:
        errors["audiences"] = "Välj minst en målgrupp."
    elif unknown := sorted(set(data.audiences) - set(AUDIENCES)):
        errors["audiences"] = f"Okänd målgrupp: {', '.join(unknown)}. Tillåtna: {', '.join(AUDIENCES)}."
    if data.visibility not in VISIBILITIES:
        errors["visibility"] = "Synlighet måste vara public eller internal."
    if unknown := sorted(set(data.school_forms) - set(SCHOOL_FORMS)):
        errors["school_forms"] = f"Okänd skolform: {', '.join(unknown)}."
    if data.system not in SYSTEMS:
        errors["system"] = f"Okänt system: {data.system}. Tillåtna: {', '.join(SYSTEMS)}."
    if data.status not in STATUSES:
        errors["status"] = "Status måste vara draft, published eller archived."
    if data.translation_of:
        if data.translation_of == data.id:
            errors["translation_of"] = gettext("En artikel kan inte vara en översättning av sig själv.")
        elif data.translation_of not in set(known_ids) and db.session.get(Article, data.translation_of) is None:
            errors["translation_of"] = gettext("Originalartikeln %(id)s finns inte.", id=data.translation_of)
    return errors


# ---------------------------------------------------------------------------------------------------------------
# Saving, revisions, status


def _snapshot_metadata(article: Article) -> dict:
    return {
        "language": article.language, "translation_of": article.translation_of,
        "audiences": sorted(article.audiences), "visibility": article.visibility,
        "school_forms": list(article.school_forms or []), "system": article.system, "tags": list(article.tags or []),
        "status": article.status, "review_by": article.review_by.isoformat() if article.review_by else None,
    }


def _add_revision(article: Article, author, note: str) -> ArticleRevision:
    number = (db.session.scalar(
        select(func.max(ArticleRevision.number)).where(ArticleRevision.article_id == article.id)
    ) or 0) + 1
    revision = ArticleRevision(
        article_id=article.id, number=number, title=article.title, summary=article.summary, body=article.body,
        metadata_json=_snapshot_metadata(article), note=note[:300], author_id=getattr(author, "id", None),
    )
    db.session.add(revision)
    return revision


def _apply(article: Article, data: ArticleData) -> bool:
    """Copy `data` onto `article`; True when anything changed."""
    before = (article.title, article.summary, article.body, _snapshot_metadata(article) if article.id else None)
    article.title = CONTROL_RE.sub("", data.title).strip()
    article.summary = CONTROL_RE.sub("", data.summary or "").strip()
    article.body = CONTROL_RE.sub("", (data.body or "").replace("\r\n", "\n"))
    article.language = data.language
    article.translation_of = data.translation_of or None
    article.set_audiences(data.audiences)
    article.visibility = data.visibility
    article.school_forms = [f for f in SCHOOL_FORMS if f in set(data.school_forms)]
    article.system = data.system
    article.tags = [t.strip() for t in data.tags if t.strip()]
    if data.status == "published" and article.status != "published":
        article.published_at = utcnow()
    article.status = data.status
    article.review_by = data.review_by
    after = (article.title, article.summary, article.body, _snapshot_metadata(article))
    return before != after


def article_exists(article_id: str) -> bool:
    """Whether an article (of any status) already has this id."""
    return db.session.get(Article, article_id) is not None


def propose_article_id(title: str) -> str:
    """An unused article id made from a title: its words folded to a–z and 0–9 and joined by hyphens."""
    from kb.search.analysis import fold

    base = re.sub(r"[^a-z0-9]+", "-", fold(title or ""))[:70].strip("-") or "artikel"
    candidate, number = base, 1
    while db.session.get(Article, candidate) is not None:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def save_article(data: ArticleData, author=None, note: str = "", *, updated_at: datetime | None = None,
                 create: bool | None = None) -> tuple[Article, bool]:
    """Create or update an article from `data`; every change becomes a revision and is queued for the index.

    Returns (article, changed). Raises ArticleError for input the editor must fix; the caller commits.
    """
    errors = check_article_data(data)
    article = db.session.get(Article, data.id)
    if create is True and article is not None:
        errors["id"] = gettext("Det finns redan en artikel med id %(id)s.", id=data.id)
    if create is False and article is None:
        errors["id"] = gettext("Artikeln %(id)s finns inte.", id=data.id)
    if errors:
        raise ArticleError(errors)
    is_new = article is None
    if is_new:
        article = Article(id=data.id, owner_id=getattr(author, "id", None), status="draft", view_count=0,
                          school_forms=[], tags=[], language="sv", visibility="public", system="general",
                          title="", summary="", body="")
        db.session.add(article)
    body_before = None if is_new else article.body
    changed = _apply(article, data) or is_new
    if not changed:
        return article, False
    if article.body != body_before or article.body_html is None:
        article.body_html = render_for_storage(article.body)
    stamps.corpus_changed()
    article.updated_at = updated_at or utcnow()
    if is_new and updated_at:
        article.created_at = updated_at
    db.session.flush()
    _add_revision(article, author, note or ("Skapad" if is_new else "Ändrad"))
    enqueue_index(article.id)
    return article, True


def set_status(article: Article, status: str, by, note: str = "") -> bool:
    """Publish, archive or return an article to draft (a revision records who did it)."""
    data = ArticleData.of(article)
    data.status = status
    labels = {"published": "Publicerad", "archived": "Arkiverad", "draft": "Till utkast"}
    _saved, changed = save_article(data, by, note or labels.get(status, status))
    return changed


def mark_for_review(article: Article, needed: bool) -> None:
    article.needs_review = needed


def restore_revision(article: Article, revision: ArticleRevision, by) -> bool:
    """Make an earlier revision the current text and metadata again (as a new revision; history is kept)."""
    meta = revision.metadata_json or {}
    data = ArticleData.of(article)
    data.title, data.summary, data.body = revision.title, revision.summary, revision.body
    for key in ("language", "audiences", "visibility", "school_forms", "system", "tags"):
        if key in meta:
            setattr(data, key, meta[key])
    if meta.get("translation_of") and db.session.get(Article, meta["translation_of"]) is not None:
        data.translation_of = meta["translation_of"]
    data.review_by = date.fromisoformat(meta["review_by"]) if meta.get("review_by") else None
    _saved, changed = save_article(data, by, f"Återställd från version {revision.number}")
    return changed


def revision_text(revision: ArticleRevision) -> list[str]:
    meta = revision.metadata_json or {}
    lines = [f"Rubrik: {revision.title}", f"Sammanfattning: {revision.summary}"]
    for key in METADATA_FIELDS:
        value = meta.get(key)
        if isinstance(value, list):
            value = ", ".join(value)
        lines.append(f"{key}: {value if value not in (None, '') else '–'}")
    lines.append("")
    lines.extend((revision.body or "").splitlines())
    return lines


@dataclass
class DiffLine:
    kind: str  # "same", "added", "removed", "skipped"
    old_number: int | None
    new_number: int | None
    text: str


def diff_revisions(old: ArticleRevision, new: ArticleRevision, context: int = 3) -> list[DiffLine]:
    """A line diff of two revisions (metadata first, then the body), with unchanged stretches shortened."""
    a, b = revision_text(old), revision_text(new)
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("skipped", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("same", i + 1, j + 1, a[i]) for i, j in zip(range(i1, i2), range(j1, j2),
                                                                                  strict=True))
                continue
            if tag in ("replace", "delete"):
                lines.extend(DiffLine("removed", i + 1, None, a[i]) for i in range(i1, i2))
            if tag in ("replace", "insert"):
                lines.extend(DiffLine("added", None, j + 1, b[j]) for j in range(j1, j2))
    return lines


# ---------------------------------------------------------------------------------------------------------------
# Index: one SearchIndex per app (process), the queue, rebuild and check


def article_doc(article: Article):
    from kb.search.index import ArticleDoc

    return ArticleDoc(
        id=article.id, title=article.title, summary=article.summary, body=article.body,
        language=article.language, translation_of=article.translation_of, audiences=list(article.audiences),
        visibility=article.visibility, school_forms=list(article.school_forms or []), system=article.system,
        tags=list(article.tags or []), status=article.status,
    )


def current_synonyms_text() -> str:
    row = db.session.scalar(select(SynonymList).order_by(SynonymList.id).limit(1))
    if row is not None:
        return row.text
    from kb.search.synonyms import DEFAULT_PATH

    return DEFAULT_PATH.read_text(encoding="utf-8")


def get_index():
    """This process's SearchIndex, following the editors' synonym list."""
    from kb.search.index import SearchIndex
    from kb.search.synonyms import Synonyms

    app = current_app._get_current_object()
    # saving the list moves the corpus stamp (`save_synonyms`), so its time is read once per corpus change
    stamp, = _cached(("synonyms_stamp",), lambda: (db.session.scalar(
        select(SynonymList.updated_at).order_by(SynonymList.id).limit(1)),))
    cached = app.extensions.get("kb_index")
    if cached is None:
        index = SearchIndex(app.config["INDEX_DIR"], synonyms=Synonyms.from_text(current_synonyms_text()))
        app.extensions["kb_index"] = (index, stamp)
        return index
    index, cached_stamp = cached
    if cached_stamp != stamp:
        index.set_synonyms(Synonyms.from_text(current_synonyms_text()))
        app.extensions["kb_index"] = (index, stamp)
    return index


def enqueue_index(article_id: str) -> None:
    """Queue the article for the index in the caller's transaction (`kb.indexing.commit` writes it)."""
    db.session.add(IndexQueueEntry(article_id=article_id))
    db.session.info["kb_index_pending"] = True


def published_docs() -> list:
    articles = db.session.scalars(select(Article).where(Article.status == "published").order_by(Article.id))
    return [article_doc(article) for article in articles]


def rebuild_index(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database's published articles."""
    docs = published_docs()
    return get_index().rebuild(docs, progress=progress)


@dataclass
class IndexDifferences:
    missing: list[str]  # published in the database, absent from the index
    stale: list[str]  # indexed with other content than the database holds
    extra: list[str]  # in the index but not published in the database

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale or self.extra)


def check_index() -> IndexDifferences:
    index = get_index()
    indexed = index.ids() if index.exists() else {}
    wanted = {doc.id: doc.fingerprint() for doc in published_docs()}
    return IndexDifferences(
        missing=sorted(set(wanted) - set(indexed)),
        stale=sorted(i for i in set(wanted) & set(indexed) if wanted[i] != indexed[i]),
        extra=sorted(set(indexed) - set(wanted)),
    )


def ensure_index() -> str:
    """Create the index when missing and rebuild it when it does not match the database (`support init`)."""
    index = get_index()
    if not index.exists():
        index.create()
        count = rebuild_index()
        return f"skapat ({count} artiklar)"
    if check_index():
        count = rebuild_index()
        return f"ombyggt ({count} artiklar)"
    return "aktuellt"


# ---------------------------------------------------------------------------------------------------------------
# Reading: visibility-checked queries


def visible_article(readership: Readership, article_id: str) -> Article | None:
    """The article if this reader may read it, else None (callers answer 404)."""
    return db.session.scalar(select(Article).where(Article.id == article_id, sql_filter(readership)))


def _for_audience(audience: str | None):
    return Article.audience_links.any(ArticleAudience.audience == audience) if audience else None


def _school_form_clause(school_form: str | None, articles: list[Article]) -> list[Article]:
    if not school_form:
        return articles
    return [a for a in articles if not a.school_forms or school_form in a.school_forms]


def browse_articles(readership: Readership, *, audience: str | None = None, system: str | None = None,
                    school_form: str | None = None) -> list[Article]:
    """Published articles this reader may read, narrowed to a group, system and school form, by title."""
    query = select(Article).where(sql_filter(readership))
    if audience:
        query = query.where(_for_audience(audience))
    if system:
        query = query.where(Article.system == system)
    return _school_form_clause(school_form, list(db.session.scalars(query.order_by(Article.title))))


# Per process, the answers that cost a pass over many articles, until the corpus stamps move (`corpus_changed`,
# `note_views_counted`): a group page then costs the same at any number of articles.
CACHE_KEY = stamps.CACHE_KEY


CACHE_ENTRIES = 5_000  # per process and cache; beyond it the cache starts again (pages of ~10 kB each)


STAMP_SECONDS = 1.0  # how long a process trusts the stamps it read: another process's change shows this much later


def _current_stamps(caches: dict) -> tuple[int, int]:
    now = time_module.monotonic()
    read = caches.get("stamps")
    if read is None or now - read[1] >= STAMP_SECONDS:
        read = caches["stamps"] = (stamps.current(), now)
    return read[0]


def _cached(key: tuple, compute, *, follows_views: bool = False):
    """`compute()` once per process until articles change (or, `follows_views`, until views were counted)."""
    caches = current_app.extensions.setdefault(CACHE_KEY, {})
    generation, views_generation = _current_stamps(caches)
    stamp = (generation, views_generation) if follows_views else generation
    cache = caches.get(follows_views)
    if cache is None or cache["stamp"] != stamp or len(cache["values"]) >= CACHE_ENTRIES:
        cache = caches[follows_views] = {"stamp": stamp, "values": {}}
    if key in cache["values"]:
        return cache["values"][key]
    value = compute()
    if value is not None:  # a miss (an id that does not exist, say) is not kept: any URL could fill the cache
        cache["values"][key] = value
    return value


def system_counts(readership: Readership, audience: str | None = None) -> dict[str, int]:
    def count() -> dict[str, int]:
        query = select(Article.system, func.count()).where(sql_filter(readership))
        if audience:
            query = query.where(_for_audience(audience))
        return dict(db.session.execute(query.group_by(Article.system)).all())

    return _cached(("system_counts", readership, audience), count)


@dataclass(frozen=True)
class ArticleLink:
    """What a list of articles shows of each: its id, title and summary."""

    id: str
    title: str
    summary: str
    language: str = ""


LINK_COLUMNS = (Article.id, Article.title, Article.summary, Article.language)


def most_read(readership: Readership, audience: str | None = None, limit: int = 8,
              language: str | None = None) -> list[ArticleLink]:
    """The most read articles; in `language` when there are any in it (a page lists its own language's articles).
    Cached until an article changes or views are counted, so the policy's answer in it stays current."""
    def ranked() -> list[ArticleLink]:
        query = select(*LINK_COLUMNS).where(sql_filter(readership))
        if audience:
            query = query.where(_for_audience(audience))
        query = query.order_by(Article.view_count.desc(), Article.title).limit(limit)
        if language:
            found = [ArticleLink(*row) for row in db.session.execute(query.where(Article.language == language))]
            if found:
                return found
        return [ArticleLink(*row) for row in db.session.execute(query)]

    return _cached(("most_read", readership, audience, limit, language), ranked, follows_views=True)


def recently_updated(readership: Readership, audience: str | None = None, limit: int = 20) -> list[Article]:
    query = select(Article).where(sql_filter(readership))
    if audience:
        query = query.where(_for_audience(audience))
    return list(db.session.scalars(query.order_by(Article.updated_at.desc(), Article.id).limit(limit)))


def record_view(article: Article | ArticlePage) -> None:
    """Count one reading (the landing pages' "most read"): appended for the worker, no database write."""
    reading_log.record({"kind": "view", "article": article.id})


def related_articles(article: Article, readership: Readership, limit: int = 5) -> list[ArticleLink]:
    """The best of the article's stored related articles (`kb.related`) that this reader may read."""
    query = (select(*LINK_COLUMNS).join(RelatedArticle, RelatedArticle.related_id == Article.id)
             .where(RelatedArticle.article_id == article.id, sql_filter(readership))
             .order_by(RelatedArticle.position).limit(limit))
    return [ArticleLink(*row) for row in db.session.execute(query)]


def translations(article: Article, readership: Readership) -> list[ArticleLink]:
    """The readable other-language versions of an article (its original, the original's translations)."""
    root_id = article.translation_of or article.id
    # Two look-ups by index: one WHERE with an OR over both columns would read every published article.
    family = [root_id, *db.session.scalars(select(Article.id).where(Article.translation_of == root_id))]
    query = select(*LINK_COLUMNS).where(sql_filter(readership), Article.id != article.id, Article.id.in_(family))
    return [ArticleLink(*row) for row in db.session.execute(query.order_by(Article.language))]


def link_resolver(readership: Readership | None = None) -> Callable[[str], str | None]:
    """kb: links resolve to an existing, not archived article (in the editor), or for a reader to an article they
    may read; anything else is a broken link (a reader cannot tell a hidden article from a missing one)."""
    from flask import url_for

    cache: dict[str, str | None] = {}

    def resolve(article_id: str) -> str | None:
        if article_id not in cache:
            query = select(Article.status).where(Article.id == article_id)
            if readership is not None:
                query = query.where(sql_filter(readership))
            status = db.session.scalar(query)
            cache[article_id] = url_for("kb.article", article_id=article_id) \
                if status in ("published", "draft") else None
        return cache[article_id]

    return resolve


@dataclass(frozen=True)
class ArticlePage:
    """What an article's page shows one readership, worked out once per process until an article changes."""

    id: str
    title: str
    summary: str
    language: str
    system: str
    visibility: str
    status: str
    tags: tuple[str, ...]
    school_forms: tuple[str, ...]
    audiences: tuple[str, ...]
    translation_of: str | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    body_html: str  # as this readership sees it
    translations: tuple[ArticleLink, ...]
    related: tuple[ArticleLink, ...]


def article_page(readership: Readership, article_id: str) -> ArticlePage | None:
    """The article as this reader's page shows it, or None when they may not read it (callers answer 404)."""
    def build() -> ArticlePage | None:
        article = visible_article(readership, article_id)
        if article is None:
            return None
        return ArticlePage(
            id=article.id, title=article.title, summary=article.summary, language=article.language,
            system=article.system, visibility=article.visibility, status=article.status,
            tags=tuple(article.tags or ()), school_forms=tuple(article.school_forms or ()),
            audiences=tuple(article.audiences), translation_of=article.translation_of,
            created_at=article.created_at, updated_at=article.updated_at, published_at=article.published_at,
            body_html=reader_html(article, readership), translations=tuple(translations(article, readership)),
            related=tuple(related_articles(article, readership)))

    return _cached(("article", readership, article_id[:100]), build)


def reader_html(article: Article, readership: Readership) -> str:
    """The article's stored HTML as this reader sees it: links to articles they may not read are marked broken."""
    from flask import request

    html = article.body_html if article.body_html is not None else render_for_storage(article.body)
    linked = article_links(html)
    readable = set(db.session.scalars(select(Article.id).where(Article.id.in_(linked), sql_filter(readership)))) \
        if linked else set()
    return readable_html(html, readable, prefix=request.script_root)


def render_article(article_or_text, readership: Readership | None = None) -> Rendered:
    """An article's HTML; with a ``readership``, as that reader sees it (None: as the editor sees it)."""
    text = article_or_text if isinstance(article_or_text, str) else article_or_text.body
    return render_markdown(text, link_resolver(readership))


def broken_links() -> list[tuple[Article, list[str]]]:
    """Articles (not archived) whose kb: links point nowhere, with the missing ids."""
    existing = dict(db.session.execute(select(Article.id, Article.status)).all())
    report = []
    for article in db.session.scalars(select(Article).where(Article.status != "archived").order_by(Article.id)):
        missing = [target for target in linked_article_ids(article.body)
                   if existing.get(target) not in ("published", "draft")]
        if missing:
            report.append((article, missing))
    return report


def due_for_review(today: date | None = None) -> list[Article]:
    today = today or datetime.now(UTC).date()
    query = select(Article).where(Article.status != "archived",
                                  (Article.review_by <= today) | Article.needs_review.is_(True))
    return list(db.session.scalars(query.order_by(Article.review_by, Article.id)))


def editor_articles(*, status: str | None = None, system: str | None = None, audience: str | None = None,
                    text: str | None = None) -> list[Article]:
    query = select(Article)
    if status:
        query = query.where(Article.status == status)
    if system:
        query = query.where(Article.system == system)
    if audience:
        query = query.where(_for_audience(audience))
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(func.lower(Article.title).like(pattern) | func.lower(Article.id).like(pattern))
    return list(db.session.scalars(query.order_by(Article.updated_at.desc(), Article.id)))


# ---------------------------------------------------------------------------------------------------------------
# Search


@dataclass
class ArticleHit:
    id: str
    title: str
    summary: str
    score: float
    snippet_html: str
    language: str
    system: str
    rank: int  # 1-based position in the whole result list


@dataclass
class SearchOutcome:
    query: str
    hits: list[ArticleHit]
    total: int
    page: int
    per_page: int
    did_you_mean: str | None
    search_id: str | None = None  # the search log's token (kb.models.SearchLog.token)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search_articles(query: str, readership: Readership, *, audience: str | None = None,
                    language: str | None = None, school_form: str | None = None, system: str | None = None,
                    page: int = 1, per_page: int = 10, channel: str = "web", log_search: bool = True,
                    token: str | None = None) -> SearchOutcome:
    """The one search behind the page, the API and the CLI: visible hits only, logged without personal data
    (under `token` when the caller chose it, else a new random one)."""
    query = CONTROL_RE.sub(" ", query or "").strip()
    audience, language, school_form, system = _known_filters(audience, language, school_form, system).values()
    page = max(1, min(int(page or 1), 1000))
    if not query:
        return SearchOutcome("", [], 0, page, per_page, None)
    result = _with_current_index(lambda index: index.search(
        query, allowed=index_filter(readership), language=language, school_form=school_form, system=system,
        audience=audience, page=page, per_page=per_page,
    ))
    # The policy has the last word on every hit, whatever the index believes.
    readable = _readable_ids(readership, [h.id for h in result.hits])
    total = result.total - sum(1 for h in result.hits if h.id not in readable)
    start = (page - 1) * per_page
    hits = [ArticleHit(h.id, h.title, h.summary, h.score, h.snippet_html, h.language, h.system, start + n)
            for n, h in enumerate((h for h in result.hits if h.id in readable), start=1)]
    outcome = SearchOutcome(query, hits, max(total, len(hits)), page, per_page, result.did_you_mean)
    if log_search:
        # Written by the worker (kb.reading_log); the token goes into the result links so clicks find the search.
        outcome.search_id = token if token and SEARCH_TOKEN_RE.match(token) else uuid.uuid4().hex
        reading_log.record({
            "kind": "search", "token": outcome.search_id, "query": _normalise_for_log(query),
            "audience": audience or "", "school_form": school_form or "", "system": system or "",
            "language": language or "", "channel": channel, "hit_count": outcome.total, "page": page,
            "at": utcnow().isoformat()})
    return outcome


def _known_filters(audience: str | None = None, language: str | None = None, school_form: str | None = None,
                   system: str | None = None) -> dict[str, str | None]:
    """The search filters, each None unless it names a known group, language, school form or system."""
    return {"audience": audience if audience in AUDIENCES else None,
            "language": language if language in LANGUAGES else None,
            "school_form": school_form if school_form in SCHOOL_FORMS else None,
            "system": system if system in SYSTEMS else None}


def _with_current_index(read):
    """Run a read on the index; an index left in an old schema by an upgrade is rebuilt once, then read again."""
    from kb.search.index import IndexOutdated

    try:
        return read(get_index())
    except IndexOutdated:
        log.warning("kb: the search index has an old schema; rebuilding it from the database")
        rebuild_index()
        return read(get_index())


def _normalise_for_log(query: str) -> str:
    """The query as the search read it, lower-case, with personal identity numbers hidden whole (also where the
    search's normalisation first makes one out of other punctuation)."""
    from kb.search import sanitize

    text = hide_personal_numbers(sanitize(hide_personal_numbers(query)))
    return " ".join(text.lower().split())[:300]


def suggest_titles(readership: Readership, typed: str, limit: int = 8, **filters: str | None
                   ) -> list[tuple[str, str]]:
    """Titles for the search box as the visitor types: the first hits the search itself gives with the same
    filters (``audience``, ``school_form``, ``system``, ``language``), readable articles only."""
    if len((typed or "").strip()) < 2:
        return []
    pairs = _with_current_index(lambda index: index.suggest_titles(
        typed[:100], allowed=index_filter(readership), limit=limit, **_known_filters(**filters)))
    readable = _readable_ids(readership, [i for i, _t in pairs])
    return [(i, t) for i, t in pairs if i in readable]


def _readable_ids(readership: Readership, ids: list[str]) -> frozenset[str]:
    """Those of ``ids`` the policy lets ``readership`` read: one query per list of hits until articles change (a
    popular search asks again and again about the same hits)."""
    if not ids:
        return frozenset()
    return _cached(("readable", readership, tuple(ids)), lambda: frozenset(db.session.scalars(
        select(Article.id).where(Article.id.in_(ids), sql_filter(readership)))))


def suggest_articles(user, text: str, limit: int = 5) -> list[dict]:
    """Articles that may answer a ticket about to be written (for the ticket form): id, title, summary, url."""
    from flask import url_for

    outcome = search_articles(text, readership_of(user), per_page=limit, log_search=False)
    return [{"id": h.id, "title": h.title, "summary": h.summary,
             "url": url_for("kb.article", article_id=h.id)} for h in outcome.hits]


SEARCH_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def record_click(search_token: str, article_id: str, rank: int) -> bool:
    """Log a click on a search result for the worker (kb.reading_log); False for a link that was tampered with."""
    if not SEARCH_TOKEN_RE.match(search_token or "") or not 0 < rank <= 10000:
        return False
    reading_log.record({"kind": "click", "search": search_token, "article": article_id[:80], "rank": rank,
                        "at": utcnow().isoformat()})
    return True


# ---------------------------------------------------------------------------------------------------------------
# Searches that ended in a ticket


MAX_SEARCHES_PER_TICKET = 5
# An article a reply points to: its reader's URL (also inside a full address) or the editors' `kb:` link (a word
# of its own, so "www.kb:se" is none).
CITED_ARTICLE_RE = re.compile(r"(?:/kb/artikel/|(?<![^\s(\[<\"'])kb:)([a-z0-9]+(?:-[a-z0-9]+)*)")


def form_search_token(form_key: str, text: str) -> str:
    """The search-log token of the ticket form's suggestions for `text`: the same for the same form and words
    (spellings the search reads alike), so opening a suggestion and then sending the form log one search."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    message = f"{form_key}\0{_same_search(_normalise_for_log(text))}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def log_form_search(user, text: str, form_key: str) -> str | None:
    """Log the ticket form's suggestions for `text` as a search (channel "form") and return its token; None
    when the form shows no suggestions for so short a text."""
    if len((text or "").strip()) < 3 or not form_key:
        return None
    outcome = search_articles(text[:200], readership_of(user), per_page=5, channel="form",
                              token=form_search_token(form_key, text))
    return outcome.search_id


def link_searches_to_ticket(ticket_id: int, tokens: Iterable[str]) -> list[str]:
    """Note that the searches named by `tokens` (at most MAX_SEARCHES_PER_TICKET, the last ones) ended in the
    ticket; called by the ticket service as it files the ticket. The search-log rows may not be written yet:
    the link is by token. Returns the tokens linked."""
    wanted = list(dict.fromkeys(t for t in tokens if isinstance(t, str) and SEARCH_TOKEN_RE.match(t)))
    wanted = wanted[-MAX_SEARCHES_PER_TICKET:]
    if not wanted:
        return []
    known = set(db.session.scalars(select(SearchTicket.token).where(SearchTicket.ticket_id == ticket_id,
                                                                    SearchTicket.token.in_(wanted))))
    for token in wanted:
        if token not in known:
            db.session.add(SearchTicket(token=token, ticket_id=ticket_id))
    return wanted


def cited_articles(text: str) -> list[str]:
    """The ids of the articles a text points to (links to /kb/artikel/… or `kb:…`), in order, at most 20."""
    return list(dict.fromkeys(match.group(1) for match in CITED_ARTICLE_RE.finditer(text or "")))[:20]


def note_ticket_answer(ticket_ids: Iterable[int], cited: list[str], requester) -> str | None:
    """A staff member's public reply on the tickets `ticket_ids` (one ticket and those merged into it) pointed
    to the articles `cited`: the first published one the requester may read answers the searches that ended in
    those tickets (when no earlier reply did). Returns that article's id, or None."""
    ticket_ids = list(ticket_ids)
    if not cited or not ticket_ids:
        return None
    open_links = select(SearchTicket).where(SearchTicket.ticket_id.in_(ticket_ids),
                                            SearchTicket.answer_article_id.is_(None))
    links = list(db.session.scalars(open_links))
    if not links:
        return None
    readable = set(db.session.scalars(select(Article.id).where(
        Article.id.in_(cited), Article.status == "published", sql_filter(readership_of(requester)))))
    answer = next((article_id for article_id in cited if article_id in readable), None)
    for link in links if answer else ():
        link.answer_article_id = answer
    return answer


# ---------------------------------------------------------------------------------------------------------------
# Feedback


def visitor_key(user, anonymous_id: str | None) -> str | None:
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.id}"
    return f"anon:{anonymous_id}" if anonymous_id else None


def new_anonymous_id() -> str:
    return uuid.uuid4().hex


def feedback_of(article: Article | ArticlePage, key: str | None) -> ArticleFeedback | None:
    if not key:
        return None
    return db.session.scalar(select(ArticleFeedback).where(ArticleFeedback.article_id == article.id,
                                                           ArticleFeedback.visitor_key == key))


def record_feedback(article: Article, key: str, helpful: bool, comment: str = "") -> bool:
    """One vote per visitor and article; a second vote changes the first. True when this was a new vote."""
    existing = feedback_of(article, key)
    comment = CONTROL_RE.sub("", comment or "").strip()[:2000]
    if existing is not None:
        existing.helpful = helpful
        if comment:
            existing.comment = comment
        return False
    db.session.add(ArticleFeedback(article_id=article.id, visitor_key=key, helpful=helpful, comment=comment))
    return True


def feedback_summary(article_id: str) -> tuple[int, int]:
    yes = func.sum(case((ArticleFeedback.helpful.is_(True), 1), else_=0))
    row = db.session.execute(select(yes, func.count()).where(ArticleFeedback.article_id == article_id)).one()
    return int(row[0] or 0), int(row[1] or 0)


# ---------------------------------------------------------------------------------------------------------------
# Synonyms


def save_synonyms(text: str, by) -> list[str]:
    """Store the editors' synonym list; returns the parse errors (nothing is saved when there are any)."""
    from kb.search.synonyms import Synonyms

    parsed = Synonyms.from_text(text)
    if parsed.errors:
        return parsed.errors
    row = db.session.scalar(select(SynonymList).order_by(SynonymList.id).limit(1))
    if row is None:
        row = SynonymList()
        db.session.add(row)
    row.text = CONTROL_RE.sub("", text).replace("\r\n", "\n")
    row.updated_at = utcnow()
    row.updated_by_id = getattr(by, "id", None)
    stamps.corpus_changed()  # every process's search follows the new list (`get_index`)
    return []


# ---------------------------------------------------------------------------------------------------------------
# Editor report


@dataclass
class EditorReport:
    searches: int
    top_queries: list[tuple[str, int, float]]  # query, searches, average hits
    zero_hit_queries: list[tuple[str, int]]
    unclicked_queries: list[tuple[str, int]]
    least_helpful: list[tuple[Article, int, int]]  # article, helpful votes, all votes
    # Searches that failed: query, its searches that ended in a ticket, all its searches. Most tickets first.
    ended_in_ticket: list[tuple[str, int, int]] = field(default_factory=list)


# Distinct spellings read per list of the report: enough for a city's month, bounded for a run-away log.
REPORT_SPELLINGS_READ = 20_000


def _same_search(query: str) -> str:
    """The form the search itself reads a query in: "sjukanmala" and "Sjukanmäla" are one search."""
    from kb.search.analysis import fold

    return " ".join(fold(query).split())


def _by_search(rows, limit: int) -> list[tuple[str, int, float, int]]:
    """Rows of (spelling, searches, hits, clicks) merged per search: the most used spelling names the group,
    searches and clicks add up, hits are averaged over the searches. Most searched first."""
    groups: dict[str, list] = {}
    for spelling, count, hits, clicks in rows:
        group = groups.setdefault(_same_search(spelling), [spelling, 0, 0.0, 0, 0])
        if count > group[4]:
            group[0], group[4] = spelling, count
        group[1] += count
        group[2] += float(hits or 0) * count
        group[3] += int(clicks or 0)
    merged = [(spelling, count, hits / count if count else 0.0, clicks)
              for spelling, count, hits, clicks, _most in groups.values()]
    return sorted(merged, key=lambda row: (-row[1], row[0]))[:limit]


def editor_report(since: datetime | None = None, limit: int = 20) -> EditorReport:
    """What readers searched for and did not find, counted per search (spellings the search folds together are
    one row): no hits, no click, or a ticket filed after it; and the articles readers found least helpful."""
    conditions = [SearchLog.created_at >= since] if since else []
    searches = db.session.scalar(select(func.count()).select_from(SearchLog).where(*conditions)) or 0
    clicks = func.sum(case((SearchLog.id.in_(select(SearchClick.search_id)), 1), else_=0))
    per_spelling = (select(SearchLog.query, func.count(), func.avg(SearchLog.hit_count), clicks)
                    .group_by(SearchLog.query).order_by(func.count().desc(), SearchLog.query)
                    .limit(REPORT_SPELLINGS_READ))
    everything = _by_search(db.session.execute(per_spelling.where(*conditions)).all(), limit=REPORT_SPELLINGS_READ)
    zero = _by_search(db.session.execute(per_spelling.where(SearchLog.hit_count == 0, *conditions)).all(), limit)
    found = db.session.execute(per_spelling.where(SearchLog.hit_count > 0, *conditions)).all()
    unclicked = [row for row in _by_search(found, REPORT_SPELLINGS_READ) if row[3] == 0][:limit]
    ended = db.session.execute(
        select(SearchLog.query, func.count(func.distinct(SearchLog.id)), func.avg(SearchLog.hit_count),
               literal_column("0"))
        .join(SearchTicket, SearchTicket.token == SearchLog.token).where(*conditions)
        .group_by(SearchLog.query).limit(REPORT_SPELLINGS_READ)).all()
    all_searches = {_same_search(q): n for q, n, _hits, _clicks in everything}
    yes = func.sum(case((ArticleFeedback.helpful.is_(True), 1), else_=0))
    votes = db.session.execute(
        select(ArticleFeedback.article_id, yes, func.count()).group_by(ArticleFeedback.article_id)).all()
    ranked = sorted(votes, key=lambda row: (row[1] / row[2], -row[2]))[:limit]
    articles = {a.id: a for a in db.session.scalars(select(Article).where(Article.id.in_([r[0] for r in ranked])))}
    return EditorReport(
        searches=searches,
        top_queries=[(q, n, round(hits, 1)) for q, n, hits, _clicks in everything[:limit]],
        zero_hit_queries=[(q, n) for q, n, _hits, _clicks in zero],
        unclicked_queries=[(q, n) for q, n, _hits, _clicks in unclicked],
        least_helpful=[(articles[i], int(y or 0), n) for i, y, n in ranked if i in articles],
        ended_in_ticket=[(q, n, max(n, all_searches.get(_same_search(q), 0)))
                         for q, n, _hits, _tickets in _by_search(ended, limit)],
    )


# ---------------------------------------------------------------------------------------------------------------
# Synonyms learnt from the search log


@dataclass
class SynonymSuggestion:
    query: str  # the most used spelling of the search
    article: Article  # the article its searchers went on to open, or a staff reply on their ticket pointed to
    searches: int  # searches that opened it from the results
    average_rank: float  # where the search placed it (0 when nobody opened it from the results)
    tickets: int = 0  # searches that ended in a ticket whose staff reply pointed to it

    @property
    def line(self) -> str:
        """The synonym line that makes the search find the article for these words."""
        return f"{_synonym_phrase(self.query)} => {_synonym_phrase(self.article.title)}"


# A pair is suggested when this many searches opened the article and the search did not place it first, or
# when a staff reply pointed a ticket filed after the search to it (someone who knows the answer chose it).
SUGGESTION_MIN_SEARCHES = 2
SUGGESTION_MIN_RANK = 1.5
SUGGESTION_MIN_TICKETS = 1


def _synonym_phrase(text: str) -> str:
    """Text as one phrase of a synonym line (the list's separators and comment sign removed)."""
    return " ".join(re.sub(r"[,#]|=>", " ", text).split()).lower()


def _pairs_of(rows, pairs: dict[tuple[str, str], list], slot: int) -> None:
    """Add rows of (spelling, article id, searches, rank) to `pairs`, keyed by search and article: the most used
    spelling names the pair; slot 1 counts clicks (slot 2 their ranks summed), slot 3 tickets."""
    for spelling, article_id, searches, rank in rows:
        pair = pairs.setdefault((_same_search(spelling), article_id), [spelling, 0, 0.0, 0, 0])
        if searches > pair[4]:
            pair[0], pair[4] = spelling, searches
        pair[slot] += searches
        if slot == 1:
            pair[2] += float(rank or 0) * searches


def synonym_suggestions(since: datetime | None = None, limit: int = 20) -> list[SynonymSuggestion]:
    """Candidate synonym lines for the editors: searches whose searchers went on to open one article that the
    search ranked below others, and searches that ended in a ticket a staff reply answered with an article
    (spellings the search reads alike count as one search; lines already in the list are left out)."""
    from kb.search import Synonyms
    from kb.search.analysis import EN_STOPWORDS, SV_STOPWORDS, words

    def says_something(query: str) -> bool:  # a line of function words only would fire on every question
        return any(w not in SV_STOPWORDS and w not in EN_STOPWORDS and not w.isdigit()
                   for w in (_same_search(w) for w in words(query)))

    conditions = [SearchLog.created_at >= since] if since else []
    pairs: dict[tuple[str, str], list] = {}
    _pairs_of(db.session.execute(
        select(SearchLog.query, SearchClick.article_id, func.count(func.distinct(SearchLog.id)),
               func.avg(SearchClick.rank))
        .join(SearchClick, SearchClick.search_id == SearchLog.id).where(*conditions)
        .group_by(SearchLog.query, SearchClick.article_id).limit(REPORT_SPELLINGS_READ)).all(), pairs, slot=1)
    _pairs_of(db.session.execute(
        select(SearchLog.query, SearchTicket.answer_article_id, func.count(func.distinct(SearchLog.id)),
               literal_column("0"))
        .join(SearchTicket, SearchTicket.token == SearchLog.token)
        .where(SearchTicket.answer_article_id.is_not(None), *conditions)
        .group_by(SearchLog.query, SearchTicket.answer_article_id).limit(REPORT_SPELLINGS_READ)).all(),
        pairs, slot=3)
    known = {_same_search(source) for rule in Synonyms.from_text(current_synonyms_text()).rules
             for source in rule.sources}

    def learnt(clicks: int, rank_sum: float, tickets: int) -> bool:
        by_clicks = clicks >= SUGGESTION_MIN_SEARCHES and rank_sum / clicks >= SUGGESTION_MIN_RANK
        return by_clicks or tickets >= SUGGESTION_MIN_TICKETS

    wanted = [(spelling, article_id, clicks, rank_sum / clicks if clicks else 0.0, tickets)
              for (key, article_id), (spelling, clicks, rank_sum, tickets, _most) in pairs.items()
              if learnt(clicks, rank_sum, tickets) and key not in known and says_something(spelling)]
    articles = {a.id: a for a in db.session.scalars(select(Article).where(
        Article.id.in_({w[1] for w in wanted}), Article.status == "published"))}
    found = [SynonymSuggestion(spelling, articles[article_id], clicks, round(rank, 1), tickets)
             for spelling, article_id, clicks, rank, tickets in wanted if article_id in articles]
    return sorted(found, key=lambda s: (-(s.searches + s.tickets), s.query, s.article.id))[:limit]


def approve_synonym_suggestion(query: str, article_id: str, by) -> bool:
    """Add a suggested line to the editors' synonym list; False when it is no longer suggested."""
    chosen = next((s for s in synonym_suggestions(limit=REPORT_SPELLINGS_READ)
                   if _same_search(s.query) == _same_search(query) and s.article.id == article_id), None)
    if chosen is None:
        return False
    text = current_synonyms_text().rstrip("\n")
    return not save_synonyms(f"{text}\n{chosen.line}\n", by)


# ---------------------------------------------------------------------------------------------------------------
# Images


class ImageError(ValueError):
    pass


def image_markdown(image: ArticleImage) -> str:
    """The Markdown an editor pastes into an article to show `image`."""
    return f"![Beskriv bilden](/kb/bild/{image.stored_name})"


def image_dir() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / "kb-images"


def store_image(filename: str, content: bytes, by) -> ArticleImage:
    """Keep an uploaded image if its content really is PNG, JPEG, GIF or WebP and not too large."""
    import filetype

    if not content:
        raise ImageError(gettext("Filen är tom."))
    if len(content) > IMAGE_MAX_BYTES:
        raise ImageError(gettext("Bilden är för stor: högst %(size)s MB. Gör den mindre och försök igen.",
                                 size=IMAGE_MAX_BYTES // (1024 * 1024)))
    kind = filetype.guess(content)
    if kind is None or kind.mime not in IMAGE_TYPES:
        raise ImageError(gettext("Filen är ingen bild i formatet PNG, JPEG, GIF eller WebP."))
    stored_name = f"{uuid.uuid4().hex}.{IMAGE_TYPES[kind.mime]}"
    folder = image_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored_name).write_bytes(content)
    image = ArticleImage(stored_name=stored_name, original_name=(filename or "bild")[:255], content_type=kind.mime,
                         size=len(content), uploaded_by_id=getattr(by, "id", None))
    db.session.add(image)
    return image


def image_by_name(stored_name: str) -> ArticleImage | None:
    return db.session.scalar(select(ArticleImage).where(ArticleImage.stored_name == stored_name))


def midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), tzinfo=UTC)
