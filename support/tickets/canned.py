"""Canned responses: reusable replies with placeholders, rendered in a sandboxed Jinja environment.

Placeholders: `{{ requester.first_name }}`, `{{ requester.name }}`, `{{ ticket.number }}`, `{{ ticket.subject }}`,
`{{ school.name }}`, `{{ agent.first_name }}`, `{{ agent.name }}`. Only these plain values are passed in (never
ORM objects), and the sandbox refuses attribute tricks, so an editor cannot reach anything else.
"""

from __future__ import annotations

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import select

from support.database import utcnow
from support.extensions import db
from support.tickets.models import SYSTEMS, CannedResponse

PLACEHOLDERS = ("requester.first_name", "requester.name", "ticket.number", "ticket.subject", "school.name",
                "agent.first_name", "agent.name")

_environment = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined)


class CannedResponseError(ValueError):
    """A canned response that cannot be saved or rendered; the message is Swedish."""


def _person(user) -> dict:
    name = getattr(user, "name", "") or ""
    return {"name": name, "first_name": name.split()[0] if name.strip() else ""}


def context_for(ticket, agent=None) -> dict:
    return {
        "requester": _person(ticket.requester),
        "ticket": {"number": ticket.number, "subject": ticket.subject},
        "school": {"name": ticket.school.name if ticket.school else ""},
        "agent": _person(agent),
    }


def _sample_context() -> dict:
    return {"requester": {"name": "Maria Svensson", "first_name": "Maria"},
            "ticket": {"number": 1234, "subject": "Exempel"}, "school": {"name": "Ekbackaskolan"},
            "agent": {"name": "Sofia Holm", "first_name": "Sofia"}}


def render_text(body: str, context: dict) -> str:
    try:
        return _environment.from_string(body).render(**context)
    except (TemplateError, OverflowError) as error:
        raise CannedResponseError(
            "Svarsmallen har en platshållare som inte finns eller är felskriven. Tillåtna: "
            + ", ".join("{{ " + p + " }}" for p in PLACEHOLDERS) + f" ({error})") from error


def render(canned: CannedResponse, ticket, agent=None) -> str:
    """The canned response's text with the ticket's values filled in."""
    return render_text(canned.body, context_for(ticket, agent))


def validate(title: str, body: str, system: str | None) -> tuple[str, str, str | None]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise CannedResponseError("Ge svarsmallen en rubrik.")
    if len(title) > 120:
        raise CannedResponseError("Rubriken får vara högst 120 tecken.")
    if not body:
        raise CannedResponseError("Skriv svarsmallens text.")
    if system and system not in SYSTEMS:
        raise CannedResponseError("Okänt system.")
    render_text(body, _sample_context())
    return title, body, system or None


def create(*, title: str, body: str, system: str | None = None, by=None) -> CannedResponse:
    title, body, system = validate(title, body, system)
    canned = CannedResponse(title=title, body=body, system=system, created_by_id=getattr(by, "id", None))
    db.session.add(canned)
    return canned


def update(canned: CannedResponse, *, title: str, body: str, system: str | None = None,
           active: bool = True) -> CannedResponse:
    canned.title, canned.body, canned.system = validate(title, body, system)
    canned.active = active
    canned.updated_at = utcnow()
    return canned


def for_ticket(ticket) -> list[CannedResponse]:
    """Active canned responses, the ones for the ticket's system first."""
    rows = db.session.scalars(select(CannedResponse).where(CannedResponse.active.is_(True))
                              .order_by(CannedResponse.title)).all()
    return sorted(rows, key=lambda c: (c.system != ticket.system, c.system is not None and c.system != ticket.system))


def all_responses() -> list[CannedResponse]:
    return list(db.session.scalars(select(CannedResponse).order_by(CannedResponse.active.desc(),
                                                                   CannedResponse.title)))
