"""Ticket pages: `/arenden/<number>` for everyone who may see the ticket, attachments, and the support workspace.

Views parse the request, ask the policy, call `support.tickets.service` and render. A ticket someone may not see
answers 404 on every page and action, so its existence is not revealed.
"""

from __future__ import annotations

import re

import markdown
import nh3
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import SelectChoice

from support.accounts.models import User
from support.database import utcnow
from support.extensions import db
from support.orgs.models import School
from support.policy import can
from support.request_input import parse_int
from support.tickets import canned, forms, notifications, queues, routing, search, service
from support.tickets.attachments import MAX_FILES_PER_MESSAGE, AttachmentError, from_upload
from support.tickets.attachments import download_attachment as send_attachment
from support.tickets.models import (
    PRIORITIES,
    STATES,
    SYSTEMS,
    Attachment,
    CannedResponse,
    Ticket,
    TicketEvent,
)
from support.tickets.personal_numbers import mask_personal_numbers

bp = Blueprint("tickets", __name__)

PAGE_SIZE = 50
_ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "code", "pre", "blockquote", "h3",
                 "h4", "hr", "table", "thead", "tbody", "tr", "th", "td", "del"}


# ----------------------------------------------------------------- presentation helpers shared by the templates

def labels(staff: bool) -> dict:
    return {
        "states": forms.STAFF_STATE_LABELS if staff else forms.STATE_LABELS,
        "priorities": forms.PRIORITY_LABELS,
        "systems": forms.SYSTEM_LABELS,
        "channels": forms.CHANNEL_LABELS,
        "tiers": forms.TIER_LABELS,
        "groups": forms.GROUP_LABELS,
    }


@bp.app_template_filter("mask")
def mask_filter(text: str | None) -> str:
    """Personal identity numbers never reach a screen in full."""
    return mask_personal_numbers(text or "")


@bp.app_template_filter("message_html")
def message_html(message) -> Markup:
    """Web messages are Markdown, rendered and sanitised; e-mail and phone text is shown escaped as written."""
    body = mask_personal_numbers(message.body or "")
    if message.body_format == "markdown":
        html = markdown.markdown(body, extensions=["sane_lists"], output_format="html")
        return Markup(nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}},  # noqa: S704 - nh3 sanitises
                                link_rel="noopener noreferrer nofollow", url_schemes={"http", "https", "mailto"}))
    return Markup('<p class="message-plain">') + escape(body) + Markup("</p>")


@bp.app_context_processor
def ticket_template_helpers():
    return {"ticket_home_context": home_context, "ticket_notification_preferences": notification_preferences}


def home_context() -> dict:
    """What the signed-in start page shows about tickets (templates/tickets/_home.html)."""
    user = current_user
    context = {"workspace": [], "can_create": False, "open_tickets": [], "state_labels": forms.STATE_LABELS}
    if not getattr(user, "is_authenticated", False):
        return context
    if can(user, "ticket.workspace"):
        context["workspace"] = [item for item in queue_menu(user) if item["key"] in HOME_QUEUES]
    if can(user, "ticket.create"):
        context["can_create"] = True
        context["open_tickets"] = queues.requester_open_tickets(user, limit=5)
    return context


def notification_preferences() -> list:
    if not getattr(current_user, "is_authenticated", False):
        return []

    return notifications.preferences_for(current_user)


def limits() -> dict:
    config = current_app.config
    return {"file_mb": config["ATTACHMENT_MAX_FILE_BYTES"] // (1024 * 1024),
            "total_mb": config["ATTACHMENT_MAX_TICKET_BYTES"] // (1024 * 1024),
            "files": MAX_FILES_PER_MESSAGE}


def uploaded_files(field_name: str = "attachments") -> list:

    return [f for f in (from_upload(storage) for storage in request.files.getlist(field_name)) if f is not None]


# ----------------------------------------------------------------- finding a ticket (404 when hidden)

def visible_ticket_or_404(number: int, action: str = "ticket.view") -> Ticket:
    """The ticket if the signed-in person may do `action` to it; 404 otherwise, so nothing is revealed.
    An administrator's access is written to the audit log by the service."""

    ticket = service.get_ticket_for(current_user, number, action=action)
    if ticket is None:
        abort(404)
    return ticket


