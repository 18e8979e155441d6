"""The JSON API under /api/v1: tickets (list, create, read, reply).

Authentication: the session cookie, or a personal token in `Authorization: Bearer …` (issued on the profile page).
Token requests are CSRF-exempt; cookie requests that change something need the CSRF token in an `X-CSRFToken`
header, like the pages. Every endpoint asks the same policy as the pages; a ticket the caller may not see answers
404, exactly like a ticket that does not exist. Input is validated by the schemas in api_schemas.py (published at
/api/v1/openapi.json); errors are JSON: `{"error": "<code>", "message": "<Swedish text>"}` (+ `fields`).
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext
from flask_login import current_user

from support.channels.api_schemas import (
    IdempotencyHeader,
    MessageOut,
    NewMessage,
    NewTicket,
    TicketDetailOut,
    TicketListOut,
    TicketListQuery,
    TicketNumberPath,
    TicketOut,
)
from support.extensions import configured_limit, csrf, db, limiter
from support.jsonapi import ApiError, field_error, parse_body, parse_headers, parse_query
from support.openapi import Operation, documented
from support.orgs.service import school_by_slug
from support.policy import can
from support.policy.tickets import hidden_ticket_fields
from support.tickets import queues, service
from support.tickets import search as ticket_search
from support.tickets.attachments import AttachmentError
from support.tickets.commands import Filing
from support.tickets.notifications import ticket_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # checked below for cookie-authenticated requests only

TICKET_NUMBER = "<int(min=1, max=2147483647):number>"


@bp.before_request
def _authenticate_and_check_csrf():
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", gettext("Logga in eller skicka en personlig API-nyckel "
                                                    "(Authorization: Bearer …)."))
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if unsafe and not g.get("api_token_auth") and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def ticket_json(ticket, viewer, *, full: bool = False) -> dict:
    """The one representation of a ticket: everything, minus what the policy hides from this viewer."""
    hidden = hidden_ticket_fields(viewer, ticket)
    requester = {"name": ticket.requester.name, "email": ticket.requester.email}
    if "requester.email" in hidden:
        del requester["email"]
    data = {
        "number": ticket.number,
        "display_number": ticket.display_number,
        "subject": ticket.subject,
        "state": ticket.state,
        "priority": ticket.priority,
        "tier": ticket.tier,
        "channel": ticket.channel,
        "system": ticket.system,
        "school": ticket.school.slug if ticket.school else None,
        "requester": requester,
        "assignee": service.staff_name_for(ticket.assignee, ticket, viewer) if ticket.assignee else None,
        "tags": ticket.tags,
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "first_response_due": ticket.first_response_due.isoformat(),
        "resolution_due": ticket.resolution_due.isoformat(),
        "merged_into": ticket.merged_into.number if ticket.merged_into else None,
        "url": ticket_url(ticket),
        "flags": sorted(ticket.flags or []),
        "first_response_breached": ticket.first_response_breached,
        "resolution_breached": ticket.resolution_breached,
    }
    if full:
        data["messages"] = [message_json(m, ticket, viewer) for m in service.visible_messages(ticket, viewer)]
        data["attachments"] = [
            {"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type,
             "url": f"/arenden/{ticket.number}/bilagor/{a.id}"}
            for a in service.visible_attachments(ticket, viewer) if not a.is_dangerous
        ]
        if ticket.rating_score:
            data["rating"] = {"score": ticket.rating_score, "comment": ticket.rating_comment}
    shown = {name: value for name, value in data.items() if name not in hidden}
    return (TicketDetailOut if full else TicketOut).model_validate(shown).model_dump(mode="json",
                                                                                    exclude_unset=True)


def message_json(message, ticket, viewer) -> dict:
    return {"id": message.id, "kind": message.kind, "channel": message.channel,
            "author": service.staff_name_for(message.author, ticket, viewer) if message.author else None,
            "body": message.body,
            "created_at": message.created_at.isoformat()}


@bp.get("/tickets")
@documented(Operation(summary="The caller's tickets, a staff queue, or a search", query=TicketListQuery,
                      success=TicketListOut, tags=("tickets",)))
def list_tickets():
    """The caller's tickets: `?queue=<key>` for staff queues, `?q=` to search, else their own ("Mina ärenden")."""
    user = current_user._get_current_object()
    args = parse_query(TicketListQuery)
    filters = queues.QueueFilters(state=args.state, priority=args.priority, system=args.system,
                                  school_id=args.school, channel=args.channel, tag=args.tag)
    try:
        if args.q:
            rows, next_cursor = ticket_search.search_tickets(user, args.q.strip(), cursor=args.cursor,
                                                             limit=args.limit, filters=filters)
        elif args.queue:
            page = queues.list_queue(user, args.queue.strip(), filters=filters, sort=args.sort,
                                     cursor=args.cursor, limit=args.limit)
            rows, next_cursor = page.tickets, page.next_cursor
        else:
            rows, next_cursor = queues.my_tickets(user, cursor=args.cursor, limit=args.limit)
    except queues.QueueError as error:
        raise ApiError(400, "invalid_parameter", str(error)) from error
    return jsonify(tickets=[ticket_json(t, user) for t in rows], next_cursor=next_cursor)


