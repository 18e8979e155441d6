"""The network space's rules: ask, reply, mark the answer, find threads, tell earlier writers about replies, and
turn a good answer into a draft knowledge-base article.

Who may do what is support/policy/space.py; views ask it first and these functions trust their caller. They
never commit (the caller does), so a reply and its outbox mail are one transaction.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext
from sqlalchemy import select

from kb import service as kb
from kb.render import render_markdown
from support.accounts.models import User
from support.database import utcnow
from support.extensions import db
from support.i18n import in_language_of
from support.network.space_models import NetworkPost, NetworkThread
from support.outbox.service import enqueue_mail
from support.paging import newest_first_page
from support.tickets.models import SYSTEMS
from support.tickets.notifications import wants

PAGE_SIZE = 20
MAX_TITLE = 200
MAX_BODY = 20_000
LISTS = ("all", "unanswered", "unsolved", "solved")
NOTIFICATION_CATEGORY = "network_reply"


class SpaceError(ValueError):
    """Input the person can fix; the message is shown to them."""


def _clean_title(title) -> str:
    cleaned = " ".join(str(title or "").split())
    if len(cleaned) < 3:
        raise SpaceError("Skriv en rubrik som sammanfattar frågan.")
    if len(cleaned) > MAX_TITLE:
        raise SpaceError(f"Rubriken får vara högst {MAX_TITLE} tecken.")
    return cleaned


def _clean_body(body, what: str) -> str:
    cleaned = str(body or "").replace("\r\n", "\n").strip()
    if not cleaned:
        raise SpaceError(what)
    if len(cleaned) > MAX_BODY:
        raise SpaceError(f"Texten får vara högst {MAX_BODY} tecken.")
    return cleaned


def _html(body: str) -> str:
    # kb: links go to the article page, which answers 404 to anyone who may not read it, so a link reveals nothing.
    return render_markdown(body, resolve=lambda article_id: f"/kb/artikel/{article_id}").html


def thread_url(thread: NetworkThread) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/natverket/fragor/{thread.id}"


# --- writing ---------------------------------------------------------------------------------------------------

def ask(author: User, *, title: str, body: str, system: str) -> NetworkThread:
    """Start a thread: a question about one system."""
    if system not in SYSTEMS:
        raise SpaceError("Välj vilket system frågan gäller.")
    title = _clean_title(title)
    body = _clean_body(body, "Beskriv frågan.")
    now = utcnow()
    thread = NetworkThread(author=author, author_id=author.id, title=title, body=body, body_html=_html(body),
                           system=system, created_at=now, last_post_at=now,
                           search_text=f"{title}\n{body}".lower())
    db.session.add(thread)
    db.session.flush()
    return thread


def reply(thread: NetworkThread, author: User, body: str) -> NetworkPost:
    """Add a reply; the asker and everyone who replied before hear about it by mail (unless they opted out)."""
    body = _clean_body(body, "Skriv ett svar.")
    now = utcnow()
    post = NetworkPost(thread=thread, author=author, author_id=author.id, body=body, body_html=_html(body),
                       created_at=now)
    db.session.add(post)
    earlier = [thread.author] + [p.author for p in thread.posts if p is not post]
    thread.reply_count = (thread.reply_count or 0) + 1
    thread.last_post_at = now
    thread.search_text = f"{thread.search_text}\n{body.lower()}"
    db.session.flush()
    _notify(thread, post, earlier)
    return post


def _notify(thread: NetworkThread, post: NetworkPost, people) -> int:
    sent, seen = 0, {post.author_id}
    for person in people:
        if person is None or person.id in seen:
            continue
        seen.add(person.id)
        if not wants(person, NOTIFICATION_CATEGORY):
            continue
        with in_language_of(person):
            text = render_template("mail/network/reply.txt", thread=thread, post=post, recipient=person,
                                   url=thread_url(thread))
            subject = gettext("Nytt svar i nätverket: %(title)s", title=thread.title)
        enqueue_mail(person.email, subject, text, category=NOTIFICATION_CATEGORY,
                     headers={"Auto-Submitted": "auto-generated"})
        sent += 1
    return sent


def mark_solved(thread: NetworkThread, post: NetworkPost, *, by: User) -> None:
    """Mark `post` as the thread's answer (a second mark moves it)."""
    if post.thread_id != thread.id:
        raise SpaceError("Svaret hör inte till den här frågan.")
    for other in thread.posts:
        other.is_answer = other.id == post.id
    thread.solved_at = utcnow()
    thread.solved_by_id = by.id
    db.session.flush()


def answer_of(thread: NetworkThread) -> NetworkPost | None:
    return next((post for post in thread.posts if post.is_answer), None)


# --- finding ---------------------------------------------------------------------------------------------------

def threads(*, query: str = "", system: str | None = None, which: str = "all", before: int | None = None,
            size: int = PAGE_SIZE) -> tuple[list[NetworkThread], int | None]:
    """One page of threads, newest question first, matching every word of `query` (title, question or a reply),
    one system and one of LISTS; and the `before` of the next page."""
    statement = select(NetworkThread)
    for word in query.lower().split()[:10]:
        statement = statement.where(NetworkThread.search_text.contains(word, autoescape=True))
    if system in SYSTEMS:
        statement = statement.where(NetworkThread.system == system)
    if which == "unanswered":
        statement = statement.where(NetworkThread.reply_count == 0, NetworkThread.solved_at.is_(None))
    elif which == "unsolved":
        statement = statement.where(NetworkThread.solved_at.is_(None))
    elif which == "solved":
        statement = statement.where(NetworkThread.solved_at.is_not(None))
    return newest_first_page(statement, NetworkThread.id, before=before, size=size)


def unanswered(systems, *, besides: User | None = None, limit: int = 5) -> list[NetworkThread]:
    """The newest questions nobody has answered yet, in `systems` (empty: every system), not asked by `besides`."""
    statement = select(NetworkThread).where(NetworkThread.reply_count == 0, NetworkThread.solved_at.is_(None))
    if systems:
        statement = statement.where(NetworkThread.system.in_(sorted(systems)))
    if besides is not None:
        statement = statement.where(NetworkThread.author_id != besides.id)
    return list(db.session.scalars(statement.order_by(NetworkThread.id.desc()).limit(limit)))


# --- into the knowledge base -----------------------------------------------------------------------------------

def make_draft(thread: NetworkThread, *, by: User, post: NetworkPost | None = None):
    """A draft internal article from the question and an answer (the marked one unless `post` is given), linking
    back to the thread; the editors review it. Returns the article. The caller commits with kb.indexing.commit()."""
    if thread.kb_article_id:
        raise SpaceError("Det finns redan ett artikelutkast från den här frågan.")
    post = post or answer_of(thread)
    if post is None or post.thread_id != thread.id:
        raise SpaceError("Välj vilket svar artikeln ska bygga på.")
    body = render_template("network/article_draft.md", thread=thread, post=post, url=thread_url(thread))
    data = kb.ArticleData(id=kb.propose_article_id(thread.title), title=thread.title, body=body,
                          audiences=["superuser", "support"], visibility="internal", system=thread.system,
                          status="draft")
    article, _changed = kb.save_article(data, by, f"Utkast från nätverkets fråga {thread.id}", create=True)
    thread.kb_article_id = article.id
    db.session.flush()
    return article
