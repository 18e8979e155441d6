"""The phone channel: an agent or superuser logs a call as a ticket (channel=phone).

The caller is found by name, e-mail or user id, or entered as a new contact (a passwordless user the service
creates). The form becomes a `Filing` for the ticket service, which decides whom this person may file for, at
which school, and whether the call may be logged as solved on the phone.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from wtforms import SelectChoice

from support.accounts.models import User
from support.accounts.service import people_matching
from support.extensions import configured_limit, db, limiter
from support.orgs.models import School
from support.policy import can
from support.policy.tickets import findable_people
from support.request_input import parse_int
from support.tickets import forms, queues
from support.tickets.commands import Filing
from support.tickets.views import labels

bp = Blueprint("phone", __name__)

MAX_PEOPLE = 20


def find_people(text: str) -> list[User]:
    """People matching a name, e-mail or phone number (however it is typed), or a user id; at most MAX_PEOPLE,
    active accounts first, only people the person logging the call may look up."""
    text = text.strip()
    if not text:
        return []
    conditions = []
    user_id = parse_int(text.lstrip("#"), minimum=1)
    if user_id is not None:
        conditions.append(User.id == user_id)
    matching = people_matching(text)
    if matching is not None:
        conditions.append(matching)
    if not conditions:
        return []
    return list(db.session.scalars(
        select(User).where(or_(*conditions), findable_people(current_user))
        .order_by(User.active.desc(), User.name, User.id).limit(MAX_PEOPLE)))


def findable_person(user_id: str) -> User | None:
    """The chosen caller, only if the person logging the call may look them up."""
    number = parse_int(user_id, minimum=1)
    if number is None:
        return None
    return db.session.scalar(select(User).where(User.id == number, findable_people(current_user)))


def call_school_choices(selected: User | None) -> list[SelectChoice]:
    """The caller's schools (with the group they call as), and the schools of the person logging the call."""
    choices = [SelectChoice("", gettext("Ingen särskild skola"))]
    seen = set()
    if selected is not None:
        for choice in forms.school_group_choices(selected):
            choices.append(choice)
            seen.add(choice.value.partition(":")[0])
    for school_id in sorted(current_user.school_ids_for_role("superuser")):
        if str(school_id) not in seen:
            school = db.session.get(School, school_id)
            if school is not None:
                choices.append(SelectChoice(f"{school.id}:", school.name))
    return choices


# Which of a caller's schools the form proposes: a staff group's school first (that call goes to the school's
# superusers, as the person's own web ticket would), then a guardian's or student's; within a group, the earliest.
PROPOSED_GROUP_ORDER = ("pedagogue", "administrator", "guardian", "student")


def proposed_school(caller: User | None) -> str | None:
    """The school choice (`"<school id>:<group>"`) the call form preselects for `caller`, or None."""
    if caller is None:
        return None
    memberships = [m for m in caller.groups if m.school_id is not None]
    rank = {group: index for index, group in enumerate(PROPOSED_GROUP_ORDER)}
    memberships.sort(key=lambda m: (rank.get(m.group, len(rank)), m.id))
    return f"{memberships[0].school_id}:{memberships[0].group}" if memberships else None


def render_call_form(form: forms.PhoneCallForm, *, person_query: str, people: list[User], selected: User | None,
                     status: int = 200):
    """The call page: the person search, the form, and the caller's open tickets a call can be added to."""
    return render_template(
        "tickets/phone.html", form=form, person_query=person_query, people=people, selected=selected,
        other_tickets=[t for t in queues.requester_open_tickets(selected, limit=20)
                       if can(current_user, "ticket.note", t)][:10]
        if selected is not None else [],
        labels=labels(True),
    ), status