def is_staff_view(ticket: Ticket) -> bool:
    return can(current_user, "ticket.view_internal", ticket)


def requester_author_name(ticket: Ticket):
    """How a requester sees message authors: themselves as "Du", staff by name or, if configured, by team."""

    def name(message) -> str:
        author = message.author
        if author is None:
            return gettext("Servicedesk")
        if author.id == current_user.id:
            return gettext("Du")
        if author.id == ticket.requester_id or any(p.id == author.id for p in ticket.participants):
            return author.name
        shown = service.staff_name_for(author, ticket, current_user)
        if shown != author.name:
            return shown
        return gettext("%(name)s, support", name=author.name)

    return name


def staff_author_name(ticket: Ticket):
    def name(message) -> str:
        author = message.author
        if author is None:
            return gettext("Systemet")
        if author.id == ticket.requester_id:
            return gettext("%(name)s (frågeställare)", name=author.name)
        return author.name

    return name


EVENT_TEXTS = {
    "created": _l("skapade ärendet"),
    "state": _l("ändrade status"),
    "priority": _l("ändrade prioritet"),
    "assignee": _l("ändrade handläggare"),
    "tier": _l("ändrade nivå"),
    "school": _l("ändrade skola"),
    "escalated": _l("eskalerade"),
    "deescalated": _l("skickade tillbaka till skolan"),
    "merged": _l("slog ihop ett ärende hit"),
    "merged_into": _l("slog ihop med ett annat ärende"),
    "reply": _l("svarade"),
    "note": _l("skrev en intern anteckning"),
    "tags": _l("ändrade taggar"),
    "rated": _l("betygsatte hjälpen"),
    "reopened": _l("öppnade igen"),
    "sla_breach": _l("SLA-tiden passerades"),
    "auto_closed": _l("stängdes automatiskt"),
    "attachment": _l("bifogade en fil"),
    "participant": _l("lade till en deltagare"),
}


# Events store a tier as its number ("2"); the history names it ("Nivå 2 – Servicedesk").
_TIER_VALUE_LABELS = {str(tier): label for tier, label in forms.TIER_LABELS.items()}
_EVENT_VALUE_LABELS = {
    "state": forms.STAFF_STATE_LABELS,
    "reopened": forms.STAFF_STATE_LABELS,
    "priority": forms.PRIORITY_LABELS,
    "created": forms.CHANNEL_LABELS,
    "tier": _TIER_VALUE_LABELS,
    "escalated": _TIER_VALUE_LABELS,
    "deescalated": _TIER_VALUE_LABELS,
}


# What the service itself writes into an event's detail: kept in Swedish with the history, read in the reader's
# language ("Web (Tier 1 – the school's superusers)", not "Web (Nivå 1)").
_FILED_AT_TIER = re.compile(r"Nivå (?P<tier>[123])(?P<fell_back> \(skolan saknar aktiv superanvändare\))?")
_SERVICE_DETAILS = {
    "Löst under samtalet": _l("Löst under samtalet"),
    "Markerat som löst av frågeställaren": _l("Markerat som löst av frågeställaren"),
}


def event_detail(event) -> str:
    """An event's detail in the reader's language when the service wrote it, else as the person wrote it."""
    detail = event.detail or ""
    match = _FILED_AT_TIER.fullmatch(detail) if event.kind == "created" else None
    if match:
        tier = str(forms.TIER_LABELS[int(match["tier"])])
        return gettext("%(tier)s; skolan saknar aktiv superanvändare", tier=tier) if match["fell_back"] else tier
    return str(_SERVICE_DETAILS.get(detail, detail))


def event_text(event) -> str:
    """One history line in Swedish, with state, priority and channel keys shown as their labels."""
    text = str(EVENT_TEXTS.get(event.kind, event.kind))
    names = _EVENT_VALUE_LABELS.get(event.kind, {})

    def shown(value: str) -> str:
        return str(names.get(value, value)) if value else "–"

    if event.old_value:
        text += f": {shown(event.old_value)} → {shown(event.new_value)}"
    elif event.new_value:
        text += f": {shown(event.new_value)}"
    return text


