"""The JSON API under /api/v1: tickets (list, create, read, reply).

Authentication: the session cookie, or a personal token in `Authorization: Bearer …` (issued on the profile page).
Token requests are CSRF-exempt; cookie requests that change something need the CSRF token in an `X-CSRFToken`
header, like the pages. Every endpoint asks the same policy as the pages; a ticket the caller may not see answers
404, exactly like a ticket that does not exist. Errors are JSON: `{"error": "<code>", "message": "<Swedish text>"}`.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_login import current_user

from support.extensions import csrf, db
from support.orgs.service import school_by_slug
from support.policy import can
from support.tickets import queues, service
from support.tickets import search as ticket_search
from support.tickets.attachments import AttachmentError
from support.tickets.notifications import ticket_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # checked below for cookie-authenticated requests only

MAX_LIMIT = 100


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return jsonify(error=error.code, message=error.message), error.status


@bp.before_request
def _authenticate_and_check_csrf():
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "Logga in eller skicka en personlig API-nyckel "
                                            "(Authorization: Bearer …).")
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if unsafe and not g.get("api_token_auth") and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "Skicka ett JSON-objekt (Content-Type: application/json).")
    return data


def _limit() -> int:
    try:
        return min(max(int(request.args.get("limit", 50)), 1), MAX_LIMIT)
    except ValueError as error:
        raise ApiError(400, "invalid_limit", "limit måste vara ett heltal mellan 1 och 100.") from error


def ticket_json(ticket, viewer, *, full: bool = False) -> dict:
    """A ticket as the viewer may see it (internal notes and staff fields only for staff)."""
    staff = can(viewer, "ticket.view_internal", ticket)
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
        "requester": {"name": ticket.requester.name, "email": ticket.requester.email}
        if staff or ticket.requester_id == viewer.id else {"name": ticket.requester.name},
        "assignee": service.staff_name_for(ticket.assignee, ticket, viewer) if ticket.assignee else None,
        "tags": ticket.tags,
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "first_response_due": ticket.first_response_due.isoformat(),
        "resolution_due": ticket.resolution_due.isoformat(),
        "merged_into": ticket.merged_into.number if ticket.merged_into else None,
        "url": ticket_url(ticket),
    }
    if staff:
        data["flags"] = sorted(ticket.flags or [])
        data["first_response_breached"] = ticket.first_response_breached
        data["resolution_breached"] = ticket.resolution_breached
    if full:
        data["messages"] = [message_json(m, ticket, viewer) for m in service.visible_messages(ticket, viewer)]
        data["attachments"] = [
            {"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type,
             "url": f"/arenden/{ticket.number}/bilagor/{a.id}"}
            for a in service.visible_attachments(ticket, viewer) if not a.is_dangerous
        ]
        if ticket.rating_score and (staff or ticket.requester_id == viewer.id):
            data["rating"] = {"score": ticket.rating_score, "comment": ticket.rating_comment}
    return data


def message_json(message, ticket, viewer) -> dict:
    return {"id": message.id, "kind": message.kind, "channel": message.channel,
            "author": service.staff_name_for(message.author, ticket, viewer) if message.author else None,
            "body": message.body,
            "created_at": message.created_at.isoformat()}


@bp.get("/tickets")
def list_tickets():
    """The caller's tickets: `?queue=<key>` for staff queues, `?q=` to search, else their own ("Mina ärenden")."""
    user = current_user._get_current_object()
    cursor = request.args.get("cursor") or None
    try:
        filters = queues.QueueFilters.from_args(request.args)
        query = (request.args.get("q") or "").strip()
        queue = (request.args.get("queue") or "").strip()
        if query:
            rows, next_cursor = ticket_search.search_tickets(user, query, cursor=cursor, limit=_limit(),
                                                             filters=filters)
        elif queue:
            page = queues.list_queue(user, queue, filters=filters, sort=request.args.get("sort", "due"),
                                     cursor=cursor, limit=_limit())
            rows, next_cursor = page.tickets, page.next_cursor
        else:
            rows, next_cursor = queues.my_tickets(user, cursor=cursor, limit=_limit())
    except queues.QueueError as error:
        raise ApiError(400, "invalid_parameter", str(error)) from error
    return jsonify(tickets=[ticket_json(t, user) for t in rows], next_cursor=next_cursor)


@bp.post("/tickets")
def create_ticket():
    """Create a ticket as the caller (channel "api"). Staff who may log calls can pass `requester_email`.
    Send the same `Idempotency-Key` header (or `idempotency_key`) again and you get the same ticket back."""
    user = current_user._get_current_object()
    if not can(user, "ticket.create"):
        raise ApiError(403, "forbidden", "Du kan inte skapa ärenden.")
    data = _json_body()
    school = None
    if data.get("school"):
        school = school_by_slug(str(data["school"]))
        if school is None:
            raise ApiError(400, "invalid_school", "Okänd skola.")
    requester, contact_email = user, None
    if data.get("requester_email") and data["requester_email"] != user.email:
        if not can(user, "ticket.log_call"):
            raise ApiError(403, "forbidden", "Du kan bara skapa ärenden för dig själv.")
        requester, contact_email = None, str(data["requester_email"])
    key = request.headers.get("Idempotency-Key") or data.get("idempotency_key")
    try:
        ticket = service.create_ticket(
            subject=str(data.get("subject") or ""), body=str(data.get("body") or ""), channel="api",
            requester=requester, contact_email=contact_email, contact_name=str(data.get("requester_name") or ""),
            school=school, system=data.get("system") or "general", school_form=data.get("school_form"),
            priority=data.get("priority") or "normal", created_by=user,
            idempotency_key=f"api:{user.id}:{key}" if key else None,
        )
    except (service.TicketError, AttachmentError) as error:
        db.session.rollback()
        raise ApiError(400, "invalid", str(error)) from error
    db.session.commit()
    return jsonify(ticket_json(ticket, user, full=True)), 201


def _visible_ticket(number: int, action: str = "ticket.view"):
    ticket = service.get_ticket_for(current_user._get_current_object(), number, action=action, via="api")
    if ticket is None:
        raise ApiError(404, "not_found", "Ärendet finns inte.")
    return ticket


@bp.get("/tickets/<int:number>")
def get_ticket(number: int):
    """One ticket with the messages and attachments the caller may see."""
    ticket = _visible_ticket(number)
    db.session.commit()  # the administrator's access log
    return jsonify(ticket_json(ticket, current_user._get_current_object(), full=True))


@bp.post("/tickets/<int:number>/messages")
def add_message(number: int):
    """Reply (`{"body": …}`) or, for staff, add an internal note (`{"body": …, "internal": true}`)."""
    user = current_user._get_current_object()
    ticket = _visible_ticket(number)
    data = _json_body()
    internal = bool(data.get("internal"))
    if not can(user, "ticket.note" if internal else "ticket.reply", ticket):
        raise ApiError(403, "forbidden", "Du kan inte skriva i det här ärendet.")
    try:
        message = service.reply(ticket, author=user, body=str(data.get("body") or ""), internal=internal,
                                channel="api")
    except (service.TicketError, AttachmentError) as error:
        db.session.rollback()
        raise ApiError(400, "invalid", str(error)) from error
    db.session.commit()
    return jsonify(message_json(message, ticket, user)), 201
