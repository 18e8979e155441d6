"""Canned responses: reusable replies with placeholders, rendered in a sandboxed Jinja environment.

Placeholders: `{{ requester.first_name }}`, `{{ requester.name }}`, `{{ ticket.number }}`, `{{ ticket.subject }}`,
`{{ school.name }}`, `{{ agent.first_name }}`, `{{ agent.name }}`. Only these plain values are passed in (never
ORM objects), and the sandbox refuses attribute tricks, so an editor cannot reach anything else.

A placeholder this ticket has no value for (a requester without a school) is filled with a neutral word in the
requester's language ("skolan"), never left as a hole in a sentence the requester reads; `missing_placeholders`
names them so the agent can be told before sending.
"""

from __future__ import annotations

import re

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import select

from support.database import utcnow
from support.extensions import db
from support.i18n import in_language_of
from support.tickets.models import SYSTEMS, CannedResponse

PLACEHOLDERS = ("requester.first_name", "requester.name", "ticket.number", "ticket.subject", "school.name",
                "agent.first_name", "agent.name")

_environment = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
_PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")  # what stands between {{ and }}, as written


class CannedResponseError(ValueError):
    """A canned response that cannot be saved or rendered; the message is Swedish."""


def _fallbacks() -> dict[str, str]:
    """The word each placeholder falls back to, in the current language (the requester's, see `context_for`)."""
    person, desk = gettext("du"), gettext("Servicedesk")
    return {"requester.first_name": person, "requester.name": person, "ticket.subject": gettext("ditt ärende"),
            "school.name": gettext("skolan"), "agent.first_name": desk, "agent.name": desk}


def _values(ticket, agent=None) -> dict[str, str]:
    """Each placeholder's value for this ticket; "" where the ticket has none."""
    requester_name = (getattr(ticket.requester, "name", "") or "").strip()
    agent_name = (getattr(agent, "name", "") or "").strip()
    return {"requester.first_name": requester_name.split()[0] if requester_name else "",
            "requester.name": requester_name, "ticket.number": str(ticket.number),
            "ticket.subject": (ticket.subject or "").strip(),
            "school.name": ticket.school.name if ticket.school else "",
            "agent.first_name": agent_name.split()[0] if agent_name else "", "agent.name": agent_name}


def context_for(ticket, agent=None) -> dict:
    """The placeholders' values, an empty one replaced by its fallback word in the requester's language."""
    values = _values(ticket, agent)
    with in_language_of(ticket.requester):
        fallbacks = _fallbacks()
    filled = {name: value or fallbacks.get(name, "") for name, value in values.items()}
    context: dict[str, dict] = {}
    for name, value in filled.items():
        group, attribute = name.split(".")
        context.setdefault(group, {})[attribute] = value
    return context


def missing_placeholders(canned: CannedResponse, ticket, agent=None) -> list[tuple[str, str]]:
    """(placeholder, fallback word) for each placeholder the text uses that this ticket has no value for."""
    values = _values(ticket, agent)
    with in_language_of(ticket.requester):
        fallbacks = _fallbacks()
    used = [name for name in dict.fromkeys(_PLACEHOLDER_RE.findall(canned.body)) if name in PLACEHOLDERS]
    return [(name, fallbacks[name]) for name in used if not values[name] and name in fallbacks]


# Why a placeholder is empty, said to the agent before they send the text.
_GAP = {"requester.first_name": _l("Frågeställaren saknar namn"), "requester.name": _l("Frågeställaren saknar namn"),
        "ticket.subject": _l("Ärendet saknar rubrik"), "school.name": _l("Ärendet saknar skola"),
        "agent.first_name": _l("Handläggaren saknar namn"), "agent.name": _l("Handläggaren saknar namn")}


def gap_notes(canned: CannedResponse, ticket, agent=None) -> list[str]:
    """One sentence per placeholder this ticket cannot fill, in the agent's language: "Ärendet saknar skola: texten
    säger ”skolan”"."""
    notes = []
    for name, word in missing_placeholders(canned, ticket, agent):
        note = gettext("%(gap)s: texten säger ”%(word)s”.", gap=_GAP[name], word=word)
        if note not in notes:
            notes.append(note)
    return notes


def _sample_context() -> dict:
    return {"requester": {"name": "Maria Svensson", "first_name": "Maria"},
            "ticket": {"number": 1234, "subject": "Exempel"}, "school": {"name": "Ekbackaskolan"},
            "agent": {"name": "Sofia Holm", "first_name": "Sofia"}}


def render_text(body: str, context: dict) -> str:
    try:
        return _environment.from_string(body).render(**context)
    except (TemplateError, OverflowError) as error:
        allowed = ", ".join("{{ " + p + " }}" for p in PLACEHOLDERS)
        unknown = [name for name in dict.fromkeys(_PLACEHOLDER_RE.findall(body)) if name not in PLACEHOLDERS]
        if unknown:  # named as the editor wrote them, not as Jinja's error message puts it
            found = ", ".join("{{ " + name + " }}" for name in unknown)
            raise CannedResponseError(f"Platshållaren {found} finns inte. Tillåtna: {allowed}.") from error
        raise CannedResponseError(
            f"Svarsmallen har en platshållare som är felskriven (kontrollera {{{{ och }}}}). Tillåtna: {allowed}."
        ) from error



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