# ----------------------------------------------------------------- the ticket page

@bp.get("/arenden/<int:number>")
@login_required
def ticket(number: int):
    ticket = visible_ticket_or_404(number)
    if is_staff_view(ticket):
        return render_staff_ticket(ticket)
    return render_requester_ticket(ticket)


def render_requester_ticket(ticket: Ticket, *, reply_form=None, rate_form=None, status: int = 200):

    if reply_form is None and can(current_user, "ticket.reply", ticket):
        reply_form = forms.ReplyForm(formdata=None)
    if rate_form is None and ticket.rating_score is None and can(current_user, "ticket.rate", ticket):
        rate_form = forms.RateForm(formdata=None)
    return render_template(
        "tickets/ticket_requester.html", ticket=ticket, labels=labels(False),
        ticket_messages=ticket.public_messages, author_name=requester_author_name(ticket),
        reply_form=reply_form if can(current_user, "ticket.reply", ticket) else None,
        rate_form=rate_form,
        can_resolve=can(current_user, "ticket.resolve_own", ticket), can_reopen=can(current_user, "ticket.reopen", ticket),
        limits=limits(),
    ), status


def _staff_forms(ticket: Ticket, overrides: dict | None = None) -> dict:

    overrides = overrides or {}
    result: dict = {}
    user = current_user
    if all(can(user, action, ticket) for action in DETAIL_ACTIONS.values()):
        form = overrides.get("details")
        if form is None:
            form = forms.TicketDetailsForm(formdata=None)
            form.show(ticket)
        form.assignee.choices = assignee_choices(ticket)
        result["details"] = form
    if can(user, "ticket.escalate", ticket):
        result["escalate"] = overrides.get("escalate") or forms.EscalateForm(formdata=None)
    if can(user, "ticket.move", ticket):
        form = overrides.get("move") or forms.MoveForm(formdata=None)
        form.destination.choices = move_destinations(ticket)
        result["move"] = form
    if can(user, "ticket.merge", ticket):
        result["merge"] = overrides.get("merge") or forms.MergeForm(formdata=None)
    return result


# The sidebar's fields and the rule each one needs (all four are "works the ticket" today; each is still asked).
DETAIL_ACTIONS = {"assignee": "ticket.assign", "priority": "ticket.set_priority", "tags": "ticket.set_tags",
                  "state": "ticket.change_state"}
DETAIL_NAMES = {"assignee": _l("handläggare"), "priority": _l("prioritet"), "tags": _l("taggar"),
                "state": _l("status")}


def assignee_choices(ticket: Ticket) -> list[SelectChoice]:
    return [SelectChoice("", gettext("Ingen"))] + [SelectChoice(str(person.id), person.name)
                                                 for person in possible_assignees(ticket)]


def move_destinations(ticket: Ticket) -> list[SelectChoice]:
    """Where the ticket can go from here: another tier, or tier 1 at its own or one of the requester's schools."""
    choices = [SelectChoice("", gettext("Välj"))]
    for school in school_choices(ticket)[1:]:
        if not (ticket.tier == 1 and school.value == str(ticket.school_id)):
            choices.append(SelectChoice(f"1:{school.value}",
                                        gettext("Superanvändarna på %(school)s (nivå 1)", school=school.label)))
    if ticket.tier != 2:
        choices.append(SelectChoice("2", gettext("Servicedesk (nivå 2)")))
    if ticket.tier != 3:
        choices.append(SelectChoice("3", gettext("Systemförvaltning (nivå 3)")))
    return choices


def school_choices(ticket: Ticket) -> list[SelectChoice]:
    """The ticket's school and the requester's schools (a de-escalation goes to one of them)."""
    schools = {}
    if ticket.school is not None:
        schools[ticket.school.id] = ticket.school
    for membership in ticket.requester.groups:
        if membership.school is not None:
            schools[membership.school.id] = membership.school
    return [SelectChoice("", gettext("Välj skola"))] + [SelectChoice(str(s.id), s.name)
                                                       for s in sorted(schools.values(), key=lambda s: s.name)]


