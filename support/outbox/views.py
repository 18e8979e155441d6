"""Admin pages over the outbox: every mail that went, or would have gone, out; dead letters can be retried."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from support.accounts.notifications import mask_reset_links
from support.blueprint_access import require_for_every_route
from support.extensions import db
from support.outbox.models import OUTBOX_STATES, OutgoingMail
from support.outbox.service import backlog, render_message, retry_dead
from support.paging import newest_first_page
from support.request_input import parse_int

bp = Blueprint("outbox", __name__, url_prefix="/admin/utkorg")
PAGE_SIZE = 50


require_for_every_route(bp, "admin.outbox")


@bp.get("/")
def index():
    state = request.args.get("status", "")
    before = parse_int(request.args.get("fore"), minimum=1)
    statement = select(OutgoingMail)
    if state in OUTBOX_STATES:
        statement = statement.where(OutgoingMail.state == state)
    mails, next_before = newest_first_page(statement, OutgoingMail.id, before=before, size=PAGE_SIZE)
    return render_template("outbox/index.html", mails=mails, state=state, counts=backlog(),
                           next_before=next_before)


@bp.get("/<int:mail_id>")
def detail(mail_id: int):
    mail = db.session.get(OutgoingMail, mail_id) or abort(404)
    # A live reset link would let whoever reads this page take over the account: admins see it masked.
    body_text = mask_reset_links(mail.body_text)
    message = render_message(mail, body_text=body_text)
    return render_template("outbox/detail.html", mail=mail, body_text=body_text, headers=list(message.items()),
                           raw=message.as_string())


@bp.post("/<int:mail_id>/forsok-igen")
def retry(mail_id: int):
    mail = db.session.get(OutgoingMail, mail_id) or abort(404)
    if mail.state != "dead":
        abort(400)
    retry_dead(mail)
    db.session.commit()
    flash(gettext("Meddelandet är lagt i kön igen."), "success")
    return redirect(url_for("outbox.detail", mail_id=mail.id))
