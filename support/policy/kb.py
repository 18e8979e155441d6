"""Who may read and edit knowledge-base articles.

Binding rules (DESIGN.md): agents, admins and editors read every article; a superuser reads every public article
plus internal articles written for superusers; anonymous visitors read every public article; a signed-in member
of a user group reads the public articles of their groups. Outside the editor only published articles exist.
The same decision is given three ways: `can(user, "article.read", article)`, an SQL filter
(`visible_articles_filter`) and a search-index filter (`search_filter_for`); tests hold them to each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, or_

from support.policy.actors import groups_of, is_authenticated, roles_of

USER_GROUPS = frozenset({"guardian", "student", "pedagogue", "administrator"})
READ_EVERYTHING_ROLES = frozenset({"agent", "admin", "kb_editor"})
EDITOR_ROLES = frozenset({"kb_editor", "admin"})


@dataclass(frozen=True)
class Readership:
    """What one actor may read: every article, or public articles (of some audiences) plus some internal ones."""

    everything: bool = False
    public_audiences: frozenset[str] | None = None  # None: every public article
    internal_audiences: frozenset[str] = frozenset()  # internal articles whose audiences meet this set

    def may_read(self, visibility: str, audiences) -> bool:
        if self.everything:
            return True
        audiences = set(audiences)
        if visibility == "public":
            return self.public_audiences is None or bool(audiences & self.public_audiences)
        if visibility == "internal":
            return bool(audiences & self.internal_audiences)
        return False


EVERYTHING = Readership(everything=True)
ANONYMOUS = Readership()
SUPERUSER = Readership(public_audiences=None, internal_audiences=frozenset({"superuser"}))
# "support" is the service desk's audience key: reading as the desk is reading as an agent.
READ_EVERYTHING_AUDIENCES = READ_EVERYTHING_ROLES | {"support"}


def readership_of(user) -> Readership:
    if not is_authenticated(user):
        return ANONYMOUS
    roles = roles_of(user)
    if roles & READ_EVERYTHING_ROLES:
        return EVERYTHING
    if "superuser" in roles:
        return SUPERUSER
    groups = groups_of(user) & USER_GROUPS
    if not groups:
        return ANONYMOUS  # signed in without a group: what anyone may read
    return Readership(public_audiences=frozenset(groups))


def readership_for_audience(audience: str | None) -> Readership:
    """Read as a typical member of one audience key (the CLI's --audience; None or 'anonymous': not signed in)."""
    if not audience or audience == "anonymous":
        return ANONYMOUS
    if audience not in READ_EVERYTHING_AUDIENCES | {"superuser"} | USER_GROUPS:
        raise ValueError(f"okänd målgrupp: {audience}")
    return readership_for_audiences([audience])


def readership_for_audiences(audiences) -> Readership:
    """What someone holding all these audience keys (user groups, roles, "support") reads: the same rule as
    `readership_of`, for callers that know keys rather than a person (the search index, benchmarks)."""
    keys = {str(key).strip().lower() for key in audiences if key}
    if keys & READ_EVERYTHING_AUDIENCES:
        return EVERYTHING
    if "superuser" in keys:
        return SUPERUSER
    groups = keys & USER_GROUPS
    return Readership(public_audiences=frozenset(groups)) if groups else ANONYMOUS


def can_edit_articles(user, _obj=None) -> bool:
    return bool(roles_of(user) & EDITOR_ROLES)


def can_browse_internal(user, audience=None) -> bool:
    """Is there a staff landing page (superusers' or the support desk's internal articles) for this person?"""
    readership = readership_of(user)
    return readership.everything or (audience in readership.internal_audiences)


def can_read_article(user, article) -> bool:
    if article is None:
        return False
    if article.status != "published":
        return False
    return readership_of(user).may_read(article.visibility, article.audiences)


def can_see_revisions(user, article) -> bool:
    """Revisions are editor material; readers never see them (a hidden article answers 404 there too)."""
    return can_edit_articles(user)


def sql_filter(readership: Readership):
    """A WHERE clause over kb_articles for what `readership` may read (published only)."""
    from kb.models import Article, ArticleAudience

    def has_audience(audiences):
        return Article.audience_links.any(ArticleAudience.audience.in_(sorted(audiences)))

    published = Article.status == "published"
    if readership.everything:
        return published
    allowed = []
    if readership.public_audiences is None:
        allowed.append(Article.visibility == "public")
    elif readership.public_audiences:
        allowed.append(and_(Article.visibility == "public", has_audience(readership.public_audiences)))
    if readership.internal_audiences:
        allowed.append(and_(Article.visibility == "internal", has_audience(readership.internal_audiences)))
    if not allowed:
        return false()
    return and_(published, or_(*allowed))


def visible_articles_filter(user):
    """SQL filter of the articles `user` may read outside the editor."""
    return sql_filter(readership_of(user))


def index_filter(readership: Readership):
    """The same decision as a filter of the search index (the policy re-checks every hit anyway)."""
    from kb.search.index import VisibilityFilter

    if readership.everything:
        return VisibilityFilter.everything()
    return VisibilityFilter(
        audiences=readership.public_audiences,
        include_internal=bool(readership.internal_audiences),
        internal_audiences=readership.internal_audiences or None,
    )


def index_filter_for_audiences(groups):
    """The index filter of someone holding all these audience keys (tests and benchmarks)."""
    return index_filter(readership_for_audiences(groups))


def index_filter_for_audience(audience: str | None):
    """The index filter of one audience key as in the benchmark (``anonymous``/None = not signed in)."""
    return index_filter(readership_for_audience(audience))


def search_filter_for(user):
    return index_filter(readership_of(user))


RULES = {
    "article.read": can_read_article,
    "article.revisions": can_see_revisions,
    "article.create": can_edit_articles,
    "article.edit": can_edit_articles,
    "article.publish": can_edit_articles,
    "article.archive": can_edit_articles,
    "kb.edit": can_edit_articles,
    "kb.browse_internal": can_browse_internal,
    "kb.report": can_edit_articles,
    "kb.synonyms": can_edit_articles,
    "kb.upload": can_edit_articles,
}