def possible_assignees(ticket: Ticket) -> list:
    """Who can take the ticket: the people of its queue, the present assignee and the person looking."""

    people = {person.id: person for person in notifications.queue_members(ticket)}
    for person in (ticket.assignee, current_user):
        if person is not None and can(person, "ticket.reply", ticket) and can(person, "ticket.workspace"):
            people[person.id] = person
    return sorted(people.values(), key=lambda person: person.name)


def canned_choices(ticket: Ticket) -> list[SelectChoice]:

    if not can(current_user, "ticket.canned", ticket):
        return [SelectChoice("", gettext("Välj standardsvar"))]
    return [SelectChoice("", gettext("Välj standardsvar"))] + [SelectChoice(str(c.id), c.title)
                                                             for c in canned.for_ticket(ticket)]


def render_staff_ticket(ticket: Ticket, *, reply_form=None, overrides: dict | None = None, status: int = 200,
                        canned_notes: list[str] | None = None):

    service.note_viewing(ticket, current_user, replying=False)
    if reply_form is None:
        reply_form = forms.StaffReplyForm(formdata=None)
    reply_form.canned_id.choices = canned_choices(ticket)
    if not can(current_user, "ticket.reply", ticket):
        reply_form = None
    queue = request.args.get("ko", "")
    db.session.commit()
    return render_template(
        "tickets/ticket_staff.html", ticket=ticket, labels=labels(True), now=utcnow(),
        ticket_messages=ticket.messages, author_name=staff_author_name(ticket), event_text=event_text,
        event_detail=event_detail,
        reply_form=reply_form, forms=_staff_forms(ticket, overrides),
        repliers=[p.name for p in service.active_repliers(ticket, excluding=current_user)],
        other_tickets=service.requester_other_tickets(ticket, current_user),
        school_superusers=routing.school_superusers(ticket.school_id),
        suggested_articles=suggested_articles_for(ticket),
        escalation=latest_escalation(ticket),
        may_take=(ticket.assignee_id != current_user.id and can(current_user, "ticket.assign", ticket)
                  and can(current_user, "ticket.assignable", ticket)),
        back_url=url_for("tickets.workspace", ko=queue or None),
        neighbours=queue_neighbours(ticket, queue) if queue else {},
        limits=limits(), canned_notes=canned_notes or [],
    ), status


def latest_escalation(ticket: Ticket):
    """The event that brought the ticket up to its present tier, so the reason is read first; None at tier 1."""
    if ticket.tier == 1:
        return None
    return db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                       TicketEvent.kind == "escalated")
                             .order_by(TicketEvent.created_at.desc(), TicketEvent.id.desc()).limit(1))


def suggested_articles_for(ticket: Ticket) -> list[dict]:
    """Knowledge-base articles for the ticket's subject, as the requester would find them: a teacher's Unikum
    ticket gets teacher articles, and every suggestion is one the requester may be sent."""
    return article_suggestions(ticket.requester or current_user, ticket.subject, limit=5)


def article_suggestions(user, text: str, limit: int = 5) -> list[dict]:
    """[{id, title, summary, url}] from the knowledge base."""
    from kb.service import suggest_articles

    return [{**item, "summary": item["summary"] or ""} for item in suggest_articles(user, text, limit=limit)]


# ----------------------------------------------------------------- attachments

@bp.get("/arenden/<int:number>/bilagor/<int:attachment_id>")
@login_required
def download_attachment(number: int, attachment_id: int):

    ticket = visible_ticket_or_404(number)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.ticket_id != ticket.id or not can(current_user, "ticket.attachment", attachment):
        abort(404)
    db.session.commit()  # the audit log row of an administrator's access
    return send_attachment(attachment)


