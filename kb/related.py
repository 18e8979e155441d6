"""Related articles, worked out when articles change and stored, so that an article's page only reads them.

An article's related articles are published articles in its language, not its translations, scored by shared tags
(2 each), the same system (1.5) and a shared audience (1), at least 2.5, best first (then by title). The best
`KEPT` are stored for every published article; a reader is shown the first ones they may read
(`kb.service.related_articles` asks the policy), so the stored list holds more than a page shows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select

from kb.models import Article, ArticleAudience, RelatedArticle
from support.extensions import db

KEPT = 20
MIN_SCORE = 2.5
SAME_SYSTEM_AND_AUDIENCE = 2.5  # what an article sharing no tag scores at best


@dataclass
class _Entry:
    id: str
    language: str
    title: str
    system: str
    tags: frozenset[str]
    audiences: set[str] = field(default_factory=set)
    family: set[str] = field(default_factory=set)  # the original and the translations: never related


class _Corpus:
    """The published articles' metadata, with the lookups that find an article's candidates without a scan."""

    def __init__(self):
        rows = db.session.execute(select(Article.id, Article.language, Article.title, Article.system, Article.tags,
                                         Article.translation_of).where(Article.status == "published")).all()
        self.entries = {row.id: _Entry(row.id, row.language, row.title, row.system,
                                       frozenset(str(t).lower() for t in row.tags or [])) for row in rows}
        for row in rows:
            if row.translation_of in self.entries:
                self.entries[row.id].family.add(row.translation_of)
                self.entries[row.translation_of].family.add(row.id)
        audiences = db.session.execute(select(ArticleAudience.article_id, ArticleAudience.audience)
                                       .join(Article).where(Article.status == "published"))
        for article_id, audience in audiences:
            self.entries[article_id].audiences.add(audience)
        self.by_tag: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.by_system: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
        for entry in self.entries.values():
            for tag in entry.tags:
                self.by_tag[(entry.language, tag)].append(entry.id)
            self.by_system[(entry.language, entry.system)].append(entry)
        for members in self.by_system.values():
            members.sort(key=lambda entry: (entry.title, entry.id))

    def score(self, entry: _Entry, other: _Entry) -> float:
        return (2 * len(entry.tags & other.tags) + 1.5 * (entry.system == other.system)
                + bool(entry.audiences & other.audiences))

    def ranked(self, entry: _Entry) -> list[tuple[str, float]]:
        """The best `KEPT` related articles of `entry`, with their scores."""
        sharing = Counter(other for tag in entry.tags for other in self.by_tag[(entry.language, tag)])
        excluded = entry.family | {entry.id}
        scored = []
        for other_id in sharing:
            if other_id in excluded:
                continue
            other = self.entries[other_id]
            score = self.score(entry, other)
            if score >= MIN_SCORE:
                scored.append((-score, other.title, other.id))
        chosen = [(other_id, -negative) for negative, _title, other_id in sorted(scored)[:KEPT]]
        # Sharing no tag, an article reaches the threshold only through the same system and a shared audience;
        # those all score the same and follow every article sharing a tag, by title.
        for other in self.by_system[(entry.language, entry.system)]:
            if len(chosen) >= KEPT:
                break
            if other.id not in sharing and other.id not in excluded and entry.audiences & other.audiences:
                chosen.append((other.id, SAME_SYSTEM_AND_AUDIENCE))
        return chosen

    def candidates(self, entry: _Entry) -> set[str]:
        """Articles whose related list `entry` could enter."""
        found = {other for tag in entry.tags for other in self.by_tag[(entry.language, tag)]}
        found.update(other.id for other in self.by_system[(entry.language, entry.system)]
                     if entry.audiences & other.audiences)
        found.discard(entry.id)
        return found


def refresh(changed: Iterable[str] | None = None) -> int:
    """Bring the stored related articles up to date after `changed` articles changed (None: all of them).
    Returns how many lists were worked out; the caller commits."""
    corpus = _Corpus()
    if changed is None:
        db.session.execute(delete(RelatedArticle))
        return _store(corpus, list(corpus.entries))
    changed = set(changed)
    again = set(changed) | set(db.session.scalars(
        select(RelatedArticle.article_id).where(RelatedArticle.related_id.in_(sorted(changed)))))
    for article_id in changed & set(corpus.entries):
        entry = corpus.entries[article_id]
        candidates = sorted(corpus.candidates(entry) - again)
        lists = defaultdict(list)
        for chunk in range(0, len(candidates), 500):
            for row in db.session.execute(select(RelatedArticle.article_id, RelatedArticle.score)
                                          .where(RelatedArticle.article_id.in_(candidates[chunk:chunk + 500]))):
                lists[row.article_id].append(row.score)
        for other_id in candidates:
            scores = lists.get(other_id, [])
            threshold = min(scores) if len(scores) >= KEPT else MIN_SCORE
            if corpus.score(corpus.entries[other_id], entry) >= threshold:
                again.add(other_id)
    db.session.execute(delete(RelatedArticle).where(RelatedArticle.article_id.in_(sorted(again))))
    return _store(corpus, [article_id for article_id in again if article_id in corpus.entries])


def _store(corpus: _Corpus, article_ids: list[str]) -> int:
    rows = [{"article_id": article_id, "position": position, "related_id": other_id, "score": score}
            for article_id in article_ids
            for position, (other_id, score) in enumerate(corpus.ranked(corpus.entries[article_id]), start=1)]
    for chunk in range(0, len(rows), 5000):
        db.session.execute(insert(RelatedArticle), rows[chunk:chunk + 5000])
    return len(article_ids)


def is_empty() -> bool:
    return db.session.scalar(select(RelatedArticle.article_id).limit(1)) is None