@bp.post("/tickets")
@limiter.limit(configured_limit("TICKET_CREATE_RATE_LIMIT"))
@documented(Operation(
    summary="Create a ticket", body=NewTicket, headers=IdempotencyHeader, success=TicketDetailOut, status=201,
    errors=(403,), tags=("tickets",),
    description="As the caller (channel `api`). Staff who may log calls can pass `requester_email`; only staff "
                "may choose `priority` (requesters may send `normal`) and `tags`. The same idempotency key from "
                "the same caller returns the first ticket, whichever channel it came through."))
def create_ticket():
    """Create a ticket as the caller (channel "api"). Send the same `Idempotency-Key` header (or
    `idempotency_key`) again and you get the same ticket back."""
    user = current_user._get_current_object()
    if not can(user, "ticket.create"):
        raise ApiError(403, "forbidden", gettext("Du kan inte skapa ärenden."))
    data = parse_body(NewTicket)
    key = parse_headers(IdempotencyHeader).idempotency_key or data.idempotency_key
    school = None
    if data.school:
        school = school_by_slug(data.school)
        if school is None:
            raise field_error("school", gettext("Okänd skola."))
    filing = Filing(
        channel="api", filed_by=user, contact_email=data.requester_email, contact_name=data.requester_name or "",
        school=school, system=data.system, school_form=data.school_form, priority=data.priority,
        tags=tuple(data.tags or ()), subject=data.subject, body=data.body, idempotency_key=key,
        search_tokens=tuple(data.search_ids or ()),
    )
    try:
        ticket = service.file_ticket(filing)
    except (service.TicketError, AttachmentError) as error:
        db.session.rollback()
        raise _filing_error(error) from error
    db.session.commit()
    return jsonify(ticket_json(ticket, user, full=True)), 201


_API_FIELD_NAMES = {"contact_email": "requester_email"}


def _filing_error(error) -> ApiError:
    """A service refusal as JSON: on the field it is about, else 403 for what the policy refuses, else 400."""
    field = getattr(error, "field", None)
    if field:
        return ApiError(400, "validation", gettext("Kontrollera uppgifterna och försök igen."),
                        {_API_FIELD_NAMES.get(field, field): str(error)})
    if isinstance(error, service.NotAllowed):
        return ApiError(403, "forbidden", str(error))
    return ApiError(400, "invalid", str(error))


def _visible_ticket(number: int, action: str = "ticket.view"):
    ticket = service.get_ticket_for(current_user._get_current_object(), number, action=action, via="api")
    if ticket is None:
        raise ApiError(404, "not_found", gettext("Ärendet finns inte."))
    return ticket


@bp.get(f"/tickets/{TICKET_NUMBER}")
@documented(Operation(summary="One ticket with the messages and attachments the caller may see",
                      path=TicketNumberPath, success=TicketDetailOut, tags=("tickets",)))
def get_ticket(number: int):
    """One ticket with the messages and attachments the caller may see."""
    ticket = _visible_ticket(number)
    db.session.commit()  # the administrator's access log
    return jsonify(ticket_json(ticket, current_user._get_current_object(), full=True))


@bp.post(f"/tickets/{TICKET_NUMBER}/messages")
@documented(Operation(summary="Reply, or (staff) add an internal note", path=TicketNumberPath, body=NewMessage,
                      success=MessageOut, status=201, errors=(403,), tags=("tickets",)))
def add_message(number: int):
    """Reply (`{"body": …}`) or, for staff, add an internal note (`{"body": …, "internal": true}`)."""
    user = current_user._get_current_object()
    ticket = _visible_ticket(number)
    data = parse_body(NewMessage)
    if not can(user, "ticket.note" if data.internal else "ticket.reply", ticket):
        raise ApiError(403, "forbidden", gettext("Du kan inte skriva i det här ärendet."))
    try:
        message = service.reply(ticket, author=user, body=data.body, internal=data.internal, channel="api")
    except (service.TicketError, AttachmentError) as error:
        db.session.rollback()
        raise ApiError(400, "invalid", str(error)) from error
    db.session.commit()
    return jsonify(MessageOut.model_validate(message_json(message, ticket, user)).model_dump(mode="json")), 201