@bp.get("/arenden/<int:number>/meddelanden/<int:message_id>/html")
@login_required
def message_original(number: int, message_id: int):
    """An e-mail's own HTML, sanitised, for a sandboxed frame on the ticket page. Remote images stay blocked by
    the Content-Security-Policy (tracking pixels, leaked addresses) unless the reader asks for them with
    `?bilder=visa`; inline images (cid:) are served from the ticket's attachments."""
    ticket = visible_ticket_or_404(number)
    message = next((m for m in service.visible_messages(ticket, current_user) if m.id == message_id), None)
    if message is None or not message.body_html:
        abort(404)
    remote_images = request.args.get("bilder") == "visa"
    html = render_template("tickets/message_original.html", ticket=ticket,
                           body=original_html(message, ticket))
    response = make_response(html)
    images = "'self' data: https: http:" if remote_images else "'self' data:"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; img-src {images}; style-src 'unsafe-inline'; frame-ancestors 'self'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Referrer-Policy"] = "no-referrer"  # a remote image never learns the ticket's address
    return response


_CID = re.compile(r"""(src\s*=\s*["']?)cid:([^"'\s>]+)""", re.IGNORECASE)


def original_html(message, ticket) -> Markup:
    """The stored (already sanitised) HTML with personal identity numbers masked and cid: images pointing at the
    attachments they came as; an image part that was not kept shows as nothing."""
    files = {attachment.content_id.lower(): attachment for attachment in message.attachments
             if attachment.content_id and not attachment.is_dangerous}

    def local(match):
        attachment = files.get(match.group(2).lower())
        target = url_for("tickets.download_attachment", number=ticket.number, attachment_id=attachment.id) \
            if attachment is not None else ""
        return match.group(1) + target

    return Markup(_CID.sub(local, mask_personal_numbers(message.body_html)))  # noqa: S704 - sanitised at intake


# ----------------------------------------------------------------- staff actions

def _service_error_types():

    return (service.TicketError, AttachmentError)


@bp.post("/arenden/<int:number>/svar")
@login_required
def reply(number: int):
    """The one reply route: staff answer or write a note (canned responses, a state after the reply), a
    requester answers on their own ticket."""
    ticket = visible_ticket_or_404(number)
    if is_staff_view(ticket):
        return _staff_reply(ticket)
    return _requester_reply(ticket)


def _requester_reply(ticket: Ticket):
    if request.form.get("kind") == "internal" or not can(current_user, "ticket.reply", ticket):
        abort(404)  # internal notes are staff's; a requester asking for one is refused like a hidden ticket
    form = forms.ReplyForm()
    if not form.validate_on_submit():
        return render_requester_ticket(ticket, reply_form=form, status=400)
    try:
        service.reply(ticket, author=current_user, body=form.body.data, internal=False, channel="web",
                      attachments=uploaded_files())
    except _service_error_types() as error:
        db.session.rollback()
        form.attachments.errors = [str(error)]
        return render_requester_ticket(visible_ticket_or_404(ticket.number), reply_form=form, status=400)
    db.session.commit()
    flash(gettext("Ditt svar är skickat."), "success")
    return redirect(url_for("tickets.ticket", number=ticket.number))


def _staff_reply(ticket: Ticket):
    number = ticket.number
    if not can(current_user, "ticket.note", ticket):
        abort(404)
    form = forms.StaffReplyForm()
    form.canned_id.choices = canned_choices(ticket)
    if request.form.get("insert_canned"):
        # Without JavaScript: put the chosen canned response into the text and show the form again.
        canned_id = parse_int(form.canned_id.data, minimum=1)
        response = db.session.get(CannedResponse, canned_id) if canned_id else None
        notes = []
        if response is not None and response.active:
            try:
                addition = canned.render(response, ticket, agent=current_user)
            except canned.CannedResponseError as error:
                form.canned_id.errors = [str(error)]
            else:
                form.body.data = f"{form.body.data}\n\n{addition}".strip() if form.body.data else addition
                notes = canned.gap_notes(response, ticket, agent=current_user)
        return render_staff_ticket(ticket, reply_form=form, canned_notes=notes)
    internal = form.kind.data == "internal"
    if not internal and not can(current_user, "ticket.reply", ticket):
        abort(404)
    if not form.validate_on_submit():
        return render_staff_ticket(ticket, reply_form=form, status=400)
    try:
        service.reply(ticket, author=current_user, body=form.body.data, internal=internal, channel="web",
                      attachments=uploaded_files(),
                      set_state=(form.state_after.data or None) if not internal else None)
    except _service_error_types() as error:
        db.session.rollback()
        form.attachments.errors = [str(error)]
        return render_staff_ticket(visible_ticket_or_404(number), reply_form=form, status=400)
    db.session.commit()
    flash(gettext("Anteckningen är sparad.") if internal else gettext("Svaret är skickat."), "success")
    return redirect(url_for("tickets.ticket", number=number, ko=request.args.get("ko") or None))


