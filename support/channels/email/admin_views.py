"""Admin pages over inbound mail: the quarantine (with the reason), and every logged auto-mail; reprocess or delete."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select

from support.blueprint_access import require_for_every_route
from support.channels.email import service
from support.channels.email.models import INBOUND_STATES, InboundMail
from support.channels.email.parse import parse_mail
from support.extensions import db
from support.paging import newest_first_page
from support.request_input import parse_int

bp = Blueprint("inbound_admin", __name__, url_prefix="/admin/inkommande-epost")
PAGE_SIZE = 50
RAW_PREVIEW_BYTES = 100_000


require_for_every_route(bp, "admin.inbound_mail")


@bp.get("/")
def index():
    state = request.args.get("status", "quarantined")
    state = state if state in INBOUND_STATES else "quarantined"
    before = parse_int(request.args.get("fore"), minimum=1)
    mails, next_before = newest_first_page(select(InboundMail).where(InboundMail.state == state), InboundMail.id,
                                           before=before, size=PAGE_SIZE)
    counts = dict(db.session.execute(select(InboundMail.state, func.count()).group_by(InboundMail.state)).all())
    return render_template("inbound/index.html", mails=mails, state=state, counts=counts,
                           next_before=next_before)


@bp.get("/<int:mail_id>")
def detail(mail_id: int):
    mail = db.session.get(InboundMail, mail_id) or abort(404)
    try:
        text = parse_mail(mail.raw).text
    except Exception:  # noqa: BLE001 - the page shows the raw bytes when the mail cannot be parsed
        text = ""
    raw = mail.raw[:RAW_PREVIEW_BYTES].decode("utf-8", "replace")
    return render_template("inbound/detail.html", mail=mail, text=text, raw=raw,
                           truncated=len(mail.raw) > RAW_PREVIEW_BYTES)


@bp.post("/<int:mail_id>/behandla-igen")
def reprocess(mail_id: int):
    mail = db.session.get(InboundMail, mail_id) or abort(404)
    if mail.state != "quarantined":
        abort(400)
    outcome = service.reprocess(mail)
    if outcome == "quarantined":
        flash(gettext("Meddelandet kunde fortfarande inte behandlas."), "error")
    else:
        flash(gettext("Meddelandet är behandlat."), "success")
    return redirect(url_for("inbound_admin.detail", mail_id=mail_id))


@bp.post("/<int:mail_id>/ta-bort")
def remove(mail_id: int):
    mail = db.session.get(InboundMail, mail_id) or abort(404)
    if mail.state != "quarantined":
        abort(400)
    service.remove(mail)
    db.session.commit()
    flash(gettext("Meddelandet är borttaget."), "success")
    return redirect(url_for("inbound_admin.index"))
