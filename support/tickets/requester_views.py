"""The requester's pages: "Mina ärenden" and the actions on one's own ticket (mark solved, reopen, rate). Replies
go through the one reply route of support/tickets/views.py; the new-ticket form is the web channel's."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from support.extensions import db
from support.policy import can
from support.request_input import parse_int
from support.tickets import forms, queues, service
from support.tickets.models import ACTIVE_STATES, Ticket
from support.tickets.views import labels, render_requester_ticket, visible_ticket_or_404

bp = Blueprint("requester", __name__)

MINE_PAGE_SIZE = 25


@bp.get("/arenden")
@login_required
def mine():
    """Open tickets first, then the finished ones a page at a time (the same list as GET /api/v1/tickets)."""
    if not can(current_user, "ticket.create"):
        abort(404)
    open_tickets = queues.requester_open_tickets(current_user)
    query = queues.requester_tickets(current_user).where(Ticket.state.not_in(ACTIVE_STATES))
    after = parse_int(request.args.get("efter"), minimum=1)
    if after is not None:
        query = query.where(Ticket.id < after)
    done = list(db.session.scalars(query.order_by(Ticket.id.desc()).limit(MINE_PAGE_SIZE + 1)))
    next_after = done[MINE_PAGE_SIZE - 1].id if len(done) > MINE_PAGE_SIZE else None
    return render_template("tickets/mine.html", open_tickets=open_tickets, done_tickets=done[:MINE_PAGE_SIZE],
                           next_after=next_after, labels=labels(False))


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
        service.rate(ticket, by=current_user, score=parse_int(form.score.data, minimum=1, maximum=5, default=0),
                     comment=form.comment.data or "")
    except service.TicketError as error:
        db.session.rollback()
        form.score.errors = [str(error)]
        return render_requester_ticket(visible_ticket_or_404(number), rate_form=form, status=400)
    db.session.commit()
    flash(gettext("Tack för ditt betyg!"), "success")
    return redirect(url_for("tickets.ticket", number=number))