def _staff_action(number: int, action: str, form_class, key: str, apply):
    """Validate one sidebar form, call the service through `apply(ticket, form)` and go back to the ticket."""
    ticket = visible_ticket_or_404(number, action)
    form = form_class()
    if key == "deescalate":
        form.school.choices = school_choices(ticket)
    if key == "move":
        form.destination.choices = move_destinations(ticket)
    if form.validate_on_submit():
        try:
            message = apply(ticket, form)
        except _service_error_types() as error:
            db.session.rollback()
            ticket = visible_ticket_or_404(number)
            first_field = next((f for f in form if f.name != "csrf_token"), None)
            if first_field is None:  # a one-click action: say why at the top of the ticket
                flash(str(error), "error")
                return redirect(url_for("tickets.ticket", number=number))
            first_field.errors = [*first_field.errors, str(error)]
            return render_staff_ticket(ticket, overrides={key: form}, status=400)
        db.session.commit()
        flash(message, "success")
        if not can(current_user, "ticket.view", ticket):
            # e.g. a superuser escalated the ticket away from their school and may no longer follow it
            return redirect(url_for("tickets.workspace"))
        return redirect(url_for("tickets.ticket", number=number))
    return render_staff_ticket(ticket, overrides={key: form}, status=400)


@bp.post("/arenden/<int:number>/uppgifter")
@login_required
def save_details(number: int):
    """The sidebar saved together: one service call per field this person changed, all in one transaction, and
    one message that lists them. An error undoes every change and shows the form again with the values chosen."""
    ticket = visible_ticket_or_404(number, "ticket.change_state")
    form = forms.TicketDetailsForm()
    form.assignee.choices = assignee_choices(ticket)
    if not form.validate_on_submit():
        return render_staff_ticket(ticket, overrides={"details": form}, status=400)
    saved = []
    for name in form.changed(ticket):
        try:
            shown = _save_detail(ticket, name, getattr(form, name).data)
        except _service_error_types() as error:
            db.session.rollback()
            getattr(form, name).errors = [*getattr(form, name).errors, str(error)]
            return render_staff_ticket(visible_ticket_or_404(number), overrides={"details": form}, status=400)
        saved.append(f"{DETAIL_NAMES[name]} {shown}")
    db.session.commit()
    if saved:
        flash(gettext("Sparat: %(changes)s.", changes=", ".join(saved)), "success")
    else:
        flash(gettext("Inget är ändrat."), "info")
    if not can(current_user, "ticket.view", ticket):
        return redirect(url_for("tickets.workspace"))
    return redirect(url_for("tickets.ticket", number=number, ko=request.args.get("ko") or None))


def _save_detail(ticket: Ticket, name: str, value: str) -> str:
    """Change one sidebar field through the service; returns the new value as the flash names it."""
    if name == "assignee":
        assignee_id = parse_int(value, minimum=1)
        service.assign(ticket, db.session.get(User, assignee_id) if assignee_id else None, by=current_user)
        return ticket.assignee.name if ticket.assignee else gettext("ingen")
    if name == "priority":
        service.set_priority(ticket, value, by=current_user)
        return str(forms.PRIORITY_LABELS[ticket.priority]).lower()
    if name == "tags":
        service.set_tags(ticket, value or "", by=current_user)
        tags = ", ".join(ticket.tags) or gettext("inga")
        return f"({tags})"
    service.change_state(ticket, value, by=current_user)
    return str(forms.STAFF_STATE_LABELS[ticket.state]).lower()


