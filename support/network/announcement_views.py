"""Pages of announcements (driftinformation): the public status page and its Atom feed, one page per
announcement, the service desk's forms to publish, change and end them, linking a ticket to an incident, and the
banner every page shows. Each view asks the policy, calls the service and renders."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import NamedTuple

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from wtforms import SelectChoice

from kb.labels import GROUP_SLUGS
from support.extensions import db
from support.network import announcements as service
from support.network import rollout
from support.network.announcement_forms import AnnouncementForm, EndForm, LinkForm, labels
from support.network.announcement_models import Announcement
from support.network.models import STOCKHOLM
from support.orgs.service import school_by_name_or_slug
from support.policy import can
from support.tickets.forms import STAFF_STATE_LABELS
from support.tickets.views import visible_ticket_or_404

log = logging.getLogger(__name__)
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100  # also keeps a typed year 1 or 9999 from overflowing in UTC

bp = Blueprint("announcements", __name__)


def _announcement_or_404(announcement_id: int) -> Announcement:
    found = db.session.get(Announcement, announcement_id)
    if found is None or not can(current_user, "announcement.view", found):
        abort(404)
    return found


def _require_publisher() -> None:
    if not can(current_user, "announcement.publish"):
        abort(404)


# --- the banner on every page -------------------------------------------------------------------------------------

def _chosen_group() -> str | None:
    """The group an anonymous visitor chose on this page ("Jag är vårdnadshavare" …), if any."""
    slug = (request.view_args or {}).get("group_slug") or request.args.get("grupp") or ""
    return GROUP_SLUGS.get(slug)


def announcement_banner() -> list:
    """The active announcements that concern the reader of this page (memoised for the request)."""
    if "announcement_banner" not in g:
        try:
            g.announcement_banner = service.banner_for(current_user, _chosen_group())
        except SQLAlchemyError:  # the error page of a database outage still renders, without the banner
            log.warning("announcement banner left out on %s", request.path, exc_info=True)
            db.session.rollback()
            g.announcement_banner = []
    return g.announcement_banner


@bp.app_context_processor
def banner_helpers():
    return {"announcement_banner": announcement_banner, "announcement_labels": labels()}


class FormIncident(NamedTuple):
    notice: service.Notice
    about_chosen_system: bool


@bp.app_template_global()
def incident_notices(system: str | None = None) -> list[FormIncident]:
    """Active incidents for the new-ticket form of the signed-in person, each marked with whether it is about the
    chosen `system`. The form hides the others but keeps them, so choosing another system shows them at once."""
    if not current_user.is_authenticated:
        return []
    return [FormIncident(notice, service.is_about_system(notice, system or None))
            for notice in service.incidents_for_ticket_form(current_user)]


@bp.app_template_global()
def ticket_announcements(ticket) -> dict:
    """What the staff ticket page shows about announcements: those the ticket is linked to and, for the service
    desk, a form to link it to one that is not over."""
    may_link = can(current_user, "announcement.link_ticket", ticket)
    form = None
    if may_link:
        form = _link_form()
    return {"linked": service.announcements_of_ticket(ticket), "form": form}


def _link_form(formdata=None) -> LinkForm:
    form = LinkForm(formdata=formdata)
    form.announcement.choices = [SelectChoice(str(n.id), f"{labels()['kinds'][n.kind]}: {n.title}")
                                 for n in service.linkable_announcements()]
    return form


# --- public pages -------------------------------------------------------------------------------------------------

@bp.get("/driftinformation")
def status():
    return render_template("network/announcements/status.html", **service.status_page(current_user),
                           may_publish=can(current_user, "announcement.publish"), now=service.utcnow())


@bp.get("/driftinformation.atom")
def feed():
    """An Atom feed of the public announcements; staff-only ones are never in it."""
    entries = service.feed_entries()
    body = render_template("network/announcements/feed.xml", entries=entries,
                           updated=max((entry.updated_at for entry in entries), default=None))
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}


@bp.get("/driftinformation/<int:announcement_id>")
def detail(announcement_id: int):
    announcement = _announcement_or_404(announcement_id)
    may_publish = can(current_user, "announcement.publish", announcement)
    return render_template(
        "network/announcements/detail.html", announcement=announcement, may_publish=may_publish,
        now=service.utcnow(), schools=service.schools_named(announcement.school_ids),
        administrations=[a for a in service.administrations() if a.id in set(announcement.administration_ids)],
        history=service.history(announcement) if may_publish else [],
        linked=service.linked_tickets(announcement) if may_publish else [], state_labels=STAFF_STATE_LABELS)


# --- the service desk's forms -------------------------------------------------------------------------------------

def _to_utc(local: datetime | None) -> datetime | None:
    return local.replace(tzinfo=STOCKHOLM).astimezone(UTC) if local else None


def _to_local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(STOCKHOLM).replace(tzinfo=None, second=0, microsecond=0) if moment else None


def _form(announcement: Announcement | None = None) -> AnnouncementForm:
    form = AnnouncementForm(formdata=request.form if request.method == "POST" else None, obj=None)
    form.administrations.choices = [SelectChoice(str(a.id), a.name) for a in service.administrations()]
    form.waves.choices = [SelectChoice(wave) for wave in rollout.wave_names(announcement.waves if announcement else ())]
    if request.method == "GET":
        if announcement is None:
            form.starts_at.data = _to_local(service.utcnow())
        else:
            for name in ("kind", "title", "body", "severity", "internal", "audiences", "school_forms", "systems",
                         "waves"):
                getattr(form, name).data = getattr(announcement, name)
            form.starts_at.data = _to_local(announcement.starts_at)
            form.ends_at.data = _to_local(announcement.ends_at)
            form.administrations.data = [str(i) for i in announcement.administration_ids]
            form.schools.data = "\n".join(s.name for s in service.schools_named(announcement.school_ids))
    return form


def _fields(form: AnnouncementForm) -> dict | None:
    """The form as service fields; None (with the errors on the form) when a school is not found."""
    school_ids, unknown = [], []
    for line in (form.schools.data or "").splitlines():
        if not line.strip():
            continue
        school = school_by_name_or_slug(line)
        (school_ids.append(school.id) if school else unknown.append(line.strip()[:80]))
    if unknown:
        form.schools.errors = [gettext("Hittar ingen skola som heter: %(names)s", names=", ".join(unknown))]
    for moment in (form.starts_at, form.ends_at):
        if moment.data is not None and not EARLIEST_YEAR <= moment.data.year <= LATEST_YEAR:
            moment.errors = [gettext("Ange ett datum mellan år %(first)s och %(last)s.", first=EARLIEST_YEAR,
                                     last=LATEST_YEAR)]
    if form.schools.errors or form.starts_at.errors or form.ends_at.errors:
        return None
    return {"kind": form.kind.data, "title": form.title.data, "body": form.body.data,
            "severity": form.severity.data, "starts_at": _to_utc(form.starts_at.data),
            "ends_at": _to_utc(form.ends_at.data), "internal": form.internal.data,
            "audiences": form.audiences.data, "school_forms": form.school_forms.data,
            "administration_ids": [int(i) for i in form.administrations.data if i.isdigit()],
            "school_ids": school_ids, "systems": form.systems.data, "waves": form.waves.data}


def _submit(form: AnnouncementForm, announcement: Announcement | None):
    """Publish a new announcement or save the changes; the form again (keeping what was typed) when refused."""
    if request.method == "POST" and form.validate_on_submit():
        fields = _fields(form)
        if fields is not None:
            try:
                if announcement is None:
                    announcement = service.publish(by=current_user, **fields)
                else:
                    service.edit(announcement, by=current_user, **fields)
            except service.AnnouncementError as error:
                db.session.rollback()
                form.form_errors.append(str(error))
            else:
                db.session.commit()
                flash(gettext("Ändringarna är sparade.") if request.endpoint == "announcements.edit"
                      else gettext("Driftinformationen är publicerad."), "success")
                return redirect(url_for("announcements.detail", announcement_id=announcement.id))
    return render_template("network/announcements/form.html", form=form, announcement=announcement), (
        400 if request.method == "POST" else 200)


@bp.route("/driftinformation/ny", methods=["GET", "POST"])
@login_required
def new():
    _require_publisher()
    return _submit(_form(), None)


@bp.route("/driftinformation/<int:announcement_id>/andra", methods=["GET", "POST"])
@login_required
def edit(announcement_id: int):
    _require_publisher()
    announcement = _announcement_or_404(announcement_id)
    return _submit(_form(announcement), announcement)


@bp.route("/driftinformation/<int:announcement_id>/avsluta", methods=["GET", "POST"])
@login_required
def end(announcement_id: int):
    _require_publisher()
    announcement = _announcement_or_404(announcement_id)
    if announcement.resolved_at is not None:
        return redirect(url_for("announcements.detail", announcement_id=announcement.id))
    form = EndForm()
    open_tickets = service.linked_tickets(announcement, open_only=True)
    if form.validate_on_submit():
        try:
            ending = service.end(announcement, by=current_user, note=form.resolution_note.data,
                                 reply=form.reply.data or "")
        except service.AnnouncementError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(gettext("Driftinformationen är avslutad."), "success")
            if ending.answered or ending.not_answered:
                flash(gettext("%(answered)s kopplade ärenden besvarades och markerades som lösta; "
                              "%(left)s kunde inte besvaras.", answered=ending.answered,
                              left=ending.not_answered), "success" if not ending.not_answered else "warning")
            return redirect(url_for("announcements.detail", announcement_id=announcement.id))
    return render_template("network/announcements/end.html", form=form, announcement=announcement,
                           open_tickets=open_tickets), 400 if request.method == "POST" else 200


@bp.post("/arenden/<int:number>/driftinformation")
@login_required
def link_ticket(number: int):
    ticket = visible_ticket_or_404(number, "ticket.view_internal")
    if not can(current_user, "announcement.link_ticket", ticket):
        abort(404)
    form = _link_form(request.form)
    if not form.validate_on_submit():
        flash(gettext("Välj driftinformationen som ärendet hör till."), "error")
        return redirect(url_for("tickets.ticket", number=number))
    announcement = db.session.get(Announcement, int(form.announcement.data))
    try:
        if announcement is None:
            raise service.AnnouncementError(gettext("Driftinformationen finns inte."))
        linked = service.link_ticket(announcement, ticket, by=current_user)
    except service.AnnouncementError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(gettext("Ärendet är kopplat till ”%(title)s”.", title=announcement.title) if linked
              else gettext("Ärendet var redan kopplat."), "success")
    return redirect(url_for("tickets.ticket", number=number))