@bp.route("/arbetsyta/samtal", methods=["GET", "POST"])
@limiter.limit(configured_limit("CALL_LOG_RATE_LIMIT"), methods=["POST"])
@login_required
def log_call():
    from support.tickets import routing, service
    from support.tickets.attachments import AttachmentError

    if not can(current_user, "ticket.log_call"):
        abort(404)
    person_query = (request.args.get("person") or "").strip()[:200]
    people = find_people(person_query) if person_query else []
    selected_id = request.form.get("requester_id") or request.args.get("vald") or ""
    selected = findable_person(selected_id)

    form = forms.PhoneCallForm()
    form.school.choices = call_school_choices(selected)
    if request.method == "GET":
        form.idempotency_key.data = secrets.token_urlsafe(24)
        form.school.data = proposed_school(selected) or ""
        if selected is None and person_query and not people and "@" in person_query:
            form.contact_email.data = person_query
    elif form.validate_on_submit():
        school, user_group = forms.school_and_group(form.school.data)
        filing = Filing(
            channel="phone", filed_by=current_user, requester=selected,
            contact_email=None if selected else form.contact_email.data,
            contact_name=form.contact_name.data or "", contact_phone=form.contact_phone.data or "",
            school=school, user_group=user_group, system=form.system.data, priority=form.priority.data,
            subject=form.subject.data, body=form.summary.data,
            idempotency_key=(form.idempotency_key.data or secrets.token_urlsafe(24))[:100],
            resolved_on_call=bool(form.resolved_on_call.data),
        )
        try:
            ticket = service.file_ticket(filing)
        except AttachmentError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        except service.TicketError as error:
            db.session.rollback()
            forms.show_service_error(form, error, {"body": "summary"})
        else:
            db.session.commit()
            if not can(current_user, "ticket.view", ticket):
                # Routing put it in a queue the person who logged it does not work (e.g. the service desk).
                flash(gettext("Samtalet är sparat som ärende %(number)s och har gått till %(queue)s.",
                              number=ticket.display_number, queue=routing.queue_label(ticket)), "success")
                return redirect(url_for("phone.log_call"))
            flash(gettext("Samtalet är sparat som ärende %(number)s.", number=ticket.display_number), "success")
            return redirect(url_for("tickets.ticket", number=ticket.number))
    return render_call_form(form, person_query=person_query, people=people, selected=selected,
                            status=400 if request.method == "POST" else 200)


@bp.post("/arbetsyta/samtal/till/<int:number>")
@limiter.limit(configured_limit("CALL_LOG_RATE_LIMIT"))
@login_required
def add_to_ticket(number: int):
    """The call is about a ticket the caller already has: its summary goes on that ticket, not on a new one."""
    from support.tickets import service

    if not can(current_user, "ticket.log_call"):
        abort(404)
    ticket = service.get_ticket_for(current_user, number, action="ticket.note")
    if ticket is None:
        abort(404)
    call = forms.CallSummaryForm()
    if call.validate_on_submit():
        try:
            service.log_call_on(ticket, by=current_user, summary=call.summary.data,
                                resolve=bool(call.resolved_on_call.data))
        except service.TicketError as error:
            db.session.rollback()
            call.summary.errors = [*call.summary.errors, str(error)]
        else:
            db.session.commit()
            flash(gettext("Samtalet är tillagt i ärende %(number)s.", number=ticket.display_number), "success")
            return redirect(url_for("tickets.ticket", number=ticket.number))
    # Show the call form again with everything typed, and the reason next to the summary.
    selected = findable_person(request.form.get("requester_id") or "")
    form = forms.PhoneCallForm()
    form.school.choices = call_school_choices(selected)
    form.summary.errors = list(call.summary.errors)
    if "csrf_token" in call and call.csrf_token.errors:  # the form went stale; say so as the call form does
        form.csrf_token.errors = list(call.csrf_token.errors)
    person_query = (request.args.get("person") or "").strip()[:200]
    return render_call_form(form, person_query=person_query, people=find_people(person_query) if person_query else [],
                            selected=selected, status=400)