@bp.post("/arenden/<int:number>/eskalera")
@login_required
def escalate(number: int):

    def apply(ticket, form):
        service.escalate(ticket, by=current_user, reason=form.reason.data.strip())
        return gettext("Ärendet är eskalerat till nivå %(tier)s.", tier=ticket.tier)

    return _staff_action(number, "ticket.escalate", forms.EscalateForm, "escalate", apply)


@bp.post("/arenden/<int:number>/ta")
@login_required
def take(number: int):
    """One click: the ticket is mine now."""

    def apply(ticket, _form):
        service.assign(ticket, current_user, by=current_user)
        return gettext("Du handlägger nu ärendet.")

    return _staff_action(number, "ticket.assign", forms.TakeForm, "take", apply)


@bp.post("/arenden/<int:number>/flytta")
@login_required
def move(number: int):
    """Send the ticket to another tier or school, with a reason the receiving queue sees."""

    def apply(ticket, form):
        tier_text, _, school_text = form.destination.data.partition(":")
        tier = parse_int(tier_text, minimum=1, maximum=3, default=0)
        school = db.session.get(School, parse_int(school_text, minimum=1, default=0)) if tier == 1 else None
        service.move_to_tier(ticket, tier, by=current_user, reason=form.reason.data.strip(), school=school)
        return gettext("Ärendet är flyttat till %(queue)s.", queue=routing.queue_label(ticket))

    return _staff_action(number, "ticket.move", forms.MoveForm, "move", apply)


@bp.post("/arenden/<int:number>/till-skolan")
@login_required
def deescalate(number: int):

    def apply(ticket, form):
        school = db.session.get(School, parse_int(form.school.data, minimum=1, default=0))
        if school is None:
            raise service.TicketError(gettext("Välj en skola."))
        service.deescalate(ticket, by=current_user, school=school, reason=(form.reason.data or "").strip())
        return gettext("Ärendet är skickat till superanvändarna på %(school)s.", school=school.name)

    return _staff_action(number, "ticket.deescalate", forms.DeescalateForm, "deescalate", apply)


@bp.post("/arenden/<int:number>/sla-ihop")
@login_required
def merge(number: int):

    def apply(ticket, form):
        into = db.session.scalar(select(Ticket).where(
            Ticket.number == parse_int(form.into_number.data, minimum=1, default=0)))
        if into is None or not can(current_user, "ticket.merge", into):
            raise service.TicketError(gettext("Det finns inget ärende med det numret som du kan slå ihop med."))
        service.merge(ticket, into=into, by=current_user)
        return gettext("Ärendet är sammanslaget med %(number)s.", number=into.display_number)

    return _staff_action(number, "ticket.merge", forms.MergeForm, "merge", apply)


@bp.get("/arenden/<int:number>/standardsvar/<int:canned_id>")
@login_required
def canned_text(number: int, canned_id: int):

    ticket = visible_ticket_or_404(number, "ticket.note")
    if not can(current_user, "ticket.canned", ticket):
        abort(404)
    response = db.session.get(CannedResponse, canned_id)
    if response is None or not response.active:
        abort(404)
    try:
        return jsonify(text=canned.render(response, ticket, agent=current_user),
                       notes=canned.gap_notes(response, ticket, agent=current_user))
    except canned.CannedResponseError as error:
        return jsonify(error="canned", message=str(error)), 400


@bp.post("/arenden/<int:number>/narvaro")
@login_required
def presence(number: int):

    ticket = visible_ticket_or_404(number, "ticket.view_internal")
    service.note_viewing(ticket, current_user, replying=request.form.get("replying") == "1")
    people = service.active_repliers(ticket, excluding=current_user)
    db.session.commit()
    return jsonify(replying=[{"name": person.name} for person in people])


# ----------------------------------------------------------------- the workspace

HOME_QUEUES = ("mine", "unassigned", "my_schools", "tier2", "breaching")


