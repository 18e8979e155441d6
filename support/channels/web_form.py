"""The requester's web channel: the new-ticket form with knowledge-base suggestions, the receipt, "Mina ärenden"
and the requester's actions on their own ticket (reply, mark solved, reopen, rate).

The form carries an idempotency key, so a double submit creates one ticket. A suggested article opened from the
form is recorded as a deflection until the same form is sent after all (support/channels/deflection.py).
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from wtforms.validators import DataRequired

from support.channels import deflection
from support.extensions import configured_limit, db, limiter
from support.policy import can
from support.request_input import parse_int
from support.tickets import forms, notifications, service
from support.tickets.attachments import AttachmentError
from support.tickets.models import ACTIVE_STATES, Ticket, TicketParticipant
from support.tickets.views import (
    article_suggestions,
    labels,
    limits,
    render_requester_ticket,
    render_staff_ticket,
    uploaded_files,
    visible_ticket_or_404,
)

bp = Blueprint("web_channel", __name__)

MINE_PAGE_SIZE = 25


# ----------------------------------------------------------------- the new-ticket form

def school_group_choices(user) -> list[tuple[str, str]]:
    """The requester's own schools, each with the group they belong to it as (`"<school id>:<group>"`).

    The group matters for routing: a teacher's question goes to their school's superusers, a guardian's to the
    service desk, so a person who is both picks which hat they wear."""
    seen: dict[str, str] = {}
    for membership in sorted(user.groups, key=lambda m: (m.school.name if m.school else "", m.group)):
        if membership.school is None:
            continue
        key = f"{membership.school.id}:{membership.group}"
        seen[key] = gettext("%(school)s – som %(group)s", school=membership.school.name,
                            group=str(forms.GROUP_LABELS.get(membership.group, membership.group)).lower())
    return list(seen.items())


def _article_for_prefill(article_id: str):
    """The article the requester came from, if it exists and they may read it."""
    if not article_id:
        return None
    try:
        from kb.models import Article
    except ImportError:
        return None
    article = db.session.get(Article, article_id[:80])
    if article is None or not can(current_user, "article.read", article):
        return None
    return article


def _suggestion_links(text: str, form_key: str) -> list[dict]:
    items = article_suggestions(current_user, text, limit=5) if len(text.strip()) >= 3 else []
    for item in items:
        item["url"] = url_for("web_channel.open_suggestion", article_id=item["id"], nyckel=form_key, q=text[:200])
    return items


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
    choices = school_group_choices(current_user)
    form.school.choices = ([("", gettext("Välj skola"))] + choices) if len(choices) > 1 else choices
    if len(choices) > 1:
        form.school.validators = [DataRequired(gettext("Välj vilken skola frågan gäller."))]
    article = _article_for_prefill(form.article_id.data or request.args.get("artikel", ""))

    if request.method == "GET":
        form.idempotency_key.data = secrets.token_urlsafe(24)
        form.subject.data = (request.args.get("q") or "").strip()[: forms.SUBJECT_MAX]
        if article is not None:
            form.article_id.data = article.id
            form.subject.data = form.subject.data or article.title[: forms.SUBJECT_MAX]
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
    body = form.body.data
    if article is not None:
        body += "\n\n" + gettext("(Läste artikeln ”%(title)s” innan ärendet skickades: /kb/artikel/%(id)s)",
                                 title=article.title, id=article.id)
    try:
        ticket = service.create_ticket(
            subject=form.subject.data, body=body, channel="web", requester=current_user, school=school,
            user_group=user_group or None, system=form.system.data, attachments=uploaded_files(),
            created_by=current_user, idempotency_key=form.idempotency_key.data,
        )
    except AttachmentError as error:
        db.session.rollback()
        form.attachments.errors = [str(error)]
        return _render_form(form, article=article, status=400)
    except service.TicketError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _render_form(form, article=article, status=400)
    deflection.ticket_sent_anyway(form.idempotency_key.data, ticket.number)
    db.session.commit()
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
    return redirect(f"/kb/artikel/{article.id}")


@bp.get("/arenden/nytt/skickat/<int:number>")
@login_required
def receipt(number: int):

    ticket = visible_ticket_or_404(number)
    return render_template("tickets/receipt.html", ticket=ticket,
                           receipt_mailed=notifications.wants(ticket.requester, "requester_created"))


# ----------------------------------------------------------------- Mina ärenden

def my_tickets_query(user):
    """The tickets a person asked (or follows after a merge), newest first."""
    followed = select(TicketParticipant.ticket_id).where(TicketParticipant.user_id == user.id)
    return (select(Ticket).where(or_(Ticket.requester_id == user.id, Ticket.id.in_(followed)))
            .order_by(Ticket.id.desc()))


def my_open_tickets(user, limit: int = 100) -> list[Ticket]:
    return list(db.session.scalars(my_tickets_query(user).where(Ticket.state.in_(ACTIVE_STATES)).limit(limit)))


@bp.get("/arenden")
@login_required
def mine():
    if not can(current_user, "ticket.create"):
        abort(404)
    open_tickets = my_open_tickets(current_user)
    query = my_tickets_query(current_user).where(Ticket.state.not_in(ACTIVE_STATES))
    after = parse_int(request.args.get("efter"), minimum=1)
    if after is not None:
        query = query.where(Ticket.id < after)
    done = list(db.session.scalars(query.limit(MINE_PAGE_SIZE + 1)))
    next_after = done[MINE_PAGE_SIZE - 1].id if len(done) > MINE_PAGE_SIZE else None
    return render_template("tickets/mine.html", open_tickets=open_tickets, done_tickets=done[:MINE_PAGE_SIZE],
                           next_after=next_after, labels=labels(False))


# ----------------------------------------------------------------- the requester's actions on a ticket

def _render_ticket(ticket, **kwargs):
    if can(current_user, "ticket.view_internal", ticket):
        return render_staff_ticket(ticket, status=kwargs.get("status", 200))
    return render_requester_ticket(ticket, **kwargs)


@bp.post("/arenden/<int:number>/svara")
@login_required
def reply(number: int):

    ticket = visible_ticket_or_404(number, "ticket.reply")
    form = forms.ReplyForm()
    if not form.validate_on_submit():
        return _render_ticket(ticket, reply_form=form, status=400)
    try:
        service.reply(ticket, author=current_user, body=form.body.data, internal=False, channel="web",
                      attachments=uploaded_files())
    except (service.TicketError, AttachmentError) as error:
        db.session.rollback()
        form.attachments.errors = [str(error)]
        return _render_ticket(visible_ticket_or_404(number), reply_form=form, status=400)
    db.session.commit()
    flash(gettext("Ditt svar är skickat."), "success")
    return redirect(url_for("tickets.ticket", number=number))


@bp.post("/arenden/<int:number>/lost")
@login_required
def resolve(number: int):

    ticket = visible_ticket_or_404(number, "ticket.resolve_own")
    service.requester_resolve(ticket, by=current_user)
    db.session.commit()
    flash(gettext("Ärendet är markerat som löst. Du kan öppna det igen inom %(days)s dagar.",
                  days=service.REOPEN_DAYS), "success")
    return redirect(url_for("tickets.ticket", number=number, _anchor="betyg"))


@bp.post("/arenden/<int:number>/ateroppna")
@login_required
def reopen(number: int):

    ticket = visible_ticket_or_404(number)
    if not can(current_user, "ticket.reopen", ticket):
        flash(gettext("Ärendet kan bara öppnas igen inom %(days)s dagar efter att det löstes. "
                      "Skicka ett nytt ärende i stället.", days=service.REOPEN_DAYS), "error")
        return redirect(url_for("tickets.ticket", number=number))
    service.reopen(ticket, by=current_user)
    db.session.commit()
    flash(gettext("Ärendet är öppnat igen. Skriv gärna vad som fortfarande inte fungerar."), "success")
    return redirect(url_for("tickets.ticket", number=number))


@bp.post("/arenden/<int:number>/betyg")
@login_required
def rate(number: int):

    ticket = visible_ticket_or_404(number, "ticket.rate")
    form = forms.RateForm()
    if not form.validate_on_submit():
        return render_requester_ticket(ticket, rate_form=form, status=400)
    try:
        service.rate(ticket, by=current_user, score=parse_int(form.score.data, minimum=1, maximum=5, default=0), comment=form.comment.data or "")
    except service.TicketError as error:
        db.session.rollback()
        form.score.errors = [str(error)]
        return render_requester_ticket(visible_ticket_or_404(number), rate_form=form, status=400)
    db.session.commit()
    flash(gettext("Tack för ditt betyg!"), "success")
    return redirect(url_for("tickets.ticket", number=number))
