"""The one list of what things are called: each key of the platform's vocabularies with its translated label.

Systems, user groups, staff roles, ticket states, priorities, channels, tiers and school forms are named here and
nowhere else, so the ticket form, the queues, routing administration, mail and the knowledge base say the same
thing (the systems are named as the platform names its modules, ../shared/kb-corpus/WORLD.md). The person who
asked a question is the "frågeställare" everywhere. Labels are lazy (Swedish msgids, English in translations/);
`swedish()` gives the Swedish text for what is Swedish whatever the reader's language (mail, service errors).
The knowledge base imports this module too: it holds no ticket code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

SYSTEM_LABELS = {
    "login": _l("Inloggning och konto"),
    "schedule": _l("Schema (Skola24)"),
    "attendance": _l("Frånvaro och närvaro"),
    "documentation": _l("Elevdokumentation (PingPong)"),
    "assessment": _l("Planering och bedömning (Unikum)"),
    "teams": _l("Microsoft Teams och Office 365"),
    "startpage": _l("Startsidor"),
    "app": _l("Skolplattformen-appen"),
    "messages": _l("Meddelanden och notiser"),
    "general": _l("Allmänt om plattformen"),
}

GROUP_LABELS = {
    "pedagogue": _l("Pedagog"),
    "guardian": _l("Vårdnadshavare"),
    "student": _l("Elev"),
    "administrator": _l("Administratör"),
}

ROLE_LABELS = {
    "superuser": _l("Superanvändare"),
    "coordinator": _l("Samordnare för superanvändare"),
    "agent": _l("Servicedesk (agent)"),
    "kb_editor": _l("Redaktör för kunskapsbanken"),
    "admin": _l("Administratör av supporttjänsten"),
}

# The knowledge base writes for the user groups and for two staff readerships.
AUDIENCE_LABELS = {
    **{group: GROUP_LABELS[group] for group in ("guardian", "student", "pedagogue", "administrator")},
    "superuser": ROLE_LABELS["superuser"],
    "support": _l("Servicedesk"),
}

REQUESTER_LABEL = _l("Frågeställare")

# A requester reads "pending" as waiting for them; staff read it from their side.
STATE_LABELS = {
    "new": _l("Ny"),
    "open": _l("Öppen"),
    "pending": _l("Väntar på dig"),
    "resolved": _l("Löst"),
    "closed": _l("Stängd"),
    "merged": _l("Sammanslagen"),
}
STAFF_STATE_LABELS = {**STATE_LABELS, "pending": _l("Väntar på frågeställaren")}

PRIORITY_LABELS = {
    "low": _l("Låg"),
    "normal": _l("Normal"),
    "high": _l("Hög"),
    "urgent": _l("Akut"),
}

CHANNEL_LABELS = {
    "web": _l("Webb"),
    "email": _l("E-post"),
    "phone": _l("Telefon"),
    "api": _l("API"),
}

TIER_LABELS = {
    1: _l("Nivå 1 – skolans superanvändare"),
    2: _l("Nivå 2 – Servicedesk"),
    3: _l("Nivå 3 – systemförvaltning"),
}

SCHOOL_FORM_LABELS = {
    "preschool": _l("Förskola"),
    "compulsory": _l("Grundskola"),
    "compulsory-adapted": _l("Anpassad grundskola"),
    "upper-secondary": _l("Gymnasieskola"),
    "upper-secondary-adapted": _l("Anpassad gymnasieskola"),
    "adult": _l("Komvux"),
    "adult-adapted": _l("Komvux som anpassad utbildning"),
    "sfi": _l("Sfi"),
    "vocational": _l("Yrkeshögskola"),
}

# Every vocabulary by name: for tests that hold them complete and for templates (`vocabulary.systems[key]`).
VOCABULARIES = {
    "systems": SYSTEM_LABELS,
    "groups": GROUP_LABELS,
    "roles": ROLE_LABELS,
    "audiences": AUDIENCE_LABELS,
    "states": STATE_LABELS,
    "staff_states": STAFF_STATE_LABELS,
    "priorities": PRIORITY_LABELS,
    "channels": CHANNEL_LABELS,
    "tiers": TIER_LABELS,
    "school_forms": SCHOOL_FORM_LABELS,
}


def swedish(label) -> str:
    """The Swedish text of a label whatever the reader's language (mail and service messages are Swedish)."""
    with force_locale("sv"):
        return str(label)


class SwedishLabels(Mapping):
    """A vocabulary read in Swedish: `SwedishLabels(PRIORITY_LABELS)["high"] == "Hög"` in any request."""

    def __init__(self, labels: Mapping):
        self._labels = labels

    def __getitem__(self, key) -> str:
        return swedish(self._labels[key])

    def __iter__(self) -> Iterator:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


def init_app(app) -> None:
    """Templates read labels from here (`vocabulary.groups[key]`) instead of keeping their own tables."""
    app.jinja_env.globals["vocabulary"] = VOCABULARIES
    app.jinja_env.globals["requester_label"] = REQUESTER_LABEL