def queue_menu(user) -> list[dict]:
    """[{key, label, count}] of the queues this person works, for the menu and the start page."""

    return [{"key": info.key, "label": str(info.label), "count": info.count}
            for info in queues.queue_counts(user)]


def _choice(value: str | None, allowed) -> str | None:
    return value if value in allowed else None


def queue_neighbours(ticket: Ticket, queue: str) -> dict:
    """Links to the previous and next ticket of the queue the agent came from (for `j` / `k`)."""

    try:
        page = queues.list_queue(current_user, queue, limit=200)
    except queues.QueueError:
        return {}
    numbers = [t.number for t in page.tickets]
    if ticket.number not in numbers:
        return {}
    index = numbers.index(ticket.number)
    link = lambda number: url_for("tickets.ticket", number=number, ko=queue)  # noqa: E731
    return {"prev": link(numbers[index - 1]) if index > 0 else None,
            "next": link(numbers[index + 1]) if index + 1 < len(numbers) else None}


@bp.get("/arbetsyta")
@login_required
def workspace():

    if not can(current_user, "ticket.workspace"):
        abort(404)
    menu = queue_menu(current_user)
    keys = [item["key"] for item in menu]
    q = (request.args.get("q") or "").strip()[:200]
    # Without a choice, open on the first queue with work in it (the menu's order: mine, unassigned, …).
    with_work = [item["key"] for item in menu if item["count"]]
    queue = request.args.get("ko") if request.args.get("ko") in keys else (with_work or keys or [""])[0]
    filters = queues.QueueFilters(
        state=_choice(request.args.get("status"), STATES),
        priority=_choice(request.args.get("prioritet"), PRIORITIES),
        system=_choice(request.args.get("system"), SYSTEMS),
    )
    sort = _choice(request.args.get("sortering"), queues.SORTS) or "due"
    cursor = request.args.get("efter") or None
    tickets, next_cursor = [], None
    if q:
        try:
            tickets, next_cursor = search.search_tickets(current_user, q, cursor=cursor, limit=PAGE_SIZE)
        except queues.QueueError:
            tickets, next_cursor = search.search_tickets(current_user, q, limit=PAGE_SIZE)
    elif queue:
        try:
            page = queues.list_queue(current_user, queue, filters=filters, sort=sort, cursor=cursor,
                                     limit=PAGE_SIZE)
        except queues.QueueError:
            page = queues.list_queue(current_user, queue, filters=filters, sort=sort, limit=PAGE_SIZE)
        tickets, next_cursor = page.tickets, page.next_cursor
    label = next((item["label"] for item in menu if item["key"] == queue), "")
    if queue == "system" and filters.system:
        label = f"{label}: {forms.SYSTEM_LABELS[filters.system]}"
    next_url = None
    if next_cursor:
        args = {k: v for k, v in request.args.items() if k != "efter"}
        next_url = url_for("tickets.workspace", **args, efter=next_cursor)
    system_queues = []
    if "system" in keys:
        system_queues = [{"key": "system", "system": key, "label": forms.SYSTEM_LABELS[key], "count": count}
                         for key, count in sorted(queues.system_counts(current_user).items())]
    return render_template(
        "tickets/workspace.html", labels=labels(True), now=utcnow(), q=q, queue=queue, queue_label=label,
        queues=menu, system_queues=system_queues, filters=filters, sort=sort,
        sort_options=[(key, str(text)) for key, text in queues.SORT_LABELS.items()],
        tickets=tickets, next_url=next_url, can_log_calls=can(current_user, "ticket.log_call"),
    )


# ----------------------------------------------------------------- notification preferences (profile page)

@bp.post("/profil/aviseringar", endpoint="notification_preferences")
@login_required
def save_notification_preferences():

    if not can(current_user, "profile.edit", current_user):
        abort(404)
    enabled = set(request.form.getlist("enabled"))
    for key, _label, _enabled in notifications.preferences_for(current_user):
        notifications.set_preference(current_user, key, key in enabled)
    db.session.commit()
    flash(gettext("Dina val för e-postaviseringar är sparade."), "success")
    return redirect(url_for("accounts.profile"))

