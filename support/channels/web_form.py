"""The requester's web channel: the new-ticket form with knowledge-base suggestions, and its receipt. The form's
input becomes a `Filing` for the ticket service, which applies every filing rule; "Mina ärenden" and the actions on
a ticket are in support/tickets/requester_views.py.

The form carries an idempotency key, so a double submit creates one ticket. A suggested article opened from the
form is recorded as a deflection until the same form is sent after all (support/channels/deflection.py).
"""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from wtforms import SelectChoice
from wtforms.validators import DataRequired

from kb import recent_searches
from kb import service as kb_service
from kb.models import Article
from support.channels import deflection
from support.extensions import configured_limit, db, limiter
from support.policy import can
from support.request_input import parse_int
from support.tickets import forms, notifications, service
from support.tickets.attachments import AttachmentError
from support.tickets.commands import Filing
from support.tickets.models import MAX_SUBJECT
from support.tickets.views import article_suggestions, limits, uploaded_files, visible_ticket_or_404

bp = Blueprint("web_channel", __name__)
log = logging.getLogger(__name__)


# ----------------------------------------------------------------- the new-ticket form

def _article_for_prefill(article_id: str):
    """The article the requester came from, if it exists and they may read it."""
    if not article_id:
        return None
    article = db.session.get(Article, article_id[:80])
    if article is None or not can(current_user, "article.read", article):
        return None
    return article


def _suggestion_links(text: str, form_key: str) -> list[dict]:
    items = article_suggestions(current_user, text, limit=5) if len(text.strip()) >= 3 else []
    for rank, item in enumerate(items, start=1):
        item["url"] = url_for("web_channel.open_suggestion", article_id=item["id"], nyckel=form_key, q=text[:200],
                              r=rank)
    return items


def _searches_before_filing(subject: str, form_key: str) -> list[str]:
    """The knowledge-base searches that preceded this ticket: this browser session's, then the form's own
    suggestions for the subject (logged as a search now, under the token opening a suggestion used)."""
    try:
        form_search = kb_service.log_form_search(current_user, subject, form_key)
    except Exception:  # a broken search index must not cost the person their ticket
        log.exception("kb: the ticket form's search could not be run; the ticket is filed without it")
        form_search = None
    return [*recent_searches.recent(), *([form_search] if form_search else [])]


def _render_form(form, *, article=None, suggestions=(), suggested=False, status=200):
    return render_template("tickets/new.html", form=form, article=article, suggestions=list(suggestions),
                           suggested=suggested, limits=limits()), status


@bp.route("/arenden/nytt", methods=["GET", "POST"])
@login_required
@limiter.limit(configured_limit("TICKET_CREATE_RATE_LIMIT"), methods=["POST"])
def new_ticket():

    if not can(current_user, "ticket.create"):
        abort(404)
    form = forms.NewTicketForm()
    choices = forms.school_group_choices(current_user)
    form.school.choices = [SelectChoice("", gettext("Välj skola")), *choices] if len(choices) > 1 else choices
    if len(choices) > 1:
        form.school.validators = [DataRequired(gettext("Välj vilken skola frågan gäller."))]
    article = _article_for_prefill(form.article_id.data or request.args.get("artikel", ""))

    if request.method == "GET":
        form.idempotency_key.data = secrets.token_urlsafe(24)
        form.subject.data = (request.args.get("q") or "").strip()[:MAX_SUBJECT]
        if article is not None:
            form.article_id.data = article.id
            form.subject.data = form.subject.data or article.title[:MAX_SUBJECT]
            if article.system in forms.SYSTEM_LABELS:
                form.system.data = article.system
        suggestions = _suggestion_links(form.subject.data, form.idempotency_key.data) if form.subject.data else []
        return _render_form(form, article=article, suggestions=suggestions)

    form.idempotency_key.data = (form.idempotency_key.data or secrets.token_urlsafe(24))[:100]
    if form.suggest.data and not form.send.data:
        # The no-JavaScript step: show suggestions for the subject and keep everything typed so far.
        suggestions = _suggestion_links(form.subject.data or "", form.idempotency_key.data)
        return _render_form(form, article=article, suggestions=suggestions, suggested=True)

    if not form.validate_on_submit():
        return _render_form(form, article=article, status=400)
    school, user_group = forms.school_and_group(form.school.data)
    filing = Filing(channel="web", filed_by=current_user, school=school, user_group=user_group,
                    system=form.system.data, subject=form.subject.data, body=form.body.data,
                    attachments=uploaded_files(), idempotency_key=form.idempotency_key.data,
                    read_article_id=form.article_id.data or None,
                    search_tokens=_searches_before_filing(form.subject.data or "", form.idempotency_key.data))
    try:
        ticket = service.file_ticket(filing)
    except AttachmentError as error:
        db.session.rollback()
        form.attachments.errors = [str(error)]
        return _render_form(form, article=article, status=400)
    except service.TicketError as error:
        db.session.rollback()
        forms.show_service_error(form, error)
        return _render_form(form, article=article, status=400)
    deflection.ticket_sent_anyway(form.idempotency_key.data, ticket.number)
    db.session.commit()
    recent_searches.forget()  # the next ticket does not claim the same searches
    return redirect(url_for("web_channel.receipt", number=ticket.number))


@bp.get("/arenden/nytt/forslag")
@login_required
@limiter.limit("120 per minute")
def suggestions():
    """Knowledge-base suggestions for the subject being typed (used by static/js/tickets.js)."""
    text = (request.args.get("q") or "").strip()[:200]
    form_key = (request.args.get("nyckel") or "")[:100]
    return jsonify(articles=_suggestion_links(text, form_key))


@bp.get("/arenden/nytt/forslag/<article_id>")
@login_required
@limiter.limit(configured_limit("DEFLECTION_RATE_LIMIT"))
def open_suggestion(article_id: str):
    """Open a suggested article and remember it: if the form is never sent, the article answered the question."""
    form_key = (request.args.get("nyckel") or "")[:100]
    article = _article_for_prefill(article_id)
    if article is None:
        abort(404)
    if form_key:
        deflection.record_suggestion_opened(current_user, article.id, request.args.get("q", ""), form_key)
        db.session.commit()
        _log_opened_suggestion(article.id, request.args.get("q", "")[:200], form_key)
    return redirect(f"/kb/artikel/{article.id}")


def _log_opened_suggestion(article_id: str, text: str, form_key: str) -> None:
    """The form's suggestions as a search with this click on one of them, like a click on a search result; the
    session remembers the search for the ticket, if the form is sent after all."""
    rank = parse_int(request.args.get("r"), minimum=1, maximum=100)
    if rank is None:
        return
    token = kb_service.log_form_search(current_user, text, form_key)
    if token is not None:
        kb_service.record_click(token, article_id, rank)
        recent_searches.remember(token)


@bp.get("/arenden/nytt/skickat/<int:number>")
@login_required
def receipt(number: int):

    ticket = visible_ticket_or_404(number)
    return render_template("tickets/receipt.html", ticket=ticket,
                           receipt_mailed=notifications.wants(ticket.requester, "requester_created"))
